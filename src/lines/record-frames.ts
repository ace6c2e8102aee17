/**
 * journalctl's record formats that span several lines, reframed as one JSON record a line before the line
 * scanner sees them, so that each is decoded like a `journalctl -o json` line (`src/parse/record.ts`):
 *
 * - `-o export`, the Journal Export Format (systemd `docs/JOURNAL_EXPORT_FORMATS.md`,
 *   https://systemd.io/JOURNAL_EXPORT_FORMATS/): per field `NAME=value\n`, or `NAME\n`, the value's size as a
 *   64-bit little-endian integer, the value's bytes and `\n` (binary values: control characters, invalid UTF-8);
 *   an empty line ends the entry. Recognised when the input's first line is a `__`-field (`__CURSOR=`,
 *   `__REALTIME_TIMESTAMP=`: what journalctl, systemd-journal-gatewayd and systemd-journal-upload write first).
 *   A binary value becomes an array of byte values, as `-o json` writes one.
 * - `-o json-pretty` (and `jq .` of JSON records): an object over many lines, from a line `{` to a line `}`.
 *   Recognised when the input's first line is `{` alone; JSON strings hold no raw line end, so a `}` alone
 *   on a line closes the object.
 *
 * - the CRI log format a kubelet writes under `/var/log/pods/` (`<RFC 3339 time> <stream> <tag> <line>`, the tag
 *   `F` for a whole line or its last part, `P` for a part: containerd and CRI-O split a line longer than their
 *   buffer, 16 KiB by default; kubernetes `pkg/kubelet/kuberuntime/logs/logs.go` `parseCRILog()` joins them so).
 *   Recognised when the input's first line is a CRI line; each stream's `P` parts are joined with the part that
 *   ends them, under the first part's time and stream (as one whole line: its tag `F`), the other lines untouched.
 *
 * A record is handed on the moment its last line arrives (the empty line, the `}`, the `F` part): a followed
 * journal (`journalctl -f -o export`) gives its findings at once. Line numbers then count records, as in
 * `-o json`. Anything else passes through untouched.
 */

/** Bytes of one record kept at most; a larger record is replaced by {@link OVERSIZED_RECORD}. */
export const MAX_RECORD_BYTES = 1024 * 1024;

/** What a record over {@link MAX_RECORD_BYTES} becomes: a record line with no message (counted `undecoded`). */
export const OVERSIZED_RECORD = '{"stapling-doctor":"record over 1 MiB, not read"}';

const LF = 0x0a;
/** A journal field name (systemd `journal_field_valid`: upper-case letters, digits, `_`; not a digit first). */
const FIELD_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** A line that opens a json-pretty object: `{` alone, blanks and a CR after it allowed. */
const OPENS_OBJECT = /^\{[ \t]*\r?$/;
/** A line that closes one: `}` alone. */
const CLOSES_OBJECT = /^\}[ \t]*\r?$/;

type Mode = 'undecided' | 'plain' | 'export' | 'pretty' | 'cri';

/** A CRI log line's start (kubernetes `parseCRILog()`: time, stream, tag, each ended by a blank). */
const CRI_LINE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2}) std(?:out|err) [FP] /;

/**
 * The mode an input's first two lines start: json-pretty wants `{` alone and then a member
 * (`\t"__CURSOR" : "…"` as journalctl writes it, `  "key": …` as jq does), so that a text that only
 * begins with a `{` line stays plain.
 */
function modeOf(first: string, second: string | undefined): Mode {
  if (/^__[A-Z0-9_]+=/.test(first)) return 'export';
  if (CRI_LINE.test(first)) return 'cri';
  if (OPENS_OBJECT.test(first) && second !== undefined && /^[ \t]*"[^"]*"[ \t]*:/.test(second)) return 'pretty';
  return 'plain';
}

/** The first two lines of the bytes read so far (latin1, at most 256 characters each), or null while they are not whole. */
function firstLines(p: Buffer, ended: boolean): [string, string | undefined] | null {
  const lf = p.indexOf(LF);
  if (lf === -1) return ended || p.length >= MAX_RECORD_BYTES ? [p.toString('latin1', 0, 64), undefined] : null;
  const first = p.toString('latin1', 0, Math.min(lf, 256));
  // Only a `{` line waits for the next: any other first line decides at once (a live pipe's first finding).
  if (!OPENS_OBJECT.test(first)) return [first, undefined];
  const lf2 = p.indexOf(LF, lf + 1);
  if (lf2 === -1 && !ended && p.length < MAX_RECORD_BYTES) return null;
  return [first, p.toString('latin1', lf + 1, Math.min(lf2 === -1 ? p.length : lf2, lf + 1 + 256))];
}

