// The command line's output and errors against the emulator over HTTP: progress under a
// pseudo-terminal and as plain lines, one-line errors with a non-zero exit, meters and summaries.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CLI, csvOf, dataset, KEY, PAYLOAD_KEYS, runCli, useEmulator, writeFile } from './cli-helpers.js';

const exec = promisify(execFile);
const suite = useEmulator();

const oneLine = (stderr: string) => {
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/\bat .*:\d+:\d+/);
};

describe('upload progress', () => {
  it('draws a live bar with rows/s, ETA, accepted and refused on a terminal (script(1) gives it a pseudo-terminal)', { timeout: 60_000 }, async () => {
    const d = dataset(6_000, Math.floor(Date.now() / 1000), 7);
    const file = writeFile(suite.dir, 'tty.csv', csvOf(d.rows, PAYLOAD_KEYS));
    const command = [process.execPath, CLI, 'upload', file, '--base-url', suite.emu.url, '--rate', '6000'].map((a) => `'${a}'`).join(' ');
    const { stdout } = await exec('script', ['-qfec', command, '/dev/null'], { env: { PATH: process.env.PATH ?? '', STRIPE_SECRET_KEY: KEY, TERM: 'xterm' } }).catch((e: { stdout: string; code: number }) => {
      expect(e.code).toBe(2); // some rows are refused
      return e;
    });
    // Each frame: the cursor to column 1, the line, the rest of the line cleared.
    const frames = stdout.split('\u001b[1G').map((f) => f.replace(/\u001b(\[[0-9;?]*[A-Za-z]|[78])/g, '').split(/\r?\n/)[0] ?? '').filter((f) => /^\s*\d+% /.test(f));
    expect(frames.length).toBeGreaterThan(3);
    const last = frames.at(-1) ?? '';
    expect(last).toMatch(/^100% [█░]+ 5,993 accepted · 7 refused · [\d,]+\/s · ETA 0s$/);
    // Right from the first frame to the last: never past the rows settled, never backwards, 100% only at the end, within 80 columns.
    const figures = frames.map((f) => ({ pct: Number(/^\s*(\d+)%/.exec(f)?.[1]), accepted: Number(/ ([\d,]+) accepted/.exec(f)?.[1]?.replaceAll(',', '')) }));
    for (let i = 1; i < figures.length; i++) {
      expect(figures[i]?.pct).toBeGreaterThanOrEqual(figures[i - 1]?.pct ?? 0);
      expect(figures[i]?.accepted).toBeGreaterThanOrEqual(figures[i - 1]?.accepted ?? 0);
    }
    expect(figures.slice(0, -1).every((f) => f.pct < 100 && f.accepted < 5_993)).toBe(true);
    expect(figures.some((f) => f.pct > 0 && f.pct < 100)).toBe(true); // it moved while running
    for (const f of frames) expect(f.length).toBeLessThan(80);
    expect(stdout).toMatch(/tty\.csv: done, 6,000 rows/);
  });

  it('writes a plain line every few seconds without a terminal, and no escape codes', { timeout: 60_000 }, async () => {
    const d = dataset(15_000, Math.floor(Date.now() / 1000), 8);
    const file = writeFile(suite.dir, 'plain.csv', csvOf(d.rows, PAYLOAD_KEYS));
    const result = await runCli(['upload', file, '--base-url', suite.emu.url, '--rate', '2500']);
    expect(result.code).toBe(2);
    const lines = result.stderr.split('\n').filter((l) => l.startsWith('upload '));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).toMatch(/^upload \d+%: [\d,]+ accepted · \d+ refused · [\d,]+\/s · ETA (\d+s|\?)$/);
      expect(line.length).toBeLessThan(80);
      expect(Number(/^upload (\d+)%/.exec(line)?.[1])).toBeLessThan(100);
    }
    expect(result.stderr).not.toContain('\u001b');
    expect(result.stdout).toMatch(/plain\.csv: done, 15,000 rows through the meter event stream/);
  });
});

