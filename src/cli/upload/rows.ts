// One data row of a usage file in Stripe's "Billing Meter Event Transaction" template
// (identifier, timestamp, event_name, payload_<key>), whichever format it came in.

/** The row's fields, or why they could not be read (a row-level problem: the row is refused). */
export type RowFields = { problem?: undefined; identifier: string | undefined; timestamp: string; event_name: string; payload: Record<string, string> } | { problem: string };

export interface SourceRow {
  /** 1-based number of the data row (a CSV header is not a row), the same in every format. */
  row: number;
  fields: RowFields;
  /** The row as read: a CSV record's fields, or a JSON row's text (written to the rejects file). */
  raw: string[] | string;
}

/** What a reader yields (rows in batches, in order), and how far into the file it is (for progress). */
export interface RowSource extends AsyncIterable<SourceRow[]> {
  readonly format: 'csv' | 'json' | 'jsonl';
  /** The CSV header (the rejects file repeats it), undefined for JSON formats. */
  header(): string[] | undefined;
  bytesRead(): number;
}

/** A problem with the file itself (not one row): the upload stops. */
export class FileFormatError extends Error {
  override readonly name = 'FileFormatError';
}

/** Columns of the template that are not payload columns; `reject_` columns (a rejects file's own) are ignored. */
export const FIXED_COLUMNS = ['identifier', 'timestamp', 'event_name'] as const;
export const PAYLOAD_PREFIX = 'payload_';
export const IGNORED_PREFIX = 'reject_';