/** A line of an export entry, or a binary field's header: the `\n`-terminated piece at `pos`. */
type ExportStep =
  | { kind: 'wait' }
  | { kind: 'end'; next: number }
  | { kind: 'skip'; next: number }
  | { kind: 'field'; name: string; value: string | number[] | null; next: number }
  | { kind: 'text'; line: string; next: number };

/**
 * Reframes one input's bytes ({@link RecordFramer.push}) into the bytes the line scanner reads: unchanged,
 * or one JSON record a line (see the module's comment). Memory: the record being read, at most
 * {@link MAX_RECORD_BYTES}.
 */
export class RecordFramer {
  private mode: Mode = 'undecided';
  private pending: Buffer = Buffer.alloc(0);
  private fields: Record<string, string | number[] | null> = {};
  private count = 0;
  private oversized = false;
  /** Export: bytes of an oversized binary value still to drop; or the rest of an oversized line. */
  private skip = 0;
  private skipLine = false;
  /** json-pretty: the lines of the open object, or null between objects. */
  private lines: string[] | null = null;
  private size = 0;
  private out: string[] = [];
  /** CRI: the parts of each stream's open line (stdout, stderr), the first whole, and their size. */
  private parts: [Buffer[], Buffer[]] = [[], []];
  private partSize: [number, number] = [0, 0];

  /** @param emit where the reframed bytes go (a chunk per {@link push} that completes something) */
  constructor(private readonly emit: (chunk: Buffer) => void) {}

  /** The next chunk of the input (it may be reused by the caller afterwards: what is kept is copied). */
  push(chunk: Buffer): void {
    if (this.mode === 'plain') return this.emit(chunk);
    this.pending = this.pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
    if (this.mode === 'undecided' && !this.decide(false)) return;
    if ((this.mode as Mode) === 'plain') return; // decide() handed the bytes on
    if (this.mode === 'cri') return this.readCri();
    if (this.mode === 'export') this.readExport();
    else this.readPretty();
    this.flush();
  }

  /**
   * Decide the mode once the first lines are whole (or the input `ended`); a plain input's bytes so far
   * are handed on at once.
   * @returns false while undecided
   */
  private decide(ended: boolean): boolean {
    const lines = firstLines(this.pending, ended);
    if (lines === null) return false;
    this.mode = modeOf(lines[0], lines[1]);
    if (this.mode === 'plain') {
      const all = this.pending;
      this.pending = Buffer.alloc(0);
      this.emit(all);
    }
    return true;
  }

  /**
   * The input ended: a last record without its end is handed on as it is — unless the reading was stopped
   * (`cut`), when it may be cut short and is dropped (as the line scanner drops a last partial line).
   */
  end(cut = false): void {
    if (this.mode === 'undecided' && this.pending.length > 0) this.decide(true);
    if (this.mode === 'undecided' || this.mode === 'plain') {
      if (this.pending.length > 0) this.emit(this.pending);
    } else if (this.mode === 'cri') {
      if (!cut) this.endCri();
    } else if (!cut) {
      if (this.pending.length > 0) {
        this.pending = Buffer.concat([this.pending, Buffer.from('\n')]);
        if (this.mode === 'export') this.readExport();
        else this.readPretty();
      }
      if (this.mode === 'export') this.endEntry();
      else if (this.lines) this.endObject(false);
      this.flush();
    }
    this.pending = Buffer.alloc(0);
  }

  private flush(): void {
    if (this.out.length === 0) return;
    this.emit(Buffer.from(`${this.out.join('\n')}\n`, 'utf8'));
    this.out = [];
  }