describe('errors: one line on stderr, a non-zero exit', () => {
  it('for bad flags, unreadable and malformed files, and missing, live or refused keys', async () => {
    const good = writeFile(suite.dir, 'good.csv', 'timestamp,event_name,payload_stripe_customer_id,payload_value\n');
    const cases: Array<[string[], RegExp, Record<string, string>?]> = [
      [['upload', good, '--bogus'], /unknown option '--bogus'/],
      [['upload', good, '--via', 'carrier-pigeon'], /argument 'carrier-pigeon' is invalid/],
      [['upload', good, '--rate', 'fast'], /--rate must be a positive number/],
      [['upload', join(suite.dir, 'missing.csv'), '--base-url', suite.emu.url], /cannot read .*missing\.csv: no such file/],
      [['upload', writeFile(suite.dir, 'cols.csv', 'when,event_name\n1,x\n'), '--base-url', suite.emu.url], /unknown column "when"/],
      [['upload', writeFile(suite.dir, 'quote.csv', 'timestamp,event_name\n"1,x\n'), '--base-url', suite.emu.url], /upload stopped: .*quote\.csv: not a readable CSV file/],
      [['upload', writeFile(suite.dir, 'broken.json', '[{"timestamp": 1,'), '--base-url', suite.emu.url], /upload stopped: .*broken\.json: not a readable JSON array/],
      [['upload', writeFile(suite.dir, 'usage.txt', ''), '--base-url', suite.emu.url], /pass --format csv, json or jsonl/],
      [['meters', 'list', '--base-url', suite.emu.url], /no API key: set STRIPE_SECRET_KEY or pass --api-key/, { STRIPE_SECRET_KEY: '' }],
      [['meters', 'list', '--base-url', suite.emu.url, '--api-key', 'sk_live_123'], /this is a live key: pass --live/],
      [['meters', 'list', '--base-url', suite.emu.url, '--api-key', 'sk_live_123', '--live'], /^stripe-meters: http:\/\/127\.0\.0\.1:\d+ refused the API key: /],
      [['meters', 'retrieve', 'mtr_missing', '--base-url', suite.emu.url], /^stripe-meters: http:\/\/127\.0\.0\.1:\d+ answered 404 \(resource_missing\)/],
      [['meters', 'retrieve', 'mtr_missing'], /^stripe-meters: http:\/\/127\.0\.0\.1:\d+ answered 404/, { STRIPE_METERS_BASE_URL: suite.emu.url }],
      [['meters', 'list'], /^stripe-meters: STRIPE_METERS_BASE_URL must be an http\(s\) URL, got "emulator"/, { STRIPE_METERS_BASE_URL: 'emulator' }],
      [['summaries', 'api_call', '--customer', 'cus_1', '--from', 'soon', '--to', 'now', '--base-url', suite.emu.url], /--from: timestamp "soon"/],
      [['nonsense'], /unknown command 'nonsense'/],
    ];
    for (const [args, message, env] of cases) {
      const result = await runCli(args, env);
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stderr, args.join(' ')).toMatch(message);
      oneLine(result.stderr);
    }
  });

  it('name the server they could not reach, and say Stripe only when it was Stripe', { timeout: 30_000 }, async () => {
    // A port nothing listens on: the connection is refused at once.
    const closed = 'http://127.0.0.1:9';
    for (const [args, env] of [
      [['meters', 'list', '--base-url', closed], {}],
      [['summaries', 'api_call', '--customer', 'cus_1', '--from', '-1h', '--to', 'now'], { STRIPE_METERS_BASE_URL: closed }],
    ] as const) {
      const result = await runCli([...args], env);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^stripe-meters: could not reach http:\/\/127\.0\.0\.1:9: .*ECONNREFUSED.*\(3 attempts\)\n$/m);
      expect(result.stderr).not.toMatch(/Stripe/);
    }
  });
});

describe('meters and summaries', () => {
  it('lists, creates, shows, renames, deactivates and reactivates meters, as tables or JSON', async () => {
    const list = await runCli(['meters', 'list', '--base-url', suite.emu.url]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^id +display name +event name +formula +window +customer key +value key +status$/m);
    expect(list.stdout).toMatch(/LLM tokens +llm_tokens +sum +- +account +tokens +active/);
    expect(list.stdout).toMatch(/^2 meters$/m);
    const created = await runCli(['meters', 'create', '--display-name', 'Seats', '--event-name', 'seats', '--formula', 'last', '--event-time-window', 'day', '--json', '--base-url', suite.emu.url]);
    const meter = JSON.parse(created.stdout) as { id: string; event_time_window: string; default_aggregation: { formula: string } };
    expect(meter).toMatchObject({ event_time_window: 'day', default_aggregation: { formula: 'last' } });
    expect((await runCli(['meters', 'update', meter.id, '--display-name', 'Seats in use', '--base-url', suite.emu.url])).stdout).toMatch(/^display name +Seats in use$/m);
    expect((await runCli(['meters', 'deactivate', meter.id, '--base-url', suite.emu.url])).stdout).toMatch(/^status +inactive since \d{4}-/m);
    expect((await runCli(['meters', 'list', '--status', 'inactive', '--json', '--base-url', suite.emu.url])).stdout).toContain(meter.id);
    expect((await runCli(['meters', 'reactivate', meter.id, '--base-url', suite.emu.url])).stdout).toMatch(/^status +active$/m);
    expect((await runCli(['meters', 'retrieve', meter.id, '--json', '--base-url', suite.emu.url])).stdout).toContain('"display_name": "Seats in use"');
  });

  it('prints hourly summaries with bars and the total, or JSON; the meter by id or event name', { timeout: 30_000 }, async () => {
    const now = Math.floor(Date.now() / 1000);
    const hour = Math.floor(now / 3600) * 3600;
    const file = writeFile(
      suite.dir,
      'three-hours.csv',
      csvOf(
        [
          { timestamp: String(hour - 7200 + 10), event_name: 'api_call', payload: { stripe_customer_id: 'cus_9', value: '10' } },
          { timestamp: String(hour - 3600 + 10), event_name: 'api_call', payload: { stripe_customer_id: 'cus_9', value: '5' } },
          { timestamp: String(hour - 3600 + 20), event_name: 'api_call', payload: { stripe_customer_id: 'cus_9', value: '15' } },
          // At the hour itself: `now - 30` fell in the hour before during the first 30 s of an hour.
          { timestamp: String(hour), event_name: 'api_call', payload: { stripe_customer_id: 'cus_9', value: '2.5' } },
        ],
        PAYLOAD_KEYS,
      ),
    );
    expect((await runCli(['upload', file, '--base-url', suite.emu.url])).code).toBe(0);
    const table = await runCli(['summaries', 'api_call', '--customer', 'cus_9', '--from', '-3h', '--to', 'now', '--window', 'hour', '--base-url', suite.emu.url]);
    expect(table.code).toBe(0);
    const rows = table.stdout.split('\n').filter((l) => /^\d{4}-/.test(l));
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/^\S+ +\S+ +10 +█{20}$/);
    expect(rows[1]).toMatch(/^\S+ +\S+ +20 +█{40}$/);
    expect(rows[2]).toMatch(/^\S+ +\S+ +2\.5 +█████$/);
    expect(table.stdout).toMatch(/^total 32\.5$/m);
    expect(table.stderr).toMatch(/range widened/);
    const json = await runCli(['summaries', suite.meters.get('api_call') ?? '', '--customer', 'cus_9', '--from', String(hour - 7200), '--to', String(hour + 3600), '--json', '--base-url', suite.emu.url]);
    expect(JSON.parse(json.stdout)).toMatchObject([{ aggregated_value: 32.5, start_time: hour - 7200, end_time: hour + 3600 }]);
  });
});

