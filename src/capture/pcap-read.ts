/**
 * readPackets(): the packets of a pcap or pcapng capture — a path (`-` for stdin), a byte stream or any
 * async iterable of Buffers — streamed in bounded memory, gzip-compressed or not (detected by the magic
 * bytes 1f 8b, RFC 1952 §2.3.1, whatever the file is called). It owns the I/O: chunks in (through the
 * logfile layer's source and gunzip plumbing), PcapParser (pcap-parse.ts) events out. I/O failures (a
 * missing file, a torn .gz) end the read with one fatal IO_READ event after every packet read before.
 */
import { decompressed, sourceChunks } from '../logfile/reader-source.js';
import { PcapParser } from './pcap-parse.js';
import { DEFAULT_CAPTURE_CHUNK_BYTES, captureError, type CaptureError, type CaptureSource, type PacketEvent, type ReadPacketsOptions } from './pcap-types.js';

/** The decompressed chunks of a capture source. */
export function captureChunks(source: CaptureSource, chunkBytes: number = DEFAULT_CAPTURE_CHUNK_BYTES): AsyncGenerator<Buffer> {
  const raw: AsyncIterable<unknown> = typeof source === 'string' ? sourceChunks(source, chunkBytes) : (source as AsyncIterable<unknown>);
  return decompressed(raw, chunkBytes);
}

/**
 * Feeds `source` through a PcapParser, handing each batch of events (the events of one chunk) to the
 * caller's loop. Never throws for bad input or I/O failures: they become events.
 */
export async function* packetBatches(source: CaptureSource, opts?: ReadPacketsOptions): AsyncGenerator<PacketEvent[]> {
  const parser = new PcapParser(opts);
  const chunkBytes = opts?.chunkBytes ?? DEFAULT_CAPTURE_CHUNK_BYTES;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1) throw new RangeError(`chunkBytes ${chunkBytes} is not a positive integer`);
  const out: PacketEvent[] = [];
  let failure: CaptureError | undefined;
  const it = captureChunks(source, chunkBytes);
  try {
    for (;;) {
      let r: IteratorResult<Buffer>;
      try {
        r = await it.next();
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        failure = captureError('IO_READ', 0, parser.offset, `${typeof source === 'string' ? source : 'input'}: ${why}`, true);
        break;
      }
      if (r.done === true) break;
      parser.push(r.value, out);
      if (out.length > 0) {
        yield out.splice(0);
      }
      if (parser.stopped) break;
    }
  } finally {
    await it.return(undefined);
  }
  if (failure !== undefined) {
    // Keep what was read: report the failure with the number the next packet would have had.
    parser.end([]);
    out.push({ ...failure, packetIndex: parser.nextIndex });
  } else {
    parser.end(out);
  }
  if (out.length > 0) yield out;
}

/**
 * The packets of a capture, in file order, each followed by the problems found with it. Ends after a
 * fatal CaptureError (corrupt header, truncation, I/O failure), having yielded every packet before it.
 * Throws RangeError at once for invalid options, never for bad input.
 */
export async function* readPackets(source: CaptureSource, opts?: ReadPacketsOptions): AsyncGenerator<PacketEvent, void, undefined> {
  for await (const batch of packetBatches(source, opts)) {
    for (let i = 0; i < batch.length; i++) yield batch[i] as PacketEvent;
  }
}
