// The outbox in a real PostgreSQL server (a throwaway cluster for this file): the caller's
// transaction, migrations, SKIP LOCKED claims, leases, typed store errors, the command line, and
// three relay processes delivering 100,000 events while one of them is killed about every second.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveEmulator, type RunningEmulator } from '../src/emulator/server.node.js';
import { StripeMeters } from '../src/index.js';
import { prepareEvent } from '../src/outbox/deliver.js';
import { createOutbox, OutboxStoreError } from '../src/outbox/index.js';
import { migrate, migrationScript, postgresStore } from '../src/outbox/postgres.node.js';
import { runCli } from './cli-helpers.js';
import { generator } from '../src/emulator/faults.js';
import { kill, sleep, startChild, type Child } from './outbox-children.js';
import { copiesAt, countedAt, createMeter, expectedCounts, KEY, range, total, until, usage } from './outbox-kit.js';
import { startCluster, type Cluster } from './outbox-postgres-cluster.js';

let cluster: Cluster;
let server: RunningEmulator;
let stripe: StripeMeters;
let meterId: string;

/** A fresh database in the cluster, and a pool on it. */
const database = () => cluster.database('outbox');

beforeAll(async () => {
  [cluster, server] = await Promise.all([startCluster(), serveEmulator({ onWarning: () => undefined })]);
  stripe = new StripeMeters(KEY, { fetch: server.emulator.fetch });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await cluster?.stop();
});

async function freshMeter(): Promise<string> {
  server.emulator.reset();
  return (meterId = await createMeter(stripe));
}

