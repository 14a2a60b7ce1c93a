// Shared helpers of the ClfWriter tests: the record builder and frame walker of
// test/fixtures/writer-records.mjs (also used by the child process of writer-process.test.ts), and a writer
// that collects its errors and warnings instead of printing them.
import { join } from 'node:path';
import type { SipclfError } from '../../src/errors.js';
import { ClfWriter } from '../../src/logfile/writer.js';
import type { WriterOptions } from '../../src/logfile/writer.js';

/** test/fixtures/writer-records.mjs, shared with the child process of writer-process.test.ts. */
export interface WriterHelpers {
  makeRecord: (seq: number, pad?: number) => string;
  makeRecordWithCallId: (callId: string) => string;
  checkFrames: (buf: Buffer) => { seqs: number[]; torn: number; errors: string[] };
  readAll: (dir: string) => { seqs: number[]; torn: number; files: string[]; perFile: [string, number][] };
  modeOf: (path: string) => number;
  withDir: (fn: (dir: string) => Promise<void>) => Promise<void>;
}
export const root = join(import.meta.dirname, '..', '..', '..');
export const helpers = (await import(
  join(root, 'test', 'fixtures', 'writer-records.mjs')
)) as WriterHelpers;
export const { checkFrames, makeRecord, makeRecordWithCallId, modeOf, readAll, withDir } = helpers;

/** Open a writer in `dir` that collects its errors and warnings instead of printing them. */
export async function openW(opts: WriterOptions): Promise<{ w: ClfWriter; errors: SipclfError[]; warnings: SipclfError[] }> {
  const w = await ClfWriter.open(opts);
  const errors: SipclfError[] = [];
  const warnings: SipclfError[] = [];
  w.on('error', (e) => errors.push(e));
  w.on('warning', (e) => warnings.push(e));
  return { w, errors, warnings };
}

export const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);
