// Backfills that must not lose or double-count usage (issue 15, items 1-5), run in process against
// the emulator over HTTP. The emulator keeps every event it accepts, so each "counted once" below
// would read twice the units if a row were counted twice, and less if one were dropped.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { run } from '../src/cli/program.js';
import { useEmulator, writeFile, KEY } from './cli-helpers.js';

const suite = useEmulator();

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the command in this process (the emulator serves it over HTTP). */
async function cli(args: string[], env: Record<string, string> = {}): Promise<Result> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const ctx = { stdout, stderr, stdoutIsTTY: false, stderrIsTTY: false, env: { STRIPE_SECRET_KEY: KEY, STRIPE_METERS_BASE_URL: suite.emu.url, ...env }, signal: new AbortController().signal };
  const code = await run(args, ctx, () => Promise.resolve(0));
  return { code, stdout: out, stderr: err };
}

const NOW = () => Math.floor(Date.now() / 1000);

/** What the emulator counted for a customer on api_call over the last two days. */
async function total(customer: string): Promise<number> {
  const id = suite.meters.get('api_call') as string;
  const end = Math.ceil((NOW() + 600) / 60) * 60;
  const summaries = await suite.emu.stripe.billing.meters.listEventSummaries(id, { customer, start_time: end - 2 * 86_400, end_time: end });
  return summaries.data.reduce((sum, s) => sum + s.aggregated_value, 0);
}

const header = 'identifier,timestamp,event_name,payload_stripe_customer_id,payload_value';
const row = (customer: string, value: string | number, at = NOW() - 3600, identifier = '') => `${identifier},${at},api_call,${customer},${value}`;
const csv = (...rows: string[]) => `${[header, ...rows].join('\n')}\n`;

function rejects(path: string): Array<{ row: string; line: string; reason: string }> {
  if (!existsSync(path)) return [];
  return (parse(readFileSync(path), { columns: true }) as Array<Record<string, string>>).map((r) => ({ row: r.reject_row ?? '', line: r.reject_line ?? '', reason: r.reject_reason ?? '' }));
}