  /**
   * CRI lines: a `P` part is held (the first one whole, the next ones without their time, stream and tag)
   * until its stream's next `F` line, which ends it; every other line is handed on as it is. Memory: each
   * stream's open line, at most {@link MAX_RECORD_BYTES} (parts beyond are dropped: the line's start is kept).
   */
  private readCri(): void {
    const p = this.pending;
    const pieces: Buffer[] = [];
    let pos = 0;
    let passFrom = 0;
    for (let lf = p.indexOf(LF); lf !== -1; lf = p.indexOf(LF, pos)) {
      const tag = criTag(p, pos, lf);
      if (tag !== null && (tag.partial || this.parts[tag.stream].length > 0)) {
        if (passFrom < pos) pieces.push(p.subarray(passFrom, pos));
        passFrom = lf + 1;
        const open = this.parts[tag.stream];
        const piece = Buffer.from(p.subarray(open.length === 0 ? pos : tag.text, lf > pos && p[lf - 1] === 0x0d ? lf - 1 : lf));
        if (open.length === 0) piece[tag.text - 2 - pos] = 0x46; // F: the joined line is whole
        if (this.partSize[tag.stream] + piece.length <= MAX_RECORD_BYTES) {
          open.push(piece);
          this.partSize[tag.stream] += piece.length;
        }
        if (!tag.partial) pieces.push(this.closeCri(tag.stream));
      }
      pos = lf + 1;
    }
    if (passFrom < pos) pieces.push(p.subarray(passFrom, pos));
    this.pending = p.subarray(pos);
    if (pieces.length > 0) this.emit(Buffer.concat(pieces));
  }

  /** A stream's open CRI line, its parts joined, with its line end; the stream left with none open. */
  private closeCri(stream: 0 | 1): Buffer {
    const line = Buffer.concat([...this.parts[stream], Buffer.from('\n')]);
    this.parts[stream] = [];
    this.partSize[stream] = 0;
    return line;
  }

  /** The input ended: a last line without its end is read, and a line whose `F` part never came is handed on as far as it went. */
  private endCri(): void {
    if (this.pending.length > 0) {
      this.pending = Buffer.concat([this.pending, Buffer.from('\n')]);
      this.readCri();
    }
    const open = ([0, 1] as const).filter((s) => this.parts[s].length > 0).map((s) => this.closeCri(s));
    if (open.length > 0) this.emit(Buffer.concat(open));
  }

  /** Export entries: fields gathered until the empty line that ends each entry. */
  private readExport(): void {
    let pos = 0;
    for (;;) {
      const step = this.exportStep(pos);
      if (step.kind === 'wait') break;
      pos = step.next;
      if (step.kind === 'skip') continue;
      if (step.kind === 'end') this.endEntry();
      else if (step.kind === 'text') {
        this.endEntry(); // not a field: the entry is over, and the line is read as a line
        this.out.push(step.line);
      } else {
        this.fields[step.name] = step.value;
        this.count++;
      }
    }
    this.pending = this.pending.subarray(pos);
  }

  /** The piece of the export stream at `pos` (see {@link ExportStep}). */
  private exportStep(pos: number): ExportStep {
    const p = this.pending;
    if (this.skip > 0) {
      const n = Math.min(this.skip, p.length - pos);
      this.skip -= n;
      return n === 0 ? { kind: 'wait' } : { kind: 'skip', next: pos + n };
    }
    const lf = p.indexOf(LF, pos);
    if (this.skipLine) {
      if (lf === -1) return p.length > pos ? { kind: 'skip', next: p.length } : { kind: 'wait' };
      this.skipLine = false;
      return { kind: 'skip', next: lf + 1 };
    }
    if (lf === -1) {
      // A line longer than a record may be: the entry is marked, the line dropped up to its end.
      if (p.length - pos <= MAX_RECORD_BYTES) return { kind: 'wait' };
      this.oversized = this.skipLine = true;
      return { kind: 'skip', next: p.length };
    }
    if (lf === pos) return { kind: 'end', next: lf + 1 };
    const eq = p.indexOf(0x3d /* = */, pos);
    if (eq !== -1 && eq < lf) {
      const name = p.toString('latin1', pos, eq);
      if (FIELD_NAME.test(name)) return { kind: 'field', name, value: p.toString('utf8', eq + 1, lf), next: lf + 1 };
    }
    const name = p.toString('latin1', pos, lf);
    if (!FIELD_NAME.test(name)) return { kind: 'text', line: p.toString('utf8', pos, lf), next: lf + 1 };
    if (p.length < lf + 9) return { kind: 'wait' };
    const size = p.readBigUInt64LE(lf + 1);
    if (size > BigInt(MAX_RECORD_BYTES)) {
      this.oversized = true;
      this.skip = Number(size) + 1; // the value and its \n, dropped as they come
      return { kind: 'skip', next: lf + 9 };
    }
    const start = lf + 9;
    const end = start + Number(size);
    if (p.length < end + 1) return { kind: 'wait' };
    if (p[end] !== LF) return { kind: 'text', line: p.toString('utf8', pos, lf), next: lf + 1 }; // damaged: resynchronise
    return { kind: 'field', name, value: [...p.subarray(start, end)], next: end + 1 };
  }

