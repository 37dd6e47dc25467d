// Reads a CSV usage file as a stream (csv-parse): memory stays flat whatever the file's size.
// Lines may end in LF, CRLF or CR, mixed. A file that is not all UTF-8 is parsed as bytes, and a
// row holding bytes that are not UTF-8 is refused naming the column; the others go as usual.
import { createReadStream } from 'node:fs';
import { parse, type Info } from 'csv-parse';
import { FIXED_COLUMNS, FileFormatError, IGNORED_PREFIX, PAYLOAD_PREFIX, type ReadOptions, type RowFields, type RowSource, type SourceRow } from './rows.js';
import { decodeUtf8 } from './utf8.js';

interface Columns {
  names: string[];
  identifier: number;
  timestamp: number;
  eventName: number;
  payload: Array<[key: string, index: number]>;
}

/** Maps the header to the template's columns; a column the template does not have is an error. */
export function templateColumns(header: string[]): Columns {
  const seen = new Set<string>();
  const payload: Array<[string, number]> = [];
  header.forEach((raw, i) => {
    const name = raw.trim();
    if (seen.has(name)) throw new FileFormatError(`column "${name}" appears twice in the header`);
    seen.add(name);
    if (name.startsWith(PAYLOAD_PREFIX)) {
      if (name.length === PAYLOAD_PREFIX.length) throw new FileFormatError(`column "${name}" names no payload key`);
      payload.push([name.slice(PAYLOAD_PREFIX.length), i]);
    } else if (!(FIXED_COLUMNS as readonly string[]).includes(name) && !name.startsWith(IGNORED_PREFIX)) {
      throw new FileFormatError(`unknown column "${name}": Stripe's template has identifier, timestamp, event_name and payload_<key> columns`);
    }
  });
  const names = header.map((h) => h.trim());
  for (const required of ['timestamp', 'event_name']) {
    if (!seen.has(required)) throw new FileFormatError(`the header has no "${required}" column (it reads: ${names.join(',')})`);
  }
  return { names, identifier: names.indexOf('identifier'), timestamp: names.indexOf('timestamp'), eventName: names.indexOf('event_name'), payload };
}

function fieldsOf(record: string[], c: Columns): RowFields {
  if (record.length !== c.names.length) return { problem: `the row has ${record.length} fields, the header ${c.names.length}` };
  const payload: Record<string, string> = {};
  for (const [key, index] of c.payload) {
    const value = record[index] ?? '';
    if (value !== '') payload[key] = value;
  }
  const identifier = c.identifier < 0 ? '' : (record[c.identifier] ?? '');
  return { identifier: identifier === '' ? undefined : identifier, timestamp: record[c.timestamp] ?? '', event_name: record[c.eventName] ?? '', payload };
}

/** Rows per batch the readers yield: one await per batch rather than per row. */
export const BATCH_ROWS = 1024;

/** A record's fields as text, or why they are not (bytes that are not UTF-8, in a named column). */
function textOf(record: Array<string | Buffer>, names: string[] | undefined): { text: string[] } | { problem: string } {
  const text: string[] = [];
  for (let i = 0; i < record.length; i++) {
    const field = record[i] as string | Buffer;
    if (typeof field === 'string') text.push(field);
    else {
      const decoded = decodeUtf8(field, `column ${names?.[i] === undefined ? i + 1 : names[i]}`);
      if (typeof decoded !== 'string') return decoded;
      text.push(decoded);
    }
  }
  return { text };
}

interface Parsed {
  record: Array<string | Buffer>;
  info: Info;
}

export function csvRows(path: string, options: ReadOptions = { utf8: true }): RowSource {
  const file = createReadStream(path, { highWaterMark: 64 * 1024 });
  let columns: Columns | undefined;
  return {
    format: 'csv',
    header: () => columns?.names,
    async *[Symbol.asyncIterator](): AsyncIterator<SourceRow[]> {
      const parser = file.pipe(
        parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true, record_delimiter: ['\r\n', '\n', '\r'], encoding: options.utf8 ? 'utf8' : null }),
      );
      // Always listened to, so that an error while a batch is being handled is kept, not thrown.
      let failure: Error | undefined;
      parser.on('error', (error) => (failure ??= error));
      file.on('error', (error) => parser.destroy(error));
      let row = 0;
      let lines = 0;
      let emptyLines = 0;
      let ended = false;
      parser.once('end', () => (ended = true));
      try {
        for (;;) {
          // Take every record parsed so far without waiting; wait only when there is none.
          let batch: SourceRow[] = [];
          let parsed: Parsed | null;
          while (failure === undefined && (parsed = parser.read() as Parsed | null) !== null) {
            const { record, info } = parsed;
            // The record starts on the line after the previous one ended, past any empty lines.
            const line = lines + 1 + (info.empty_lines - emptyLines);
            lines = info.lines;
            emptyLines = info.empty_lines;
            const text = textOf(record, columns?.names);
            if (columns === undefined) {
              if ('problem' in text) throw new FileFormatError(`the header: ${text.problem}`);
              columns = templateColumns(text.text);
            } else {
              const fields = 'problem' in text ? text : fieldsOf(text.text, columns);
              batch.push({ row: ++row, line, end: info.bytes, fields, raw: 'problem' in text ? (record as Buffer[]) : text.text });
            }
            if (batch.length >= BATCH_ROWS) {
              yield batch;
              batch = [];
            }
          }
          if (batch.length > 0) yield batch;
          if (failure !== undefined) throw failure;
          if (ended) break;
          await new Promise<void>((resolve) => {
            const wake = () => {
              parser.off('readable', wake);
              parser.off('end', wake);
              parser.off('error', wake);
              resolve();
            };
            parser.on('readable', wake);
            parser.on('end', wake);
            parser.on('error', wake);
          });
        }
      } catch (error) {
        throw error instanceof FileFormatError ? error : new FileFormatError(`not a readable CSV file: ${(error as Error).message}`);
      } finally {
        file.destroy();
      }
      if (columns === undefined) throw new FileFormatError('the file is empty (it has no header)');
    },
  };
}
