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

export function csvRows(path: string): RowSource {
  const file = createReadStream(path, { highWaterMark: 64 * 1024 });
  let columns: Columns | undefined;
  return {
    format: 'csv',
    header: () => columns?.names,
    bytesRead: () => file.bytesRead,
    async *[Symbol.asyncIterator](): AsyncIterator<SourceRow> {
      const parser = file.pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true }));
      file.on('error', (error) => parser.destroy(error));
      let row = 0;
      try {
        for await (const record of parser as AsyncIterable<string[]>) {
          if (columns === undefined) {
            columns = templateColumns(record);
            continue;
          }
          yield { row: ++row, fields: fieldsOf(record, columns), raw: record };
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