describe('a row is never called accepted when Stripe would drop it', () => {
  it('a value Stripe does not read (+5, 1.0000000000000000) and a repeated identifier are refused with reasons; exactly the other rows count', async () => {
    const file = writeFile(suite.dir, 'mixed-bad.csv', csv(row('cus_a', 1), row('cus_a', '+5'), row('cus_a', 10, NOW() - 3600, 'dup-1'), row('cus_a', 20, NOW() - 1800, 'dup-1'), row('cus_a', '1.0000000000000000'), row('cus_a', 3)));
    const result = await cli(['upload', file, '--json']);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ outcome: 'complete', run: { rows: 6, accepted: 3, refused: 3 } });
    expect(await total('cus_a')).toBe(14);
    expect(rejects(`${file}.rejects.csv`)).toEqual([
      { row: '2', line: '3', reason: expect.stringMatching(/^payload\[value\] is "\+5", which is not a decimal number/) },
      { row: '4', line: '5', reason: expect.stringMatching(/^identifier "dup-1" is also the identifier of line 4; Stripe counts one event per identifier/) },
      { row: '5', line: '6', reason: 'The value in the event payload can have at most 15 digits. Received 1.0000000000000000.' },
    ]);
  });

  it.each(['stream', 'v1'])('--via %s: an identifier repeated in the file is refused, never sent (the first row counts)', async (via) => {
    const file = writeFile(suite.dir, `repeat-${via}.csv`, csv(row('cus_r', 5, NOW() - 3600, 'same'), row('cus_r', 7, NOW() - 3000, 'same')));
    const result = await cli(['upload', file, '--via', via]);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/accepted +1\n +refused +1 +rows and reasons in/);
    expect(result.stdout).not.toMatch(/already recorded/);
    expect(result.stdout).toMatch(/line 3: identifier "same" is also the identifier of line 2/);
    expect(await total('cus_r')).toBe(5);
  });

  it('bytes that are not UTF-8 refuse their rows: two identifiers differing only there stay apart, no customer id is altered', async () => {
    const bytes = (s: string) => Buffer.from(s, 'latin1');
    const text = Buffer.concat([
      Buffer.from(`${header}\n`),
      bytes(`id-\xe9,${NOW() - 3600},api_call,cus_u,1\n`),
      bytes(`id-\xe8,${NOW() - 3600},api_call,cus_u,2\n`),
      bytes(`,${NOW() - 3600},api_call,cus_\xfc,4\n`),
      Buffer.from(`,${NOW() - 3600},api_call,cus_u,8\n`),
    ]);
    const file = join(suite.dir, 'latin1.csv');
    writeFileSync(file, text);
    const result = await cli(['upload', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/note: .*latin1\.csv is not all UTF-8 \(first at line 2, column 4 \(byte 0xE9\)\); the rows holding such bytes are refused/);
    expect(await total('cus_u')).toBe(8);
    expect(await total('cus_\ufffd')).toBe(0);
    const refused = rejects(`${file}.rejects.csv`);
    expect(refused.map((r) => [r.line, r.reason])).toEqual([
      ['2', 'column identifier is not valid UTF-8 (byte 0xE9 at byte 4 of it); save the file as UTF-8'],
      ['3', 'column identifier is not valid UTF-8 (byte 0xE8 at byte 4 of it); save the file as UTF-8'],
      ['4', 'column payload_stripe_customer_id is not valid UTF-8 (byte 0xFC at byte 5 of it); save the file as UTF-8'],
    ]);
    // The rejects file keeps the row's bytes as they were, for the user to fix.
    expect(readFileSync(`${file}.rejects.csv`).includes(bytes('cus_\xfc'))).toBe(true);
  });

  it('a JSON array that is not UTF-8 is refused whole, before anything is sent', async () => {
    const file = join(suite.dir, 'latin1.json');
    writeFileSync(file, Buffer.concat([Buffer.from(`[{"timestamp":${NOW() - 60},"event_name":"api_call","payload_stripe_customer_id":"cus_j","payload_value":"1"},\n{"identifier":"`), Buffer.from([0xff]), Buffer.from('"}]')]));
    const result = await cli(['upload', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/latin1\.json is not UTF-8 at line 2, column 16 \(byte 0xFF\): save it as UTF-8 .*nothing was sent/);
    expect(await total('cus_j')).toBe(0);
  });

  it('a file mixing LF, CRLF and CR line ends uploads every row', async () => {
    const file = writeFile(suite.dir, 'mixed-eol.csv', `${header}\r\n${row('cus_eol', 1)}\n${row('cus_eol', 2)}\r\n${row('cus_eol', 4)}\r${row('cus_eol', 8)}`);
    expect((await cli(['upload', file])).code).toBe(0);
    expect(await total('cus_eol')).toBe(15);
  });
});

