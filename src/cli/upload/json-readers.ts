// Reads JSON usage files as streams: a JSON array of row objects (stream-json, so the array is
// never held whole) or JSON Lines (one row object per line, LF or CRLF). A JSON Lines row whose
// bytes are not UTF-8 is refused; a JSON array holding such bytes is refused whole (upload-command
// checks that before anything is sent), as its items cannot be told apart byte by byte.
import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';
import streamArray from 'stream-json/streamers/stream-array.js';
import { BATCH_ROWS } from './csv-reader.js';
import { FIXED_COLUMNS, FileFormatError, IGNORED_PREFIX, PAYLOAD_PREFIX, type ReadOptions, type RowFields, type RowSource, type SourceRow } from './rows.js';
import { decodeUtf8 } from './utf8.js';

function text(value: unknown, key: string): string | { problem: string } | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return { problem: `"${key}" must be a string or a number, got ${Array.isArray(value) ? 'an array' : typeof value}` };
}

/**
 * A JSON row: the template's keys (`payload_<key>`), or a `payload` object as in Stripe's meter
 * event schema; `reject_` keys (a rejects file's own) are ignored.
 */
export function jsonFields(value: unknown): RowFields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { problem: 'the row is not a JSON object' };
  const fields: Record<string, string | undefined> = {};
  const payload: Record<string, string> = {};
  const put = (key: string, raw: unknown, into: Record<string, string | undefined>, name: string): string | undefined => {
    const t = text(raw, key);
    if (typeof t === 'object') return t.problem;
    if (t !== undefined && t !== '') into[name] = t;
    return undefined;
  };
  for (const [key, raw] of Object.entries(value)) {
    let problem: string | undefined;
    if ((FIXED_COLUMNS as readonly string[]).includes(key)) problem = put(key, raw, fields, key);
    else if (key === 'payload' && typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
      for (const [k, v] of Object.entries(raw)) problem ??= put(`payload.${k}`, v, payload, k);
    } else if (key.startsWith(PAYLOAD_PREFIX) && key.length > PAYLOAD_PREFIX.length) problem = put(key, raw, payload, key.slice(PAYLOAD_PREFIX.length));
    else if (!key.startsWith(IGNORED_PREFIX)) problem = `unknown key "${key}": rows have identifier, timestamp, event_name and payload_<key> keys`;
    if (problem !== undefined) return { problem };
  }
  return { identifier: fields.identifier, timestamp: fields.timestamp ?? '', event_name: fields.event_name ?? '', payload };
}

function fileStream(path: string) {
  return createReadStream(path, { highWaterMark: 64 * 1024 });
}

export function jsonArrayRows(path: string): RowSource {
  const file = fileStream(path);
  // The bytes handed to the parser so far: where the items it yields end, give or take a chunk.
  let fed = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      fed += chunk.length;
      done(null, chunk);
    },
  });
  return {
    format: 'json',
    header: () => undefined,
    async *[Symbol.asyncIterator](): AsyncIterator<SourceRow[]> {
      const items = file.pipe(counter).pipe(streamArray.withParserAsStream());
      file.on('error', (error) => items.destroy(error));
      let row = 0;
      let batch: SourceRow[] = [];
      try {
        for await (const item of items as AsyncIterable<{ value: unknown }>) {
          batch.push({ row: ++row, end: fed, fields: jsonFields(item.value), raw: JSON.stringify(item.value) });
          if (batch.length >= BATCH_ROWS) {
            yield batch;
            batch = [];
          }
        }
        if (batch.length > 0) yield batch;
      } catch (error) {
        if (batch.length > 0) yield batch; // the rows before the malformed part
        throw error instanceof FileFormatError ? error : new FileFormatError(`not a readable JSON array of rows: ${(error as Error).message}`);
      } finally {
        file.destroy();
      }
    },
  };
}

/** The lines of a file as bytes, with the offset each one ends at (its line break included). */
async function* byteLines(path: string): AsyncGenerator<{ bytes: Buffer; end: number }> {
  let carry: Buffer | undefined;
  let offset = 0;
  for await (const chunk of fileStream(path) as AsyncIterable<Buffer>) {
    const data: Buffer = carry === undefined ? chunk : Buffer.concat([carry, chunk]);
    let start = 0;
    for (let nl = data.indexOf(0x0a); nl >= 0; nl = data.indexOf(0x0a, start)) {
      const stop = nl > start && data[nl - 1] === 0x0d ? nl - 1 : nl;
      offset += nl + 1 - start;
      yield { bytes: data.subarray(start, stop), end: offset };
      start = nl + 1;
    }
    carry = start < data.length ? data.subarray(start) : undefined;
  }
  if (carry !== undefined) {
    const stop = carry[carry.length - 1] === 0x0d ? carry.length - 1 : carry.length;
    yield { bytes: carry.subarray(0, stop), end: offset + carry.length };
  }
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export function jsonLinesRows(path: string, options: ReadOptions = { utf8: true }): RowSource {
  return {
    format: 'jsonl',
    header: () => undefined,
    async *[Symbol.asyncIterator](): AsyncIterator<SourceRow[]> {
      let row = 0;
      let line = 0;
      let batch: SourceRow[] = [];
      try {
        for await (const { bytes, end } of byteLines(path)) {
          line++;
          const content = line === 1 && bytes.subarray(0, 3).equals(BOM) ? bytes.subarray(3) : bytes;
          const text = options.utf8 ? content.toString('utf8') : decodeUtf8(content, `line ${line}`);
          if (typeof text === 'string' && text.trim() === '') continue;
          let fields: RowFields;
          if (typeof text !== 'string') fields = text;
          else {
            try {
              fields = jsonFields(JSON.parse(text));
            } catch (error) {
              fields = { problem: `not valid JSON: ${(error as Error).message}` };
            }
          }
          batch.push({ row: ++row, line, end, fields, raw: typeof text === 'string' ? text : Buffer.from(content) });
          if (batch.length >= BATCH_ROWS) {
            yield batch;
            batch = [];
          }
        }
        if (batch.length > 0) yield batch;
      } catch (error) {
        if (batch.length > 0) yield batch;
        throw new FileFormatError(`not a readable file: ${(error as Error).message}`);
      }
    },
  };
}
