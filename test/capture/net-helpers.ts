// Crafted-traffic helpers of the network decoding tests: SIP texts, addresses, and a synchronous decode of
// frames of one link type through PcapParser and SipExtractor.
import type { FrameAddress } from '../../src/capture/net-build.js';
import { SipExtractor } from '../../src/capture/net-sip.js';
import type { SipEvent } from '../../src/capture/net-types.js';
import { PcapParser } from '../../src/capture/pcap-parse.js';
import type { PacketEvent } from '../../src/capture/pcap-types.js';
import { pcapFile, type Frame } from './pcap-helpers.js';

export function sipText(callId: string, bodyLen = 0, first = 'OPTIONS sip:b@example.com SIP/2.0'): Buffer {
  const body = 'x'.repeat(bodyLen);
  return Buffer.from(
    `${first}\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK${callId}\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\n` +
      `Call-ID: ${callId}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    'latin1',
  );
}

export const A4: FrameAddress = { ip: Uint8Array.from([192, 0, 2, 1]), port: 5060 };
export const B4: FrameAddress = { ip: Uint8Array.from([192, 0, 2, 2]), port: 5070 };
export const A6: FrameAddress = { ip: Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 1]), port: 5060 };
export const B6: FrameAddress = { ip: Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 2]), port: 5070 };

/** Runs the decoder over frames of one link type; returns the Call-IDs found and the error codes. */
export function decode(linkType: number, frames: readonly Frame[], opts?: ConstructorParameters<typeof SipExtractor>[0]): { ids: string[]; codes: string[]; x: SipExtractor; events: SipEvent[] } {
  const parser = new PcapParser();
  const pe: PacketEvent[] = [];
  parser.push(pcapFile(linkType, frames), pe);
  parser.end(pe);
  const x = new SipExtractor(opts);
  const events: SipEvent[] = [];
  for (const e of pe) {
    if (e.type === 'packet') x.packet(e, events);
    else events.push(e);
  }
  x.end(events);
  const ids = events.filter((e) => e.type === 'sip').map((e) => (e.type === 'sip' ? /Call-ID: (\S+)/.exec(e.bytes.toString('latin1'))?.[1] ?? '?' : ''));
  return { ids, codes: events.filter((e) => e.type === 'error').map((e) => (e.type === 'error' ? e.code : '')), x, events };
}