describe('identifiers do not depend on row numbers: an edited file never counts an unchanged row twice', () => {
  const at = NOW() - 7200;
  const rows = (customer: string, values: number[]) => values.map((v, i) => row(customer, v, at + i));

  /** Uploads `first`, then the edited file with --restart; returns what the emulator counted. */
  async function edit(name: string, first: string[], edited: string[]): Promise<{ total: number; restart: Result }> {
    const file = writeFile(suite.dir, `${name}.csv`, csv(...first));
    expect((await cli(['upload', file])).code).toBe(0);
    writeFile(suite.dir, `${name}.csv`, csv(...edited));
    const changed = await cli(['upload', file]);
    expect(changed.code).toBe(1);
    expect(changed.stderr).toMatch(/changed since the upload recorded in .*; pass --restart|Pass --restart to upload it anew: every row is sent again\. A row keeps its identifier/);
    const restart = await cli(['upload', file, '--restart']);
    expect(restart.code).toBe(0);
    return { total: await total(name.replace(/[^a-z]/g, '')), restart };
  }

  it('rows of 1, 10 and 100 uploaded, the first deleted, --restart: 111 counted (not 221)', async () => {
    const c = 'cusdelete';
    const [a, b, d] = rows(c, [1, 10, 100]);
    const { total: counted, restart } = await edit('cusdelete', [a as string, b as string, d as string], [b as string, d as string]);
    expect(counted).toBe(111);
    expect(restart.stderr).toMatch(/--restart: every row is sent again/);
    expect(restart.stdout).toMatch(/sent again: those already recorded \(same identifier, within 24 hours\) count once/);
  });

  it('a row inserted at the top counts once; the others not again', async () => {
    const c = 'cusinsert';
    const [a, b] = rows(c, [1, 10]);
    expect((await edit(c, [a as string, b as string], [row(c, 100, at - 50), a as string, b as string])).total).toBe(111);
  });

  it('rows reordered count nothing again', async () => {
    const c = 'cusreorder';
    const [a, b, d] = rows(c, [1, 10, 100]);
    expect((await edit(c, [a as string, b as string, d as string], [d as string, a as string, b as string])).total).toBe(111);
  });

  it('two identical rows are two events, and stay two whatever is deleted or inserted around them', async () => {
    const c = 'cusidentical';
    const same = row(c, 5, at);
    const other = row(c, 1000, at + 10);
    expect((await edit(c, [same, same, other], [other, same, same])).total).toBe(1010);
    // A third identical row is a third event.
    writeFile(suite.dir, `${c}.csv`, csv(same, other, same, same));
    expect((await cli(['upload', join(suite.dir, `${c}.csv`), '--restart'])).code).toBe(0);
    expect(await total(c)).toBe(1015);
  });

  it('deleting one of two identical rows counts nothing again (the remaining one is the first of them)', async () => {
    const c = 'cusdeletetwin';
    const same = row(c, 5, at);
    expect((await edit(c, [same, row(c, 1, at + 1), same], [row(c, 1, at + 1), same])).total).toBe(11);
  });

  it('a changed row is a new event, as the message says (its first version still counts)', async () => {
    const c = 'cuschanged';
    const [a, b] = rows(c, [1, 10]);
    const { total: counted } = await edit(c, [a as string, b as string], [a as string, row(c, 20, at + 1)]);
    expect(counted).toBe(31);
  });

  it('JSON Lines and CSV of the same rows derive the same identifiers: converting a file counts nothing again', async () => {
    const c = 'cusconvert';
    const values = [3, 3, 30];
    expect((await cli(['upload', writeFile(suite.dir, 'convert.csv', csv(...rows(c, values)))])).code).toBe(0);
    const jsonl = values.map((v, i) => JSON.stringify({ event_name: 'api_call', timestamp: new Date((at + i) * 1000).toISOString(), payload: { value: String(v), stripe_customer_id: c } })).join('\n');
    expect((await cli(['upload', writeFile(suite.dir, 'convert.jsonl', `${jsonl}\n`)])).code).toBe(0);
    expect(await total(c)).toBe(36);
  });
});

describe('resuming', () => {
  it('a resumed run numbers identical rows as the first run did (it reads the rows it skips)', async () => {
    const c = 'cusresume';
    const same = row(c, 5, NOW() - 3600);
    const file = writeFile(suite.dir, 'resume.csv', csv(same, same));
    // What an interrupted first run leaves: row 1 sent (as the first of two identical rows) and settled.
    const { contentDigest } = await import('../src/cli/upload/identifier.js');
    const { fileDigest, targetOf } = await import('../src/cli/upload/state-file.js');
    const identifier = `sm-${contentDigest('api_call', Number(same.split(',')[1]), { stripe_customer_id: c, value: '5' })}-0`;
    await suite.emu.stripe.billing.meterEvents.create({ event_name: 'api_call', identifier, timestamp: Number(same.split(',')[1]), payload: { stripe_customer_id: c, value: '5' } });
    const digest = await fileDigest(file);
    const at = new Date().toISOString();
    const state = { version: 2, file: { path: file, size: digest.size, sha256: digest.sha256 }, target: targetOf(suite.emu.url, KEY), rejects: `${file}.rejects.csv`, startedAt: at, updatedAt: at, done: 2, retry: [], complete: false, rejectsBytes: 0, totals: { accepted: 1, refused: 0, alreadyRecorded: 0 } };
    writeFileSync(`${file}.upload-state.json`, JSON.stringify(state));
    const resumed = await cli(['upload', file]);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/settled by an earlier run +1/);
    expect(await total(c)).toBe(10);
  });
});