describe('outbox on PostgreSQL', () => {
  it('while the meters cannot be listed, events wait without counting attempts, then are delivered once', async () => {
    await freshMeter();
    const { pool } = await database();
    server.emulator.setFaults([{ path: '/v1/billing/meters', method: 'GET', fault: 'error', status: 403 }]);
    let blocked = 0;
    const outbox = createOutbox(stripe, { store: postgresStore(pool), pollIntervalMs: 10, onNotice: (n) => void (n.type === 'blocked' && blocked++) });
    const event = await outbox.record(usage(0));
    outbox.start();
    try {
      // Read between claims (settled, lease released): a claim under way has counted its attempt.
      let rows: unknown[] = [];
      await until(async () => {
        rows = (await pool.query('SELECT attempts, first_attempt_at, last_error IS NOT NULL AS failed FROM stripe_meters_outbox WHERE identifier = $1 AND lease_owner IS NULL', [event.identifier])).rows;
        return blocked >= 2 && rows.length === 1;
      }, 10_000, 'two blocked claims, settled');
      expect(rows).toEqual([{ attempts: 0, first_attempt_at: null, failed: true }]);
    } finally {
      server.emulator.setFaults([]);
    }
    await until(async () => (await outbox.stats()).delivered === 1, 10_000, 'delivery once the meters can be read');
    await outbox.close();
    await pool.end();
    expect(server.emulator.countAccepted(event.identifier)).toBe(1);
  });

  it("records inside the caller's transaction: a rollback sends nothing, a commit sends once", async () => {
    await freshMeter();
    const { pool } = await database();
    const outbox = createOutbox(stripe, { store: postgresStore(pool), pollIntervalMs: 10 });
    outbox.start();
    await pool.query('CREATE TABLE orders (id serial PRIMARY KEY, customer text)');
    const order = async (i: number, commit: boolean) => {
      const tx = await pool.connect();
      try {
        await tx.query('BEGIN');
        await tx.query('INSERT INTO orders (customer) VALUES ($1)', [`cus_${i}`]);
        await outbox.record(usage(i), { client: tx });
        // Not committed yet: no relay may see it.
        await sleep(30);
        await tx.query(commit ? 'COMMIT' : 'ROLLBACK');
      } finally {
        tx.release();
      }
    };
    await order(0, false);
    await order(1, true);
    await order(2, false);
    await until(async () => (await outbox.stats()).delivered === 1, 5000, 'the committed event');
    await sleep(100);
    expect(await outbox.stats()).toMatchObject({ recorded: 1, delivered: 1, pending: 0 });
    expect((await pool.query('SELECT count(*)::int AS n FROM orders')).rows[0]).toEqual({ n: 1 });
    await outbox.close();
    expect(await countedAt(stripe, meterId)).toEqual(expectedCounts([1]));
    await pool.end();
  });

  it('migrates once however many start at once, and prints the same schema for your own tool', async () => {
    const a = await database();
    const applied = await Promise.all([migrate(a.pool), migrate(a.pool), migrate(a.pool)]);
    expect(applied.flat()).toEqual([1, 2]);
    expect(await migrate(a.pool)).toEqual([]);
    const b = await database();
    await b.pool.query(migrationScript());
    expect(await migrate(b.pool)).toEqual([]);
    const store = postgresStore(b.pool, { migrate: false });
    await store.insert([prepareEvent(usage(1), Date.now())]);
    expect((await store.stats(Date.now(), 0)).pending).toBe(1);
    // Without the tables and without migrating: a typed error, nothing stored.
    const c = await database();
    await expect(postgresStore(c.pool, { migrate: false }).insert([prepareEvent(usage(1), Date.now())])).rejects.toThrow(OutboxStoreError);
    await Promise.all([a.pool.end(), b.pool.end(), c.pool.end()]);
  });

  it('never gives one event to two relays, and takes over a claim when its lease ends', async () => {
    const { pool } = await database();
    const stores = [postgresStore(pool), postgresStore(pool), postgresStore(pool)];
    await stores[0]!.insert(range(3000).map((i) => prepareEvent(usage(i), Date.now())));
    // A lease far longer than the test: nothing can be taken over while it holds, however slow the machine.
    const LEASE_MS = 3_600_000;
    const claims = await Promise.all(stores.flatMap((s, i) => [s.claim(`relay-${i}`, 600, LEASE_MS, 0), s.claim(`relay-${i}b`, 600, LEASE_MS, 0)]));
    const ids = claims.flatMap((c) => c.events.map((e) => e.id));
    expect(ids.length).toBe(3000);
    expect(new Set(ids).size).toBe(3000);
    expect((await stores[0]!.claim('late', 100, LEASE_MS, 0)).events).toEqual([]);
    // The leases end: moved into the past on the database's clock (the one leases are read on), as
    // an hour passing would, instead of sleeping past a short lease.
    const { rowCount } = await pool.query(`UPDATE stripe_meters_outbox SET lease_until = lease_until - $1 WHERE lease_until IS NOT NULL`, [LEASE_MS + 1]);
    expect(rowCount).toBe(3000);
    const taken = await stores[1]!.claim('late', 5000, LEASE_MS, 0);
    expect(taken.events.length).toBe(3000);
    expect(taken.events.every((e) => e.attempts === 2)).toBe(true);
    await pool.end();
  });

  it("holds an event first sent 23.5 hours ago by the database's clock, and sends nothing", async () => {
    await freshMeter();
    const { pool } = await database();
    const outbox = createOutbox(stripe, { store: postgresStore(pool), pollIntervalMs: 10 });
    const held = await outbox.record(usage(0));
    const fresh = await outbox.record(usage(1));
    // Claimed once before, long ago, and never known to be delivered (a relay died mid-send).
    await pool.query(`UPDATE stripe_meters_outbox SET attempts = 1, first_attempt_at = (extract(epoch from now()) * 1000)::bigint - 84600000 WHERE identifier = $1`, [held.identifier]);
    outbox.start();
    await until(async () => (await outbox.stats()).held === 1 && (await outbox.stats()).delivered === 1, 5000, 'the hold');
    await outbox.close();
    expect(copiesAt(server.emulator, [held.identifier, fresh.identifier])).toEqual({ missing: [held.identifier], twice: [], unexpected: 0 });
    await pool.end();
  });

  it('rejects record() with a typed error when the database is read-only or unreachable', async () => {
    const { url, pool } = await database();
    await migrate(pool);
    await pool.query(`ALTER DATABASE ${url.split('/').pop()} SET default_transaction_read_only = on`);
    await pool.end();
    const { default: pgModule } = await import('pg');
    const readOnly = new pgModule.Pool({ connectionString: url, max: 2 });
    const outbox = createOutbox(stripe, { store: postgresStore(readOnly) });
    await expect(outbox.record(usage(1))).rejects.toMatchObject({ name: 'OutboxStoreError', code: 'read_only' });
    await outbox.close();
    await readOnly.end();
    const nowhere = new pgModule.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/postgres', max: 1 });
    const down = createOutbox(stripe, { store: postgresStore(nowhere) });
    await expect(down.record(usage(1))).rejects.toMatchObject({ name: 'OutboxStoreError', code: 'unavailable' });
    await nowhere.end();
  });

  it('stripe-meters outbox status, dead-letters, retry and migrate work on PostgreSQL', async () => {
    await freshMeter();
    const { url, pool } = await database();
    const printed = await runCli(['outbox', 'migrate', '--print']);
    expect(printed.stdout).toContain('CREATE TABLE stripe_meters_outbox');
    expect((await runCli(['outbox', 'migrate', '--postgres', url])).stdout).toMatch(/applied migration\(s\) 1, 2$/m);
    const outbox = createOutbox(stripe, { store: postgresStore(pool), via: 'v1', pollIntervalMs: 10 });
    await outbox.record(usage(1));
    const refused = await outbox.record({ event_name: 'unknown_meter', payload: { stripe_customer_id: 'cus_1', value: 1 } });
    outbox.start();
    await until(async () => (await outbox.stats()).dead === 1 && (await outbox.stats()).delivered === 1, 5000, 'a dead letter');
    const status = await runCli(['outbox', 'status', '--postgres', url, '--json']);
    expect(status.code).toBe(2);
    expect(JSON.parse(status.stdout)).toMatchObject({ recorded: 2, delivered: 1, dead: 1, pending: 0 });
    const letters = await runCli(['outbox', 'dead-letters', '--postgres', url]);
    expect(letters.stdout).toContain(refused.identifier);
    expect(letters.stdout).toMatch(/OutboxMeterError: Not sent: no active meter would count this event/);
    await createMeter(stripe, 'unknown_meter');
    const retried = await runCli(['outbox', 'retry', '--all', '--postgres', url]);
    expect(retried.stdout).toMatch(/^1 dead letter/);
    await until(async () => (await outbox.stats()).delivered === 2, 5000, 'the retried letter');
    expect((await runCli(['outbox', 'status', '--postgres', url])).code).toBe(0);
    await outbox.close();
    await pool.end();
  });

  it('three relays deliver 100,000 events exactly once while one of them is killed about every second', async () => {
    await freshMeter();
    const { url, pool } = await database();
    const store = postgresStore(pool);
    const now = Date.now();
    const identifiers: string[] = [];
    for (let from = 0; from < 100_000; from += 10_000) {
      const events = range(10_000).map((i) => prepareEvent(usage(from + i), now));
      identifiers.push(...events.map((e) => e.identifier));
      await store.insert(events);
    }
    // The kill points are drawn from a seed (mulberry32, the emulator's fault generator), so a failing run can be repeated.
    const random = generator(17);
    const relay = () => startChild(['relay', 'postgres', url, server.url]);
    const relays: Child[] = [relay(), relay(), relay()];
    let kills = 0;
    const deadline = Date.now() + 90_000;
    for (;;) {
      const stats = await store.stats(Date.now(), 0);
      if (stats.delivered === 100_000 || Date.now() > deadline) break;
      await sleep(700 + random() * 600);
      const victim = Math.floor(random() * 3);
      await kill(relays[victim]!);
      kills++;
      relays[victim] = relay();
    }
    await Promise.all(relays.map(kill));
    const stats = await store.stats(Date.now(), 0);
    await store.close();
    await pool.end();
    expect(kills).toBeGreaterThanOrEqual(3);
    expect(stats).toMatchObject({ recorded: 100_000, delivered: 100_000, dead: 0, held: 0 });
    const counted = await countedAt(stripe, meterId);
    expect(total(counted)).toBe(100_000);
    expect(counted).toEqual(expectedCounts(range(100_000)));
    expect(copiesAt(server.emulator, identifiers)).toEqual({ missing: [], twice: [], unexpected: 0 });
  }, 120_000);
});
