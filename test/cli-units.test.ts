// Pure logic of the command line, without a network: timestamps, row checks, identifiers, the
// ledger, checkpoints and resumes (with a fake sender), the pacer, tables and bars.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bar, table } from '../src/cli/format.js';
import { parseTimeFlag, parseTimestamp } from '../src/cli/time.js';
import { fingerprint, FingerprintTable } from '../src/cli/upload/fingerprints.js';
import { contentDigest, IdentifierDeriver } from '../src/cli/upload/identifier.js';
import { Ledger, type Pending } from '../src/cli/upload/ledger.js';
import { Pacer } from '../src/cli/upload/pacer.js';
import { barLine, plainLine, ProgressFigures, type ProgressSnapshot } from '../src/cli/upload/progress.js';
import { widenSummaryRange as alignRange } from '../src/rules/summaries.js';
import { RejectsFile } from '../src/cli/upload/rejects-file.js';
import { checkRow as checkWith, meterIndex, rowIdentity } from '../src/cli/upload/row-check.js';
import type { RowFields } from '../src/cli/upload/rows.js';
import type { RowSource, SourceRow } from '../src/cli/upload/rows.js';
import type { Sender } from '../src/cli/upload/senders.js';
import { unixToIso } from '../src/cli/upload/senders.js';
import { loadState, type UploadState } from '../src/cli/upload/state-file.js';
import { runUpload } from '../src/cli/upload/upload-run.js';
import type { Meter } from '../src/index.js';
import { METER } from './helpers.js';

const meterOf = (over: Partial<Meter>): Meter => ({ ...(METER as Meter), ...over });

const dir = mkdtempSync(join(tmpdir(), 'stripe-meters-cli-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('template timestamps', () => {
  it.each([
    ['1714557600', 1714557600],
    ['2024-05-01', 1714521600],
    ['2024-05-01T10:00:00Z', 1714557600],
    ['2024-05-01T10:00Z', 1714557600],
    ['2024-05-01 10:00:00', 1714557600],
    ['2024-05-01T12:00:00+02:00', 1714557600],
    ['2024-05-01T05:30:00-0430', 1714557600],
    ['2024-05-01T10:00:00.999Z', 1714557600],
  ])('reads %s', (text, seconds) => expect(parseTimestamp(text)).toBe(seconds));

  it.each([
    ['', /empty/],
    ['1714557600000', /milliseconds/],
    ['2024-02-30', /not a valid date/],
    ['2024-05-01T24:00:00Z', /not a valid date/],
    ['May 1st', /neither unix seconds nor an ISO 8601/],
    ['-5', /neither/],
  ])('refuses %j', (text, reason) => expect(parseTimestamp(text)).toMatch(reason));

  it('time flags take now and offsets', () => {
    expect(parseTimeFlag('now', 1000)).toBe(1000);
    expect(parseTimeFlag('-24h', 100_000)).toBe(100_000 - 86_400);
    expect(parseTimeFlag('+30m', 0)).toBe(1800);
    expect(parseTimeFlag('-7d', 1_000_000)).toBe(1_000_000 - 7 * 86_400);
    expect(parseTimeFlag('tomorrow', 0)).toMatch(/or an offset such as -24h/);
  });

  it('formats RFC 3339 for the stream as Date does', () => {
    for (const t of [0, 1714557600, 1714557659, 1714643999, 1714644000, 4102444799]) expect(unixToIso(t)).toBe(new Date(t * 1000).toISOString().replace('.000Z', 'Z'));
  });
});

