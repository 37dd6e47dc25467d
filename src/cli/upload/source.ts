// Which reader a file gets: --format, or the file's extension.
import { extname } from 'node:path';
import { CliError } from '../errors.js';
import { csvRows } from './csv-reader.js';
import { jsonArrayRows, jsonLinesRows } from './json-readers.js';
import type { ReadOptions, RowSource } from './rows.js';

export type Format = 'csv' | 'json' | 'jsonl';
export const FORMATS: readonly Format[] = ['csv', 'json', 'jsonl'];

export function formatOf(path: string, given: Format | undefined): Format {
  if (given !== undefined) return given;
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.json') return 'json';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  throw new CliError(`cannot tell the format of ${path} from its name: pass --format csv, json or jsonl`);
}

export function openRows(path: string, format: Format, options: ReadOptions = { utf8: true }): RowSource {
  return format === 'csv' ? csvRows(path, options) : format === 'json' ? jsonArrayRows(path) : jsonLinesRows(path, options);
}