describe('state files, dry runs and the summary', () => {
  it('a state file that does not belong to its input is refused: another file, done past the end, another server or key', async () => {
    const c = 'cusstate';
    const file = writeFile(suite.dir, 'state.csv', csv(row(c, 1), row(c, 2)));
    const other = writeFile(suite.dir, 'other.csv', csv(row(c, 4)));
    expect((await cli(['upload', file])).code).toBe(0);
    const statePath = `${file}.upload-state.json`;
    const state = JSON.parse(readFileSync(statePath, 'utf8')) as { done: number; complete: boolean };
    // Another file under this state.
    const another = await cli(['upload', other, '--state', statePath]);
    expect([another.code, another.stderr]).toEqual([1, expect.stringMatching(/other\.csv changed since the upload recorded in .*state\.csv\.upload-state\.json/)]);
    // done past the end (the state of a longer upload, or edited): refused, not trusted.
    writeFileSync(statePath, JSON.stringify({ ...state, done: 40_000, complete: false }));
    const past = await cli(['upload', file]);
    expect(past.code).toBe(1);
    expect(past.stderr).toMatch(/the state file says 39999 rows were settled, but the file has 2: it does not belong to this file/);
    // Another server, another key.
    writeFileSync(statePath, JSON.stringify({ ...state, complete: false }));
    expect((await cli(['upload', file], { STRIPE_METERS_BASE_URL: 'http://127.0.0.1:9' })).stderr).toMatch(/records an upload to http:\/\/127\.0\.0\.1:\d+, so its settled rows were not sent where this run sends/);
    expect((await cli(['upload', file], { STRIPE_SECRET_KEY: 'sk_test_other' })).stderr).toMatch(/records an upload to http:\/\/127\.0\.0\.1:\d+ with another API key/);
    expect(await total(c)).toBe(3);
  });

  it('--dry-run names no file it does not write, shows the first refusals, sends nothing', async () => {
    const c = 'cusdry';
    const file = writeFile(suite.dir, 'dry-run.csv', csv(row(c, 1), row(c, 'lots'), row(c, 2)));
    const result = await cli(['upload', file, '--dry-run']);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/refused +1 +pass --rejects FILE to keep every one/);
    expect(result.stdout).toMatch(/first refused row:\n +line 3: payload\[value\] is "lots", which is not a decimal number/);
    expect(existsSync(`${file}.rejects.csv`)).toBe(false);
    expect(existsSync(`${file}.upload-state.json`)).toBe(false);
    for (const named of result.stdout.match(/\/\S+\.csv/g) ?? []) expect(existsSync(named), named).toBe(true);
    expect(await total(c)).toBe(0);
    const kept = join(suite.dir, 'dry-rejects.csv');
    expect((await cli(['upload', file, '--dry-run', '--rejects', kept])).stdout).toContain(`rows and reasons in ${kept}`);
    expect(rejects(kept)).toHaveLength(1);
  });

  it('--json keys are snake_case', async () => {
    const file = writeFile(suite.dir, 'json-keys.csv', csv(row('cusjson', 1)));
    const summary = JSON.parse((await cli(['upload', file, '--json'])).stdout) as Record<string, unknown>;
    const keys = (value: unknown): string[] => (typeof value === 'object' && value !== null ? Object.entries(value).flatMap(([k, v]) => [k, ...keys(v)]) : []);
    for (const key of keys(summary)) expect(key).toMatch(/^[a-z]+(_[a-z]+)*$/);
    expect(summary).toMatchObject({ outcome: 'complete', dry_run: false, run: { already_recorded: 0 }, totals: { already_recorded: 0 } });
  });
});
