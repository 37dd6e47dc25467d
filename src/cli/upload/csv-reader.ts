// Reads a CSV usage file as a stream (csv-parse): memory stays flat whatever the file's size.
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { FIXED_COLUMNS, FileFormatError, IGNORED_PREFIX, PAYLOAD_PREFIX, type RowFields, type RowSource, type SourceRow } from './rows.js';

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

export function csvRows(path: string): RowSource {
  const file = createReadStream(path, { highWaterMark: 64 * 1024 });
  let columns: Columns | undefined;
  return {
    format: 'csv',
    header: () => columns?.names,
    bytesRead: () => file.bytesRead,
    async *[Symbol.asyncIterator](): AsyncIterator<SourceRow[]> {
      const parser = file.pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true }));
      // Always listened to, so that an error while a batch is being handled is kept, not thrown.
      let failure: Error | undefined;
      parser.on('error', (error) => (failure ??= error));
      file.on('error', (error) => parser.destroy(error));
      let row = 0;
      let ended = false;
      parser.once('end', () => (ended = true));
      try {
        for (;;) {
          // Take every record parsed so far without waiting; wait only when there is none.
          let batch: SourceRow[] = [];
          let record: string[] | null;
          while (failure === undefined && (record = parser.read() as string[] | null) !== null) {
            if (columns === undefined) columns = templateColumns(record);
            else batch.push({ row: ++row, fields: fieldsOf(record, columns), raw: record });
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
