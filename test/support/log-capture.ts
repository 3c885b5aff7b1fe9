import { Writable } from 'node:stream';

/** Pino options that write the server's log (JSON lines) into memory, for tests that read what was logged. */
export function captureLog(level = 'info') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return {
    logger: { level, stream },
    lines,
    /** the whole log so far, one JSON object a line */
    text: () => lines.join('\n'),
  };
}
