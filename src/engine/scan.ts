/**
 * The fast path: finds candidate lines in raw bytes and hands only those to the analyzer.
 *
 * Per chunk it (1) searches the rule anchors with `Buffer.indexOf` (native, skips at memory speed
 * when the anchor's first byte is rare), (2) walks the line ends with `Buffer.indexOf` to count lines
 * without decoding, and (3) decodes (UTF-8, invalid bytes become U+FFFD) only the lines that contain
 * an anchor. The analyzer then checks whole triggers, parses and matches: the same code path as
 * {@link analyze}, so both find the same findings on the same lines.
 *
 * Lines end at LF, CRLF or a lone CR (a CR at a chunk end followed by LF in the next chunk is one CRLF).
 * A line longer than `maxLineLength` bytes is never held in memory: it is counted as skipped with its
 * number, and the lines after it keep exact numbers. Memory is bounded by the chunk size plus
 * `maxLineLength`.
 */
import type { InputHandle } from './analyzer.js';

const LF = 0x0a;
const CR = 0x0d;

/** Default longest line examined, in bytes (Apache caps an entry at 8 KiB, nginx at 2 KiB; wrappers add little). */
export const DEFAULT_MAX_LINE_LENGTH = 64 * 1024;

/** Splits a byte stream into lines and feeds candidate lines to an input handle. */
export class LineScanner {
  private readonly anchors: Buffer[];
  private readonly maxLine: number;
  private carry: Buffer[] = [];
  private carryLen = 0;
  private overflow = false;
  private pendingCR = false;
  private lineNo = 0;
  private readonly hits: number[] = [];

  /**
   * @param anchors ASCII anchors from the matcher (every trigger contains one)
   * @param sink where candidate lines, skipped lines and the line count go
   * @param maxLineLength longest line examined, bytes
   */
  constructor(
    anchors: readonly string[],
    private readonly sink: Pick<InputHandle, 'line' | 'skip' | 'setLineCount'>,
    maxLineLength: number = DEFAULT_MAX_LINE_LENGTH,
  ) {
    this.anchors = anchors.map((a) => Buffer.from(a, 'latin1'));
    this.maxLine = maxLineLength;
  }

  /** Lines completed so far. */
  get lines(): number {
    return this.lineNo;
  }

  private isCandidate(buf: Buffer, start: number, end: number): boolean {
    for (const a of this.anchors) {
      const i = buf.indexOf(a, start);
      if (i !== -1 && i + a.length <= end) return true;
    }
    return false;
  }

  /** Finish a line held (partly) in the carry, whose last part is chunk[start, end). */
  private finishCarried(chunk: Buffer, start: number, end: number): void {
    this.lineNo++;
    const len = this.carryLen + (end - start);
    if (this.overflow || len > this.maxLine) {
      this.sink.skip(this.lineNo);
    } else {
      const line = Buffer.concat([...this.carry, chunk.subarray(start, end)], len);
      if (this.isCandidate(line, 0, line.length)) this.sink.line(line.toString('utf8'), this.lineNo);
    }
    this.carry = [];
    this.carryLen = 0;
    this.overflow = false;
  }

  private hold(chunk: Buffer, start: number): void {
    if (start >= chunk.length) return;
    if (this.overflow) return;
    const add = chunk.length - start;
    if (this.carryLen + add > this.maxLine) {
      this.overflow = true; // too long: drop what we hold, wait for the line end
      this.carry = [];
      this.carryLen = 0;
      return;
    }
    this.carry.push(Buffer.from(chunk.subarray(start))); // copy: the caller may reuse its buffer
    this.carryLen += add;
  }

  /** Feed the next chunk of bytes. */
  push(chunk: Buffer): void {
    let pos = 0;
    const len = chunk.length;
    if (len === 0) return;
    if (this.pendingCR) {
      this.pendingCR = false;
      if (chunk[0] === LF) pos = 1; // the LF of a CRLF split across chunks
    }
    const hasCR = chunk.indexOf(CR, pos) !== -1;
    let nextLF = chunk.indexOf(LF, pos);
    let nextCR = hasCR ? chunk.indexOf(CR, pos) : -1;

    // Line end at or after `from`: [end, next) where next is the start of the following line.
    let end = -1;
    let next = -1;
    const advance = (): boolean => {
      if (nextLF === -1 && nextCR === -1) return false;
      if (nextCR !== -1 && (nextLF === -1 || nextCR < nextLF)) {
        end = nextCR;
        if (nextCR + 1 < len) {
          next = chunk[nextCR + 1] === LF ? nextCR + 2 : nextCR + 1;
        } else {
          next = len;
          this.pendingCR = true;
        }
        nextCR = chunk.indexOf(CR, nextCR + 1);
        if (nextLF !== -1 && nextLF < next) nextLF = chunk.indexOf(LF, next);
      } else {
        end = nextLF;
        next = nextLF + 1;
        nextLF = chunk.indexOf(LF, next);
      }
      return true;
    };

    if (this.carryLen > 0 || this.overflow) {
      if (!advance()) {
        this.hold(chunk, pos);
        return;
      }
      this.finishCarried(chunk, pos, end);
      pos = next;
    }

    // Anchor hits in the rest of the chunk, ascending.
    const hits = this.hits;
    hits.length = 0;
    for (const a of this.anchors) {
      let i = chunk.indexOf(a, pos);
      while (i !== -1) {
        hits.push(i);
        i = chunk.indexOf(a, i + 1);
      }
    }
    if (this.anchors.length > 1 && hits.length > 1) hits.sort((x, y) => x - y);
    let h = 0;

    while (advance()) {
      this.lineNo++;
      if (end - pos > this.maxLine) {
        this.sink.skip(this.lineNo);
      } else if (h < hits.length && hits[h]! < end) {
        this.sink.line(chunk.toString('utf8', pos, end), this.lineNo);
      }
      while (h < hits.length && hits[h]! < next) h++;
      pos = next;
    }
    this.hold(chunk, pos);
    this.sink.setLineCount(this.lineNo);
  }

  /** The input ended: finish a last line without a line end. */
  end(): void {
    if (this.carryLen > 0 || this.overflow) this.finishCarried(Buffer.alloc(0), 0, 0);
    this.pendingCR = false;
    this.sink.setLineCount(this.lineNo);
  }
}
