// Reads JSON usage files as streams: a JSON array of row objects (stream-json, so the array is
// never held whole) or JSON Lines (one row object per line).
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import streamArray from 'stream-json/streamers/stream-array.js';
import { BATCH_ROWS } from './csv-reader.js';
import { FIXED_COLUMNS, FileFormatError, IGNORED_PREFIX, PAYLOAD_PREFIX, type RowFields, type RowSource, type SourceRow } from './rows.js';

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
  return {
    format: 'json',
    header: () => undefined,
    bytesRead: () => file.bytesRead,
    async *[Symbol.asyncIterator](): AsyncIterator<SourceRow[]> {
      const items = file.pipe(streamArray.withParserAsStream());
      file.on('error', (error) => items.destroy(error));
      let row = 0;
      let batch: SourceRow[] = [];
      try {
        for await (const item of items as AsyncIterable<{ value: unknown }>) {
          batch.push({ row: ++row, fields: jsonFields(item.value), raw: JSON.stringify(item.value) });
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

export function jsonLinesRows(path: string): RowSource {
  const file = fileStream(path);
  return {
    format: 'jsonl',
    header: () => undefined,
    bytesRead: () => file.bytesRead,
    async *[Symbol.asyncIterator](): AsyncIterator<SourceRow[]> {
      const lines = createInterface({ input: file, crlfDelay: Infinity });
      let row = 0;
      let batch: SourceRow[] = [];
      try {
        for await (const line of lines) {
          if (line.trim() === '') continue;
          let fields: RowFields;
          try {
            fields = jsonFields(JSON.parse(line));
          } catch (error) {
            fields = { problem: `not valid JSON: ${(error as Error).message}` };
          }
          batch.push({ row: ++row, fields, raw: line });
          if (batch.length >= BATCH_ROWS) {
            yield batch;
            batch = [];
          }
        }
        if (batch.length > 0) yield batch;
      } catch (error) {
        if (batch.length > 0) yield batch;
        throw new FileFormatError(`not a readable file: ${(error as Error).message}`);
      } finally {
        lines.close();
        file.destroy();
      }
    },
  };
}
