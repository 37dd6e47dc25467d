// The usage-file readers: Stripe's template as CSV, a JSON array and JSON Lines, read as streams.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RowSource, SourceRow } from '../src/cli/upload/rows.js';
import { openRows } from '../src/cli/upload/source.js';

const dir = mkdtempSync(join(tmpdir(), 'stripe-meters-readers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function all(source: RowSource): Promise<SourceRow[]> {
  const rows: SourceRow[] = [];
  for await (const batch of source) rows.push(...batch);
  return rows;
}

const fieldsOf = async (path: string, format: 'csv' | 'json' | 'jsonl') => (await all(openRows(path, format))).map((r) => [r.row, r.fields]);

describe('CSV', () => {
  it('maps the template columns (BOM, quotes, line breaks in fields, blank lines, reject_ columns ignored)', async () => {
    const path = file('a.csv', '\ufeffreject_row,identifier,timestamp,event_name,payload_stripe_customer_id,payload_value\n9,,1714557600,api_call,"cus_1",3\n\n,id-2,2024-05-01,"api\ncall",cus_2,\n');
    expect(await fieldsOf(path, 'csv')).toEqual([
      [1, { identifier: undefined, timestamp: '1714557600', event_name: 'api_call', payload: { stripe_customer_id: 'cus_1', value: '3' } }],
      [2, { identifier: 'id-2', timestamp: '2024-05-01', event_name: 'api\ncall', payload: { stripe_customer_id: 'cus_2' } }],
    ]);
  });

  it('a row with the wrong number of fields is refused, the others read', async () => {
    const rows = await fieldsOf(file('b.csv', 'timestamp,event_name,payload_value\n1,a,1\n2,b\n3,c,3\n'), 'csv');
    expect(rows).toEqual([
      [1, expect.objectContaining({ event_name: 'a' })],
      [2, { problem: 'the row has 2 fields, the header 3' }],
      [3, expect.objectContaining({ event_name: 'c' })],
    ]);
  });

  it.each([
    ['when,event_name\n', /unknown column "when"/],
    ['timestamp,payload_value\n', /no "event_name" column/],
    ['timestamp,event_name,payload_\n', /names no payload key/],
    ['timestamp,event_name,timestamp\n', /appears twice/],
    ['', /the file is empty/],
  ])('refuses the header %j', async (text, message) => {
    await expect(all(openRows(file('h.csv', text), 'csv'))).rejects.toThrow(message);
  });
});

describe('JSON and JSON Lines', () => {
  const rows = [
    { timestamp: 1714557600, event_name: 'api_call', payload_stripe_customer_id: 'cus_1', payload_value: 3 },
    { identifier: 'x', timestamp: '2024-05-01', event_name: 'api_call', payload: { stripe_customer_id: 'cus_2', value: '4' }, reject_reason: 'ignored' },
    { timestamp: 1, event_name: 'a', color: 'red' },
    { timestamp: 1, event_name: 'a', payload_value: { nested: true } },
    'not an object',
  ];
  const expected = [
    [1, { identifier: undefined, timestamp: '1714557600', event_name: 'api_call', payload: { stripe_customer_id: 'cus_1', value: '3' } }],
    [2, { identifier: 'x', timestamp: '2024-05-01', event_name: 'api_call', payload: { stripe_customer_id: 'cus_2', value: '4' } }],
    [3, { problem: 'unknown key "color": rows have identifier, timestamp, event_name and payload_<key> keys' }],
    [4, { problem: '"payload_value" must be a string or a number, got object' }],
    [5, { problem: 'the row is not a JSON object' }],
  ];

  it('reads a JSON array of row objects as a stream', async () => {
    expect(await fieldsOf(file('a.json', JSON.stringify(rows, null, 2)), 'json')).toEqual(expected);
  });

  it('reads JSON Lines; a line that is not JSON is one refused row', async () => {
    const text = `${rows.map((r) => JSON.stringify(r)).join('\n')}\n\n{"timestamp": 1,\n`;
    expect(await fieldsOf(file('a.jsonl', text), 'jsonl')).toEqual([...expected, [6, { problem: expect.stringMatching(/^not valid JSON: /) }]]);
  });

  it('stops at malformed JSON, after the rows before it', async () => {
    const source = openRows(file('bad.json', '[{"timestamp": 1, "event_name": "a"}, {"timestamp": '), 'json');
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const batch of source) seen.push(...batch.map((r) => r.row));
      })(),
    ).rejects.toThrow(/not a readable JSON array of rows/);
    expect(seen).toEqual([1]);
    await expect(all(openRows(file('obj.json', '{"rows": []}'), 'json'))).rejects.toThrow(/not a readable JSON array/);
  });
});
