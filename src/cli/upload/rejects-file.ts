// The rejects file: every refused row, once, in row order, with the reason. For a CSV input it is
// the input's own columns after `reject_row`, `reject_line` and `reject_reason` (so, once fixed,
// it can be uploaded as it is: the reader ignores `reject_` columns); for JSON inputs the row's
// JSON text. A row's bytes that are not UTF-8 are written as they were, for the user to fix.
import { closeSync, existsSync, ftruncateSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { CliError } from '../errors.js';
import type { Pending } from './ledger.js';
import { IGNORED_PREFIX } from './rows.js';

const QUOTE = 0x22;

/** A CSV field: quoted when it holds a quote, a comma or a line break, or starts or ends with a space. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) || value.trim() !== value ? `"${value.replaceAll('"', '""')}"` : value;
}

function csvFieldBytes(value: Uint8Array): Buffer {
  const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const needs = bytes.some((b) => b === QUOTE || b === 0x2c || b === 0x0a || b === 0x0d) || bytes[0] === 0x20 || bytes[bytes.length - 1] === 0x20;
  if (!needs) return bytes;
  const out: number[] = [QUOTE];
  for (const b of bytes) {
    out.push(b);
    if (b === QUOTE) out.push(QUOTE);
  }
  out.push(QUOTE);
  return Buffer.from(out);
}

function csvLine(fields: Array<string | Uint8Array>): Buffer {
  const parts: Buffer[] = [];
  fields.forEach((field, i) => {
    if (i > 0) parts.push(Buffer.from(','));
    parts.push(typeof field === 'string' ? Buffer.from(csvField(field)) : csvFieldBytes(field));
  });
  parts.push(Buffer.from('\n'));
  return Buffer.concat(parts);
}

export class RejectsFile {
  readonly path: string;
  #fd: number | undefined;
  #bytes: number;
  #keep: number[] | undefined;

  /** `resumeAt`: the length recorded by the last checkpoint (a resumed run), or undefined to start afresh. */
  constructor(path: string, resumeAt: number | undefined) {
    this.path = path;
    if (resumeAt === undefined || resumeAt === 0) {
      rmSync(path, { force: true });
      this.#bytes = 0;
      return;
    }
    const size = existsSync(path) ? statSync(path).size : -1;
    if (size < resumeAt) throw new CliError(`the rejects file ${path} is shorter than the state file says (${size < 0 ? 'missing' : `${size} bytes`}, expected ${resumeAt}); pass --restart to start over`);
    this.#fd = openSync(path, 'r+');
    // Refusals written after the last checkpoint belong to rows the resumed run handles again.
    ftruncateSync(this.#fd, resumeAt);
    this.#bytes = resumeAt;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Appends refused rows; `header` is the CSV input's header, undefined for JSON inputs. */
  write(rows: Pending[], header: string[] | undefined): void {
    if (rows.length === 0) return;
    if (this.#fd === undefined) {
      this.#fd = openSync(this.path, 'w');
      this.#keep = header?.flatMap((name, i) => (name.startsWith(IGNORED_PREFIX) ? [] : [i]));
      this.#append(csvLine(['reject_row', 'reject_line', 'reject_reason', ...(header === undefined ? ['row'] : (this.#keep ?? []).map((i) => header[i] ?? ''))]));
    }
    const lines: Buffer[] = [];
    for (const p of rows) {
      const fields = Array.isArray(p.raw) ? this.#keptFields(p.raw, header) : [p.raw];
      lines.push(csvLine([String(p.row), p.line === undefined ? '' : String(p.line), p.reason ?? '', ...fields]));
    }
    this.#append(Buffer.concat(lines));
  }

  #keptFields(raw: Array<string | Uint8Array>, header: string[] | undefined): Array<string | Uint8Array> {
    // A row whose field count does not match the header is written as it was read.
    if (this.#keep === undefined || header === undefined || raw.length !== header.length) return raw;
    return this.#keep.map((i) => raw[i] ?? '');
  }

  #append(buffer: Buffer): void {
    writeSync(this.#fd ?? -1, buffer, 0, buffer.length, this.#bytes);
    this.#bytes += buffer.length;
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}