describe('--help', () => {
  it('every command has help with examples', async () => {
    // Every command of the tree, so that a command added later is held to it too.
    const { buildProgram } = await import('../src/cli/program.js');
    const paths = (cmd: { name(): string; commands: readonly unknown[] }, prefix: string[]): string[][] =>
      (cmd.commands as Array<{ name(): string; commands: readonly unknown[] }>).filter((c) => c.name() !== 'help' && c.name() !== 'emulator').flatMap((c) => [[...prefix, c.name()], ...paths(c, [...prefix, c.name()])]);
    const tree = paths(buildProgram({} as Parameters<typeof buildProgram>[0], async () => 0, () => undefined), []);
    expect(tree).toEqual(expect.arrayContaining([['upload'], ['meters', 'list'], ['summaries'], ['outbox', 'status'], ['outbox', 'migrate']]));
    for (const args of [[], ...tree]) {
      const result = await runCli([...args, '--help']);
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout, args.join(' ')).toMatch(/Usage: stripe-meters/);
      expect(result.stdout, args.join(' ')).toMatch(/Examples:\n {2}\$ stripe-meters/);
    }
    const emulator = await runCli(['emulator', '--help']);
    expect(emulator.code).toBe(0);
    expect(emulator.stdout).toMatch(/Usage: stripe-meters emulator/);
    expect(emulator.stdout).toMatch(/Examples:\n {2}\$ stripe-meters emulator/);
  });

  it('marks required options, names the environment variables beside each other, and uses one event name in examples', async () => {
    const summaries = (await runCli(['summaries', '--help'])).stdout;
    const marked = (help: string, option: string) => new RegExp(`${option}(?:(?!\\n  -)[\\s\\S])*\\(required\\)`).test(help);
    for (const option of ['--customer <id>', '--from <time>', '--to <time>']) expect(marked(summaries, option), option).toBe(true);
    expect(marked(summaries, '--window <window>')).toBe(false);
    const create = (await runCli(['meters', 'create', '--help'])).stdout;
    for (const option of ['--display-name <name>', '--event-name <name>', '--formula <formula>']) expect(marked(create, option), option).toBe(true);
    for (const args of [[], ['upload'], ['summaries'], ['meters']]) {
      const help = (await runCli([...args, '--help'])).stdout;
      expect(help, args.join(' ')).toMatch(/STRIPE_SECRET_KEY .*\n +STRIPE_METERS_BASE_URL /);
    }
    const everything = (await Promise.all([[], ['upload'], ['meters'], ['summaries'], ['emulator']].map((args) => runCli([...args, '--help'])))).map((r) => r.stdout).join('\n');
    expect(everything).toMatch(/api_call/);
    expect(everything).not.toMatch(/api_calls/);
  });
});

describe('the emulator answers a stream request made with an API key', () => {
  it('saying it takes a session token, not that a session expired', async () => {
    const response = await fetch(`${suite.emu.url}/v2/billing/meter_event_stream`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ events: [{ event_name: 'api_call', payload: { stripe_customer_id: 'c', value: '1' } }] }) });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { message: string } };
    expect(body.error.message).toMatch(/takes a meter event session token, not an API key: create a session with POST \/v2\/billing\/meter_event_session/);
    expect(body.error.message).not.toMatch(/expired/);
  });
});
