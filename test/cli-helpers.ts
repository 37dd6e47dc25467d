// Helpers for the command-line tests: the emulator over HTTP on a free loopback port, the built
// CLI as a child process, usage files in Stripe's template and their expected totals.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { serveEmulator, type RunningEmulator } from '../src/emulator/server.node.js';
import { StripeMeters } from '../src/index.js';

export const CLI = join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js');
export const KEY = 'sk_test_cli';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'stripe-meters-cli-'));
}

export async function startEmulator(): Promise<RunningEmulator & { stripe: StripeMeters }> {
  const running = await serveEmulator({ port: 0, host: '127.0.0.1' });
  return { ...running, stripe: new StripeMeters(KEY, { baseUrl: running.url, meterEventsBaseUrl: running.url, maxNetworkRetries: 0 }) };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts the CLI; `done` resolves when it exits. */
export function startCli(args: string[], env: Record<string, string> = {}, cwd?: string): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', STRIPE_SECRET_KEY: KEY, ...env }, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

export function runCli(args: string[], env?: Record<string, string>, cwd?: string): Promise<CliResult> {
  return startCli(args, env, cwd).done;
}

/** A row of a usage file, as the template's columns. */
export interface UsageRow {
  identifier?: string;
  timestamp: string;
  event_name: string;
  payload: Record<string, string>;
}

export function csvOf(rows: UsageRow[], payloadKeys: string[]): string {
  const q = (v: string) => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  const lines = [['identifier', 'timestamp', 'event_name', ...payloadKeys.map((k) => `payload_${k}`)].join(',')];
  for (const r of rows) lines.push([r.identifier ?? '', r.timestamp, r.event_name, ...payloadKeys.map((k) => r.payload[k] ?? '')].map(q).join(','));
  return `${lines.join('\n')}\n`;
}

function jsonRow(r: UsageRow): Record<string, string> {
  const o: Record<string, string> = {};
  if (r.identifier !== undefined) o.identifier = r.identifier;
  o.timestamp = r.timestamp;
  o.event_name = r.event_name;
  for (const [k, v] of Object.entries(r.payload)) o[`payload_${k}`] = v;
  return o;
}

export const jsonOf = (rows: UsageRow[]): string => `[\n${rows.map((r) => JSON.stringify(jsonRow(r))).join(',\n')}\n]\n`;
export const jsonLinesOf = (rows: UsageRow[]): string => `${rows.map((r) => JSON.stringify(jsonRow(r))).join('\n')}\n`;

export interface Dataset {
  rows: UsageRow[];
  /** 1-based row numbers of the rows the upload must refuse. */
  bad: Set<number>;
  /** event name -> customer -> hour start -> sum of values */
  totals: Map<string, Map<string, Map<number, number>>>;
  from: number;
  to: number;
}

export const METERS = [
  { event_name: 'api_call', display_name: 'API calls', customer: 'stripe_customer_id', value: 'value' },
  { event_name: 'llm_tokens', display_name: 'LLM tokens', customer: 'account', value: 'tokens' },
] as const;
export const PAYLOAD_KEYS = ['stripe_customer_id', 'value', 'account', 'tokens'];

/** A deterministic pseudo-random generator (tests must not depend on luck): the emulator's. */
import { generator as random } from '../src/emulator/faults.js';
export { random };

/**
 * `n` rows over the last 30 hours for 20 customers on two meters (default and custom payload keys),
 * timestamps in unix seconds and ISO forms, with a handful of bad rows at fixed places.
 */
export function dataset(n: number, nowSeconds: number, seed = 1): Dataset {
  const rand = random(seed);
  const rows: UsageRow[] = [];
  const totals: Dataset['totals'] = new Map();
  const from = Math.floor((nowSeconds - 30 * 3600) / 3600) * 3600;
  const badAt = new Map<number, UsageRow>();
  const stamp = nowSeconds - 60;
  const badRows: UsageRow[] = [
    { timestamp: 'yesterday', event_name: 'api_call', payload: { stripe_customer_id: 'cus_1', value: '1' } },
    { timestamp: String(nowSeconds - 36 * 86_400), event_name: 'api_call', payload: { stripe_customer_id: 'cus_1', value: '1' } },
    { timestamp: String(nowSeconds + 3600), event_name: 'api_call', payload: { stripe_customer_id: 'cus_1', value: '1' } },
    { timestamp: String(stamp), event_name: 'no_such_meter', payload: { stripe_customer_id: 'cus_1', value: '1' } },
    { timestamp: String(stamp), event_name: 'api_call', payload: { value: '1' } },
    { timestamp: String(stamp), event_name: 'llm_tokens', payload: { account: 'cus_2', tokens: 'lots' } },
    { timestamp: String(stamp), event_name: 'llm_tokens', payload: { stripe_customer_id: 'cus_2', tokens: '5' } },
  ];
  badRows.forEach((row, i) => badAt.set(Math.floor(((i + 1) * n) / (badRows.length + 1)), row));
  for (let i = 1; i <= n; i++) {
    const bad = badAt.get(i);
    if (bad !== undefined) {
      rows.push(bad);
      continue;
    }
    const meter = METERS[rand() < 0.7 ? 0 : 1];
    const customer = `cus_${1 + Math.floor(rand() * 20)}`;
    const value = 1 + Math.floor(rand() * 9);
    const ts = from + Math.floor(rand() * (nowSeconds - 120 - from));
    const timestamp = i % 3 === 0 ? new Date(ts * 1000).toISOString().replace('.000Z', 'Z') : String(ts);
    rows.push({ timestamp, event_name: meter.event_name, payload: { [meter.customer]: customer, [meter.value]: String(value) } });
    const byCustomer = totals.get(meter.event_name) ?? new Map<string, Map<number, number>>();
    totals.set(meter.event_name, byCustomer);
    const byHour = byCustomer.get(customer) ?? new Map<number, number>();
    byCustomer.set(customer, byHour);
    const hour = Math.floor(ts / 3600) * 3600;
    byHour.set(hour, (byHour.get(hour) ?? 0) + value);
  }
  return { rows, bad: new Set(badAt.keys()), totals, from, to: Math.ceil((nowSeconds + 1) / 3600) * 3600 };
}

/** Creates the dataset's meters on the emulator; returns their ids by event name. */
export async function createMeters(stripe: StripeMeters): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const m of METERS) {
    const meter = await stripe.billing.meters.create({
      display_name: m.display_name,
      event_name: m.event_name,
      default_aggregation: { formula: 'sum' },
      customer_mapping: { type: 'by_id', event_payload_key: m.customer },
      value_settings: { event_payload_key: m.value },
    });
    ids.set(m.event_name, meter.id);
  }
  return ids;
}

