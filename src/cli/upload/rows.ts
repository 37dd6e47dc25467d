// One data row of a usage file in Stripe's "Billing Meter Event Transaction" template
// (identifier, timestamp, event_name, payload_<key>), whichever format it came in.

/** The row's fields, or why they could not be read (a row-level problem: the row is refused). */
export type RowFields = { problem?: undefined; identifier: string | undefined; timestamp: string; event_name: string; payload: Record<string, string> } | { problem: string };

export interface SourceRow {
  /** 1-based number of the data row (a CSV header is not a row), the same in every format. */
  row: number;
  /** The file line the row starts on (CSV, JSON Lines; a JSON array's items have none). */
  line?: number | undefined;
  /** Where the row ends in the file (for progress). @unit bytes */
  end: number;
  fields: RowFields;
  /** The row as read: a CSV record's fields, or a JSON row's text (written to the rejects file); bytes when they are not UTF-8. */
  raw: string[] | string | Uint8Array[] | Uint8Array;
}

/** What a reader yields: rows in batches, in order. */
export interface RowSource extends AsyncIterable<SourceRow[]> {
  readonly format: 'csv' | 'json' | 'jsonl';
  /** The CSV header (the rejects file repeats it), undefined for JSON formats. */
  header(): string[] | undefined;
}

/** How a reader reads a file: whether it holds bytes that are not UTF-8 (then rows are checked one by one). */
export interface ReadOptions {
  utf8: boolean;
}

/** A problem with the file itself (not one row): the upload stops. */
export class FileFormatError extends Error {
  override readonly name = 'FileFormatError';
}

/** Columns of the template that are not payload columns; `reject_` columns (a rejects file's own) are ignored. */
export const FIXED_COLUMNS = ['identifier', 'timestamp', 'event_name'] as const;
export const PAYLOAD_PREFIX = 'payload_';
export const IGNORED_PREFIX = 'reject_';