describe('row checks', () => {
  const now = 1_800_000_000;
  const meters = meterIndex([
    meterOf({ event_name: 'tokens', customer_mapping: { type: 'by_id', event_payload_key: 'account' }, value_settings: { event_payload_key: 'tokens' } }),
    meterOf({ id: 'mtr_old', event_name: 'old', status: 'inactive' }),
    meterOf({ id: 'mtr_default', event_name: 'calls', customer_mapping: { type: 'by_id', event_payload_key: 'stripe_customer_id' }, value_settings: { event_payload_key: 'value' } }),
  ]);
  const row = (over: Partial<{ identifier: string; timestamp: string; event_name: string; payload: Record<string, string> }> = {}) =>
    ({ identifier: undefined, timestamp: String(now - 60), event_name: 'tokens', payload: { account: 'cus_1', tokens: '12' }, ...over }) as const;
  const checkRow = (fields: RowFields, _row: number, index: typeof meters, at: number) => checkWith(fields, rowIdentity(fields, new IdentifierDeriver()), index, at);

  it('passes a good row, deriving its identifier, or keeping the one given', () => {
    expect(checkRow(row(), 7, meters, now)).toEqual({ identifier: `sm-${contentDigest('tokens', now - 60, { account: 'cus_1', tokens: '12' })}-0`, event_name: 'tokens', timestamp: now - 60, payload: { account: 'cus_1', tokens: '12' } });
    expect(checkRow(row({ identifier: 'mine' }), 7, meters, now)).toMatchObject({ identifier: 'mine' });
    expect(checkRow(row({ event_name: 'calls', payload: { stripe_customer_id: 'cus_1', value: '-1.5' } }), 1, meters, now)).toMatchObject({ event_name: 'calls' });
  });

  // The rules themselves are tested in rules.test.ts and, through every caller, in rule-table.test.ts.
  it.each([
    [{ event_name: '' }, 'event_name must not be empty'],
    [{ event_name: 'x'.repeat(101) }, 'event_name must be at most 100 characters, got 101'],
    [{ identifier: 'i'.repeat(101) }, 'identifier must be at most 100 characters, got 101'],
    [{ timestamp: String(now - 35 * 86_400 - 61) }, /cannot be more than 35 days in past/],
    [{ timestamp: String(now + 361) }, /cannot be more than 5 minutes in the future/],
    [{ event_name: 'nope' }, 'No meter was found matching event_name nope.'],
    [{ event_name: 'old' }, 'The meter mtr_old for event_name old is inactive; it accepts no events.'],
    [{ payload: { tokens: '1' } }, 'Customer mapping key account not found in payload.'],
    [{ payload: { account: 'cus_1' } }, 'Value settings key tokens not found in payload.'],
    [{ payload: { account: 'cus_1', tokens: '1e3' } }, /^payload\[tokens\] is "1e3", which is not a decimal number/],
    [{ payload: { account: 'cus_1', tokens: '1', note: 'n'.repeat(101) } }, 'payload[note] must be at most 100 characters, got 101'],
  ])('refuses %j', (over, reason) => {
    const result = checkRow(row(over), 1, meters, now);
    if (typeof reason === 'string') expect(result).toBe(reason);
    else expect(result).toMatch(reason);
  });

  it('refuses the window edges too, where Stripe may refuse the row by the time it arrives', () => {
    expect(checkRow(row({ timestamp: String(now - 35 * 86_400 + 60) }), 1, meters, now)).toMatchObject({ timestamp: now - 35 * 86_400 + 60 });
    expect(checkRow(row({ timestamp: String(now - 35 * 86_400 + 59) }), 1, meters, now)).toMatch(/within 60 seconds of Stripe's limit of 35 days in the past/);
    expect(checkRow(row({ timestamp: String(now + 240) }), 1, meters, now)).toMatchObject({ timestamp: now + 240 });
    expect(checkRow(row({ timestamp: String(now + 241) }), 1, meters, now)).toMatch(/within 60 seconds of Stripe's limit of 5 minutes in the future/);
  });
});

describe('derived identifiers', () => {
  it('depend on the content and on how many identical rows came before, never on the row number or the payload key order', () => {
    const derive = new IdentifierDeriver();
    const id = derive.derive('api_call', 1714557600, { stripe_customer_id: 'cus_1', value: '3' });
    expect(id).toMatch(/^sm-[\w-]{22}-0$/);
    // The same content again is the next identical row: a second event.
    const again = derive.derive('api_call', 1714557600, { value: '3', stripe_customer_id: 'cus_1' });
    expect(again).toBe(`${id.slice(0, -2)}-1`);
    // Another reader of the same rows (a resumed run, the file as JSON) derives the same.
    expect(new IdentifierDeriver().derive('api_call', 1714557600, { value: '3', stripe_customer_id: 'cus_1' })).toBe(id);
    for (const other of [
      ['api_calls', 1714557600, { stripe_customer_id: 'cus_1', value: '3' }],
      ['api_call', 1714557601, { stripe_customer_id: 'cus_1', value: '3' }],
      ['api_call', 1714557600, { stripe_customer_id: 'cus_1', value: '4' }],
      ['api_call', 1714557600, { stripe_customer_id: 'cus_1', value: '3', extra: '' }],
    ] as const) {
      expect(new IdentifierDeriver().derive(other[0], other[1], other[2])).not.toBe(id);
    }
    // Parts cannot run into each other.
    expect(contentDigest('a', 1, { b: 'c', d: '' })).not.toBe(contentDigest('a', 1, { b: 'c|1:d=0:' }));
    expect(contentDigest('a|1', 1, {})).not.toBe(contentDigest('a', 11, {}));
    expect(new IdentifierDeriver().derive('x'.repeat(100), 1, { k: 'v'.repeat(100) }).length).toBeLessThanOrEqual(100);
  });
});

describe('the ledger', () => {
  it('sums up rows below a checkpoint; silence means accepted', () => {
    const ledger = new Ledger();
    const rows: Pending[] = [1, 2, 3, 4, 5].map((row) => ({ row, raw: [String(row)], identifier: `id${row}` }));
    for (const p of rows) ledger.add(p);
    (ledger.find('id2') as Pending).outcome = 'refused';
    (ledger.find('id3') as Pending).outcome = 'duplicate';
    (ledger.find('id4') as Pending).outcome = 'failed';
    const settled = ledger.take(5);
    expect(settled).toMatchObject({ accepted: 1, duplicates: 1, failed: [4] });
    expect(settled.refused.map((p) => p.row)).toEqual([2]);
    expect(ledger.size).toBe(1);
    expect(ledger.find('id1')).toBeUndefined();
    expect(ledger.find('id5')).toBe(rows[4]);
  });

  it('says where the last row it took ends, for progress', () => {
    const ledger = new Ledger();
    for (const row of [1, 2, 3]) ledger.add({ row, raw: 'r', end: row * 10 });
    expect(ledger.take(3)).toMatchObject({ rows: 2, end: 20 });
    expect(ledger.take(3)).toMatchObject({ rows: 0, end: undefined });
  });
});

/** Rows 1..n, every one good except those listed in `bad`. */
function source(n: number, bad: Set<number> = new Set()): RowSource {
  const now = Math.floor(Date.now() / 1000);
  return {
    format: 'csv',
    header: () => ['timestamp', 'event_name', 'payload_stripe_customer_id', 'payload_value'],
    async *[Symbol.asyncIterator](): AsyncIterator<SourceRow[]> {
      for (let first = 1; first <= n; first += 100) {
        const batch: SourceRow[] = [];
        for (let row = first; row < first + 100 && row <= n; row++) {
          const raw = [String(now - row), 'calls', 'cus_1', bad.has(row) ? 'x' : '1'];
          batch.push({ row, end: row * 10, raw, fields: { identifier: undefined, timestamp: raw[0] ?? '', event_name: 'calls', payload: { stripe_customer_id: 'cus_1', value: raw[3] ?? '' } } });
        }
        yield batch;
      }
    },
  };
}

/** A sender that accepts everything except the rows it is told fail (as a lost network would). */
function fakeSender(failing: Set<number>, onFatal: (e: unknown) => void) {
  const sent: number[] = [];
  const sender: Sender = {
    send: async (row) => {
      sent.push(row.row);
      if (failing.has(row.row)) {
        row.outcome = 'failed';
        onFatal(new Error('network gone'));
      }
    },
    barrier: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  return { sender, sent };
}

function freshState(rejects: string): UploadState {
  return { version: 2, file: { path: 'f', size: 0, sha256: 'x' }, target: { baseUrl: null, key: 'k' }, rejects, startedAt: '', updatedAt: '', done: 1, retry: [], complete: false, rejectsBytes: 0, totals: { accepted: 0, refused: 0, alreadyRecorded: 0 } };
}

describe('checkpoints and resumes', () => {
  const meters = meterIndex([meterOf({ event_name: 'calls', customer_mapping: { type: 'by_id', event_payload_key: 'stripe_customer_id' }, value_settings: { event_payload_key: 'value' } })]);
  const progress = { update: () => undefined, stop: () => undefined };

  it('after a failure, the next run sends only the rows that may not have landed, and writes each refusal once', async () => {
    const statePath = join(dir, 'resume.state.json');
    const rejectsPath = join(dir, 'resume.rejects.csv');
    const bad = new Set([3, 9000]);
    let fatal: unknown;
    const first = fakeSender(new Set([7000]), (e) => (fatal ??= e));
    const state = freshState(rejectsPath);
    const rejects = new RejectsFile(rejectsPath, undefined);
    const counts = await runUpload({ source: source(20_000, bad), meters, ledger: new Ledger(), sender: first.sender, state, statePath, rejects, pacer: undefined, progress, signal: new AbortController().signal, now: Date.now, fatal: () => fatal });
    rejects.close();
    expect(fatal).toBeDefined();
    const saved = loadState(statePath) as UploadState;
    // It stopped at the first row read after the failure; row 7000 must go again.
    expect(saved.retry).toEqual([7000]);
    expect(saved.done).toBe(7001);
    expect(first.sent.at(-1)).toBe(7000);
    expect(counts).toMatchObject({ accepted: 6998, refused: 1, failed: 1 });

    const second = fakeSender(new Set(), () => undefined);
    const resumedRejects = new RejectsFile(rejectsPath, saved.rejectsBytes);
    const again = await runUpload({ source: source(20_000, bad), meters, ledger: new Ledger(), sender: second.sender, state: saved, statePath, rejects: resumedRejects, pacer: undefined, progress, signal: new AbortController().signal, now: Date.now, fatal: () => undefined });
    resumedRejects.close();
    // Row 7000 and the rows from 7001 on, less the bad row 9000; nothing settled is sent again.
    expect(second.sent.slice(0, 2)).toEqual([7000, 7001]);
    expect(second.sent).toHaveLength(13_000);
    expect(again).toMatchObject({ skipped: 6999, accepted: 13_000, refused: 1 });
    expect(loadState(statePath)).toMatchObject({ done: 20_001, retry: [], totals: { accepted: 19_998, refused: 2 } });
    expect(readFileSync(rejectsPath, 'utf8').split('\n').filter((l) => /^\d/.test(l)).map((l) => l.split(',')[0])).toEqual(['3', '9000']);
  });

  it('a resumed run truncates the rejects file to the last checkpoint, and refuses a file shorter than that', () => {
    const path = join(dir, 'truncate.csv');
    const r = new RejectsFile(path, undefined);
    r.write([{ row: 1, line: 2, raw: ['a', 'an old reason', 'b'], reason: 'bad "a"' }], ['x', 'reject_reason', 'y']);
    const at = r.bytes;
    r.write([{ row: 2, raw: ['c', 'd'], reason: 'bad c' }], ['x', 'reject_reason', 'y']); // a short row: as read
    r.close();
    // The input's own reject_ columns are left out: the file stays uploadable once fixed.
    expect(readFileSync(path, 'utf8')).toBe('reject_row,reject_line,reject_reason,x,y\n1,2,"bad ""a""",a,b\n2,,bad c,c,d\n');
    new RejectsFile(path, at).close();
    expect(readFileSync(path, 'utf8')).toBe('reject_row,reject_line,reject_reason,x,y\n1,2,"bad ""a""",a,b\n');
    expect(() => new RejectsFile(path, at + 1000)).toThrow(/shorter than the state file says/);
  });

  it('a state file that is not one is an error that names it', () => {
    const path = join(dir, 'junk.json');
    writeFileSync(path, '{"hello": 1}');
    expect(() => loadState(path)).toThrow(/is not an upload state file; delete it or pass --restart/);
    expect(loadState(join(dir, 'none.json'))).toBeUndefined();
  });
});

describe('the pacer', () => {
  it('keeps to the rate with waits of 10 ms or more, and gathers no credit while behind', async () => {
    let now = 0;
    const sleeps: number[] = [];
    const pacer = new Pacer(1000, { now: () => now, sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
    });
    for (let i = 0; i < 100; i++) await pacer.take();
    expect(now).toBeGreaterThanOrEqual(89);
    expect(sleeps.every((ms) => ms >= 10)).toBe(true);
    now += 5000; // the sender was slow: no burst afterwards
    const before = now;
    for (let i = 0; i < 100; i++) await pacer.take();
    expect(now - before).toBeGreaterThanOrEqual(89);
  });
});

describe('output helpers', () => {
  it('tables align numbers right, bars scale to the largest value', () => {
    expect(table(['name', 'n'], [['a', 1000], ['bb', 5]])).toBe('name      n\n----  -----\na     1,000\nbb        5\n');
    expect(bar(10, 10, 4)).toBe('████');
    expect(bar(5, 10, 4)).toBe('██');
    expect(bar(1, 10, 4)).toBe('▍');
    expect(bar(0, 10, 4)).toBe('');
    expect(bar(-1, 10, 4)).toBe('');
  });

  it('summary ranges widen to the boundaries Stripe wants', () => {
    expect(alignRange(3601, 7199, 'hour')).toEqual({ start: 3600, end: 7200 });
    expect(alignRange(90_000, 90_001, 'day')).toEqual({ start: 86_400, end: 172_800 });
    expect(alignRange(61, 61 + 1, undefined)).toEqual({ start: 60, end: 120 });
  });
});

describe('progress figures', () => {
  const snapshot = (rows: number, bytes: number, more: Partial<ProgressSnapshot> = {}): ProgressSnapshot => ({ rows, skipped: 0, accepted: rows, refused: 0, bytes, ...more });

  it('say only what is settled: the percentage of the file the settled rows reach, 100% only when done', () => {
    const f = new ProgressFigures(1000, 0);
    expect(plainLine(f, 0, false)).toBe('upload 0%: 0 accepted · 0 refused · 0/s · ETA ?');
    f.update(snapshot(250, 250, { accepted: 240, refused: 10 }), 1000);
    expect(plainLine(f, 1000, false)).toBe('upload 25%: 240 accepted · 10 refused · 250/s · ETA 3s');
    f.update(snapshot(1000, 1000), 4000);
    // Every row read and settled, but the run has not said it is done (a last flush): not 100% yet.
    expect(plainLine(f, 4000, false)).toMatch(/^upload 99%: /);
    expect(plainLine(f, 4000, true)).toBe('upload 100%: 1,000 accepted · 0 refused · 250/s · ETA 0s');
  });

  it('measure speed and ETA from this run\'s own rows, not from the rows an earlier run settled', () => {
    const f = new ProgressFigures(1000, 0);
    f.update(snapshot(500, 500, { skipped: 500 }), 100);
    expect(f.eta(200, false)).toBeNaN();
    f.update(snapshot(600, 600, { skipped: 500 }), 1100);
    expect(f.rate(1100)).toBe(100);
    expect(f.eta(1100, false)).toBe(4);
  });

  it('fit 80 columns whatever the figures, with a bar as wide as the room left', () => {
    const f = new ProgressFigures(10 ** 12, 0);
    f.update(snapshot(99_999_999, 10 ** 11, { accepted: 99_999_999, refused: 99_999_999 }), 1);
    for (const columns of [0, 40, 60, 80, 200]) {
      const line = barLine(f, 36_000_000, false, columns);
      expect(line.length, `${columns}: ${line}`).toBeLessThan(columns > 0 && columns < 80 ? columns : 80);
    }
    expect(plainLine(f, 36_000_000, false).length).toBeLessThan(80);
    const small = new ProgressFigures(100, 0);
    small.update(snapshot(5, 50), 1000);
    expect(barLine(small, 1000, false, 80)).toMatch(/^ 50% █{15}░{15} 5 accepted · 0 refused · 5\/s · ETA 1s$/);
  });
});

describe('fingerprint tables', () => {
  it('keep a number per fingerprint through growth; distinct strings, distinct fingerprints', () => {
    const table = new FingerprintTable();
    const seen = new Set<string>();
    for (let i = 0; i < 50_000; i++) {
      const [hi, lo] = fingerprint(`id-${i}`);
      seen.add(`${hi}:${lo}`);
      table.set(hi, lo, i);
    }
    expect(seen.size).toBe(50_000);
    expect(table.size).toBe(50_000);
    for (const i of [0, 1, 4095, 4096, 49_999]) expect(table.get(...fingerprint(`id-${i}`))).toBe(i);
    expect(table.get(...fingerprint('id-50000'))).toBeUndefined();
    table.set(...fingerprint('id-7'), -3);
    expect([table.get(...fingerprint('id-7')), table.size]).toEqual([-3, 50_000]);
    expect(fingerprint('')).not.toEqual(fingerprint('\u0000'));
  });
});
