/**
 * Opening files without hanging and reading small ones without trusting their size. Every file the
 * tool reads — logs, rule files, `--ca-file`, certificates and configuration files for `--inspect` —
 * goes through here:
 *
 * - A FIFO (named pipe), character or block device or socket is refused with a one-line reason: opening
 *   a FIFO waits for a writer forever, `/dev/tty` waits for a keyboard, `/dev/zero` never ends. Files
 *   are opened with `O_NONBLOCK`, so even a FIFO put in place between the check and the open (or named
 *   through a symbolic link) returns at once and is refused by the `fstat` of the open descriptor. On a
 *   regular file `O_NONBLOCK` changes nothing; a `/proc` file that would block (`/proc/kmsg`) fails with
 *   EAGAIN instead of waiting.
 * - A small file is read in a loop up to a byte limit, whatever `fstat` says: `/proc` and `/sys` files
 *   report size 0 and hold more; a file over the limit is refused, never read whole.
 */
import fs from 'node:fs';

/** What a file that is not a regular file is, in words; null for a regular file or a directory. */
export function specialFileKind(st: fs.Stats): string | null {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return null;
}

/** A FIFO, device or socket given where a file is read. `code` is `ENOTREG`. */
export class SpecialFileError extends Error {
  readonly code = 'ENOTREG';
  constructor(
    readonly path: string,
    readonly kind: string,
  ) {
    super(`is ${kind}, not a file: not read, as reading it could wait forever or never end`);
    this.name = 'SpecialFileError';
  }
}

/** A file larger than the limit of what is read of it. `code` is `EFBIG`. */
export class FileTooLargeError extends Error {
  readonly code = 'EFBIG';
  constructor(
    readonly path: string,
    readonly limit: number,
  ) {
    super(`is larger than ${limit} bytes: not read`);
    this.name = 'FileTooLargeError';
  }
}

const OPEN_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK;

function isDirectoryError(path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${path}'`), { code: 'EISDIR', path });
}

/**
 * Open a regular file for reading, never waiting.
 * @throws the open error (ENOENT, EACCES …), EISDIR for a directory, {@link SpecialFileError} for a
 *   FIFO, device or socket (the descriptor is closed again)
 */
export async function openRegularFile(path: string): Promise<fs.promises.FileHandle> {
  const fh = await fs.promises.open(path, OPEN_FLAGS);
  try {
    const st = await fh.stat();
    const kind = specialFileKind(st);
    if (kind) throw new SpecialFileError(path, kind);
    if (st.isDirectory()) throw isDirectoryError(path);
    return fh;
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/**
 * Read a small regular file whole, at most `maxBytes` of it, in a loop that does not trust the size
 * `fstat` gives (0 for `/proc` files).
 * @param maxBytes the largest file accepted, bytes
 * @returns the file's bytes
 * @throws the open or read error, EISDIR, {@link SpecialFileError}, or {@link FileTooLargeError} when
 *   the file holds more than `maxBytes` bytes
 */
export function readSmallFileSync(path: string, maxBytes: number): Buffer {
  const fd = fs.openSync(path, OPEN_FLAGS);
  try {
    const st = fs.fstatSync(fd);
    const kind = specialFileKind(st);
    if (kind) throw new SpecialFileError(path, kind);
    if (st.isDirectory()) throw isDirectoryError(path);
    // Fixed 64 KiB reads (a multiple of 8, as /proc/self/pagemap requires), whatever the size says.
    const piece = Buffer.allocUnsafe(64 * 1024);
    const parts: Buffer[] = [];
    let total = 0;
    for (;;) {
      const n = fs.readSync(fd, piece, 0, piece.length, null);
      if (n === 0) break;
      total += n;
      if (total > maxBytes) throw new FileTooLargeError(path, maxBytes);
      parts.push(Buffer.from(piece.subarray(0, n)));
    }
    return Buffer.concat(parts, total);
  } finally {
    fs.closeSync(fd);
  }
}

/** Identity of a file for "read each file once": device and inode, as `dev:ino`. */
export function fileIdentity(st: fs.Stats): string {
  return `${st.dev}:${st.ino}`;
}