/** What the emulator's hourly summaries say, in the dataset's totals shape (empty hours left out). */
export async function hourlySummaries(stripe: StripeMeters, meters: Map<string, string>, d: Dataset): Promise<Dataset['totals']> {
  const out: Dataset['totals'] = new Map();
  for (const [eventName, id] of meters) {
    const byCustomer = new Map<string, Map<number, number>>();
    for (let c = 1; c <= 20; c++) {
      const customer = `cus_${c}`;
      const summaries = await stripe.billing.meters
        .listEventSummaries(id, { customer, start_time: d.from, end_time: d.to, value_grouping_window: 'hour', limit: 100 })
        .autoPagingToArray({ limit: 10_000 });
      const byHour = new Map<number, number>();
      for (const s of summaries) if (s.aggregated_value !== 0) byHour.set(s.start_time, s.aggregated_value);
      if (byHour.size > 0) byCustomer.set(customer, byHour);
    }
    if (byCustomer.size > 0) out.set(eventName, byCustomer);
  }
  return out;
}

/** Maps sorted into plain objects, so that a failing comparison shows a readable diff. */
export function plain(totals: Dataset['totals']): Record<string, Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, Record<string, number>>> = {};
  for (const [e, byCustomer] of [...totals].sort()) {
    out[e] = {};
    for (const [c, byHour] of [...byCustomer].sort()) (out[e] as Record<string, Record<string, number>>)[c] = Object.fromEntries([...byHour].sort((a, b) => a[0] - b[0]).map(([h, v]) => [String(h), v]));
  }
  return out;
}

export function writeFile(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/**
 * The setup every command line suite shares: one emulator over HTTP for the file, reset before
 * each test with the two meters created again, and a temporary directory removed at the end.
 */
export function useEmulator(): { readonly emu: Awaited<ReturnType<typeof startEmulator>>; meters: Map<string, string>; readonly dir: string } {
  const state = { emu: undefined as unknown as Awaited<ReturnType<typeof startEmulator>>, meters: new Map<string, string>(), dir: tempDir() };
  beforeAll(async () => {
    state.emu = await startEmulator();
  });
  afterAll(async () => {
    await state.emu.close();
    rmSync(state.dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    state.emu.emulator.reset();
    state.meters = await createMeters(state.emu.stripe);
  });
  return state;
}
