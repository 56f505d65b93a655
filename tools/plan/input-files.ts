// Reading a file a user names: a regular file only (a FIFO would wait forever for a writer, a device such as
// /dev/zero or /dev/urandom never ends), and no more than a bound, so no input makes a tool hang or run out of memory.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats, statSync } from "node:fs";

/** The most a tool reads of one input file: plans, stack files and outputs are kilobytes; 16 MiB is far above. */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/** What a non-regular file is, in words. Pure. */
function kindOf(s: Stats): string {
  if (s.isDirectory()) return "a folder";
  if (s.isFIFO()) return "a FIFO (named pipe)";
  if (s.isCharacterDevice()) return "a character device";
  if (s.isBlockDevice()) return "a block device";
  if (s.isSocket()) return "a socket";
  return "not a regular file";
}

/** Throws unless `file` is a regular file of at most `maxBytes`; `what` names the flag or file in the message. */
export function checkRegularInput(file: string, what: string, maxBytes = MAX_INPUT_BYTES): void {
  let s: Stats;
  try {
    s = statSync(file);
  } catch (err) {
    throw new Error(`${what}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  if (!s.isFile()) throw new Error(`${what}: is ${kindOf(s)}; allowed: a regular file`);
  if (s.size > maxBytes)
    throw new Error(`${what}: has ${s.size} bytes; allowed: a file of at most ${maxBytes} bytes`);
}

/**
 * Reads a regular file of at most `maxBytes` as UTF-8. The check is repeated on the opened descriptor (opened
 * without blocking, so a FIFO swapped in after the first check cannot hang the open), and the read stops at the bound
 * whatever the size said.
 */
export function readInputFile(file: string, what: string, maxBytes = MAX_INPUT_BYTES): string {
  checkRegularInput(file, what, maxBytes);
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new Error(`${what}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    const s = fstatSync(fd);
    if (!s.isFile()) throw new Error(`${what}: is ${kindOf(s)}; allowed: a regular file`);
    const chunks: Buffer[] = [];
    let length = 0;
    for (;;) {
      const chunk = Buffer.alloc(64 * 1024);
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      length += n;
      if (length > maxBytes)
        throw new Error(
          `${what}: has more than ${maxBytes} bytes; allowed: a file of at most ${maxBytes} bytes`,
        );
    }
    return Buffer.concat(chunks, length).toString("utf8");
  } finally {
    closeSync(fd);
  }
}
