// The transport layer restates TransportSink by shape (it may not import transaction): keep the two
// assignable both ways at compile time, and check the adapter contract at run time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Endpoint } from '../../src/transport/address.js';
import type { MessageSink } from '../../src/transport/layer.js';
import type { Target, TransportSink } from '../../src/transaction/types.js';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sinkCompatible: Same<MessageSink, TransportSink> = true;
const targetCompatible: Same<Endpoint, Target> = true;

test('transport MessageSink and Endpoint are the transaction layer TransportSink and Target', () => {
  assert.equal(sinkCompatible && targetCompatible, true);
});
