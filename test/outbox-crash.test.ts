// Process death on SQLite: a producer recording 10,000 events a second and a relay delivering them
// to the emulator over HTTP, each killed with SIGKILL at seeded random points, then an uncaught
// exception and process.exit() in each. Every acknowledged event must be stored, and every stored
// event counted exactly once at the emulator (which counts every accepted copy).
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveEmulator, type RunningEmulator } from '../src/emulator/server.node.js';
import { StripeMeters } from '../src/index.js';
import { createOutbox } from '../src/outbox/index.js';
import { sqliteStore } from '../src/outbox/sqlite.node.js';
import { generator } from '../src/emulator/faults.js';
import { kill, sleep, startChild, type Child } from './outbox-children.js';
import { copiesAt, countedAt, createMeter, CUSTOMERS, KEY, tempDir, until } from './outbox-kit.js';

let server: RunningEmulator;
let stripe: StripeMeters;
let meterId: string;
const temp = tempDir();

beforeAll(async () => {
  server = await serveEmulator({ onWarning: () => undefined });
  stripe = new StripeMeters(KEY, { fetch: server.emulator.fetch });
  meterId = await createMeter(stripe);
});
afterAll(async () => {
  await server.close();
  temp.remove();
});

describe('outbox on SQLite, killed', () => {
  it('loses nothing and counts nothing twice when producer and relay die again and again', async () => {
    const path = join(temp.dir, 'usage.db');
    // The kill points are drawn from a seed (mulberry32, the emulator's fault generator), so a failing run can be repeated.
    const random = generator(20260115);
    const acked: string[] = [];
    const producer = (ending = 'run', afterMs = 0) => startChild(['producer', 'sqlite', path, server.url, ending, String(afterMs)], acked);
    const relay = (ending = 'run', afterMs = 0) => startChild(['relay', 'sqlite', path, server.url, ending, String(afterMs)]);
    // The first open creates the tables (two processes creating them at once would race on it).
    sqliteStore(path).close();
    let p: Child = producer();
    let r: Child = relay();
    await Promise.all([p.started, r.started]);
    const ended: string[] = [];
    for (let round = 0; round < 6; round++) {
      await sleep(250 + random() * 500);
      const which = random();
      if (which < 0.4 || which >= 0.7) {
        await kill(p);
        p = producer();
      }
      if (which >= 0.4) {
        await kill(r);
        r = relay();
      }
      await Promise.all([p.started, r.started]);
    }
    // An uncaught exception, then process.exit() without close(), in each.
    for (const ending of ['throw', 'exit']) {
      await kill(p);
      await kill(r);
      p = producer(ending, 300 + random() * 300);
      r = relay(ending, 300 + random() * 300);
      ended.push(String(await p.exited), String(await r.exited));
    }
    expect(ended).toEqual(['1', '1', '0', '0']);
    expect(acked.length).toBeGreaterThan(5000);

    // A last relay, in this process, drains what is left.
    const outbox = createOutbox(stripe, { store: sqliteStore(path), pollIntervalMs: 5, leaseMs: 2000 });
    outbox.start();
    await until(async () => {
      const s = await outbox.stats();
      return s.pending + s.inFlight === 0;
    }, 30_000, 'the drain');
    const stats = await outbox.stats();
    await outbox.close();

    const db = new Database(path, { readonly: true });
    const rows = db.prepare('SELECT identifier, payload, state FROM stripe_meters_outbox').all() as Array<{ identifier: string; payload: string; state: string }>;
    db.close();
    expect(stats).toMatchObject({ dead: 0, held: 0, delivered: rows.length });
    // Nothing acknowledged is missing from the store...
    const stored = new Set(rows.map((row) => row.identifier));
    expect(stored.size).toBe(rows.length);
    expect(acked.filter((id) => !stored.has(id))).toEqual([]);
    // ...and every stored event counted exactly once.
    const expected = new Array<number>(CUSTOMERS).fill(0);
    for (const row of rows) expected[Number((JSON.parse(row.payload) as { stripe_customer_id: string }).stripe_customer_id.slice(4))]! += 1;
    expect(await countedAt(stripe, meterId)).toEqual(expected);
    expect(copiesAt(server.emulator, stored)).toEqual({ missing: [], twice: [], unexpected: 0 });
  }, 90_000);
});
