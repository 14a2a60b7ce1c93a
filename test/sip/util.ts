// Test helpers for building SIP messages.

/** Builds a message from lines joined with CRLF, then the blank line and the body. */
export function sip(lines: string[], body = ''): Buffer {
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`, 'utf8');
}
