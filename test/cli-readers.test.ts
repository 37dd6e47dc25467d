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

describe('line breaks, places and bytes', () => {
  it('CSV lines may end in LF, CRLF or CR, mixed in one file; each row knows its first line and where it ends', async () => {
    const text = 'timestamp,event_name,payload_value\r\n1,a,1\n2,b,2\r\n3,"c\nc",3\r4,d,4\n';
    const rows = await all(openRows(file('mixed.csv', text), 'csv'));
    expect(rows.map((r) => [r.row, r.line, (r.fields as { payload: Record<string, string> }).payload['value']])).toEqual([
      [1, 2, '1'],
      [2, 3, '2'],
      [3, 4, '3'],
      [4, 6, '4'],
    ]);
    expect((rows[2]?.fields as { event_name: string }).event_name).toBe('c\nc');
    expect(rows.map((r) => r.end)).toEqual([42, 49, 59, 65]);
    expect(rows.at(-1)?.end).toBe(Buffer.byteLength(text));
  });

  it('JSON Lines may end in LF or CRLF; rows know their line and where they end', async () => {
    const text = '{"timestamp":1,"event_name":"a"}\r\n\n{"timestamp":2,"event_name":"b"}\n{"timestamp":3,"event_name":"c"}';
    const rows = await all(openRows(file('mixed.jsonl', text), 'jsonl'));
    expect(rows.map((r) => [r.row, r.line, (r.fields as { event_name: string }).event_name])).toEqual([
      [1, 1, 'a'],
      [2, 3, 'b'],
      [3, 4, 'c'],
    ]);
    expect(rows.at(-1)?.end).toBe(Buffer.byteLength(text));
  });

  it('bytes that are not UTF-8 refuse their row (naming the column), never become U+FFFD; the other rows are read', async () => {
    const csv = Buffer.concat([Buffer.from('identifier,timestamp,event_name,payload_value\nid-é,1,a,1\nid-'), Buffer.from([0xe9]), Buffer.from(',2,a,2\nid-3,3,a,3\n')]);
    writeFileSync(join(dir, 'latin1.csv'), csv);
    const rows = await all(openRows(join(dir, 'latin1.csv'), 'csv', { utf8: false }));
    expect(rows.map((r) => r.fields)).toEqual([
      { identifier: 'id-é', timestamp: '1', event_name: 'a', payload: { value: '1' } },
      { problem: 'column identifier is not valid UTF-8 (byte 0xE9 at byte 4 of it); save the file as UTF-8' },
      { identifier: 'id-3', timestamp: '3', event_name: 'a', payload: { value: '3' } },
    ]);
    expect(Buffer.isBuffer((rows[1]?.raw as Buffer[])[0])).toBe(true);
    writeFileSync(join(dir, 'latin1.jsonl'), Buffer.concat([Buffer.from('{"timestamp":1,"event_name":"a"}\n{"timestamp":2,"event_name":"'), Buffer.from([0xff]), Buffer.from('"}\n')]));
    const lines = await all(openRows(join(dir, 'latin1.jsonl'), 'jsonl', { utf8: false }));
    expect(lines.map((r) => r.fields)).toEqual([
      { identifier: undefined, timestamp: '1', event_name: 'a', payload: {} },
      { problem: 'line 2 is not valid UTF-8 (byte 0xFF at byte 30 of it); save the file as UTF-8' },
    ]);
  });
});