  /** The entry read so far, as one `-o json` line. */
  private endEntry(): void {
    if (this.count > 0 || this.oversized) this.out.push(this.oversized ? OVERSIZED_RECORD : JSON.stringify(this.fields));
    this.fields = {};
    this.count = 0;
    this.oversized = false;
  }

  /** json-pretty objects: lines gathered from `{` to `}`; lines between objects are passed on. */
  private readPretty(): void {
    let pos = 0;
    for (let lf = this.pending.indexOf(LF); lf !== -1; lf = this.pending.indexOf(LF, pos)) {
      const line = this.pending.toString('utf8', pos, lf).replace(/\r$/, '');
      pos = lf + 1;
      if (this.lines === null) {
        if (OPENS_OBJECT.test(line)) {
          this.lines = [line];
          this.size = line.length;
        } else this.out.push(line);
        continue;
      }
      this.size += line.length + 1;
      if (this.size <= MAX_RECORD_BYTES) this.lines.push(line);
      else this.oversized = true;
      if (CLOSES_OBJECT.test(line)) this.endObject(true);
    }
    this.pending = this.pending.subarray(pos);
  }

  /** The open object as one line: compact JSON, or its lines joined when it is not JSON (then `undecoded`). */
  private endObject(closed: boolean): void {
    const text = this.lines!.join('\n');
    let line: string;
    if (this.oversized) line = OVERSIZED_RECORD;
    else {
      try {
        line = JSON.stringify(JSON.parse(text));
      } catch {
        line = closed ? text.replace(/\n[ \t]*/g, ' ') : this.lines!.join(' ');
      }
    }
    this.out.push(line);
    this.lines = null;
    this.size = 0;
    this.oversized = false;
  }
}

/** The two streams of a CRI line, by the index {@link criTag} gives them. */
const STDOUT = Buffer.from('stdout ');
const STDERR = Buffer.from('stderr ');

/**
 * The stream and tag of the CRI line from `pos` to `lf` (see {@link CRI_LINE}; the time is not checked: the
 * input's first line was, and a line that is not CRI at all has no ` stdout ` or ` stderr ` after its first
 * blank), and where its text starts; null when it is not one.
 */
function criTag(p: Buffer, pos: number, lf: number): { stream: 0 | 1; partial: boolean; text: number } | null {
  const sp = p.indexOf(0x20, pos);
  if (sp === -1 || sp > pos + 36 || sp + 10 > lf) return null;
  const stream = p.compare(STDERR, 0, 7, sp + 1, sp + 8) === 0 ? 1 : p.compare(STDOUT, 0, 7, sp + 1, sp + 8) === 0 ? 0 : -1;
  const tag = p[sp + 8];
  if (stream === -1 || (tag !== 0x46 /* F */ && tag !== 0x50) /* P */ || p[sp + 9] !== 0x20) return null;
  return { stream, partial: tag === 0x50, text: sp + 10 };
}

/**
 * {@link RecordFramer} over a text in memory (the `analyze` API), so that it reads what the stream path reads.
 * The text's characters are taken as UTF-8: a binary export field survives only when its size and bytes did.
 * @returns the lines unchanged when the first one starts no multi-line record format
 */
export function frameLines(lines: readonly string[]): readonly string[] {
  if (lines.length === 0 || modeOf(lines[0]!, lines[1]) === 'plain') return lines;
  const parts: Buffer[] = [];
  const framer = new RecordFramer((b) => parts.push(b));
  framer.push(Buffer.from(`${lines.join('\n')}\n`, 'utf8'));
  framer.end();
  const text = Buffer.concat(parts).toString('utf8');
  const out = text.split('\n');
  if (out[out.length - 1] === '') out.pop();
  return out;
}
