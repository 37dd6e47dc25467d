// One event per identifier, on both stores (a real SQLite file; a throwaway PostgreSQL cluster),
// delivering to the in-process emulator, which keeps every accepted copy and counts what Stripe
// would count. Stripe keeps only the first event with an identifier and drops a second one
// silently: an outbox that stored both would say "delivered" for usage that never counted.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StripeInvalidParameterError } from '../src/index.js';
import { createOutbox, OutboxDuplicateIdentifierError, OutboxStoreError, type Outbox, type OutboxStore } from '../src/outbox/index.js';
import { migrate, migrationScript, postgresStore } from '../src/outbox/postgres.node.js';
import { MIGRATIONS } from '../src/outbox/postgres-schema.js';
import { sqliteStore } from '../src/outbox/sqlite.node.js';
import { runCli } from './cli-helpers.js';
import { sleep } from './outbox-children.js';
import { copiesAt, countedAt, EVENT, inProcess, tempDir, total, until } from './outbox-kit.js';
import { startCluster, type Cluster } from './outbox-postgres-cluster.js';

const HOUR = 3_600_000;
let cluster: Cluster;
const cleanups: Array<() => unknown> = [];

beforeAll(async () => {
  cluster = await startCluster();
}, 60_000);
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await cluster?.stop();
});

/** A fresh PostgreSQL database and a pool on it (ended after the test). */
async function database(): Promise<{ url: string; pool: pg.Pool }> {
  const made = await cluster.database('dup');
  cleanups.push(() => made.pool.end());
  return made;
}

/** A store of each kind, with plain SQL on its tables (both use the same table and column names). */
interface Kind {
  name: 'sqlite' | 'postgres';
  open(): Promise<{ store: () => OutboxStore; sql: (text: string) => Promise<Array<Record<string, unknown>>>; where: string[] }>;
}

const kinds: Kind[] = [
  {
    name: 'sqlite',
    async open() {
      const t = tempDir();
      const path = join(t.dir, 'usage.db');
      const db = new Database(path);
      cleanups.push(t.remove, () => db.close());
      return {
        store: () => sqliteStore(path),
        sql: async (text) => (/^\s*select/i.test(text) ? (db.prepare(text).all() as Array<Record<string, unknown>>) : (db.prepare(text).run(), [])),
        where: ['--sqlite', path],
      };
    },
  },
  {
    name: 'postgres',
    async open() {
      const { url, pool } = await database();
      await migrate(pool);
      return { store: () => postgresStore(pool), sql: async (text) => (await pool.query(text)).rows, where: ['--postgres', url] };
    },
  },
];

const order = (n: number, value = 1) => ({ event_name: EVENT, identifier: `order_${n}_usage`, payload: { stripe_customer_id: 'cus_1', value } });
const rowsOf = async (sql: (text: string) => Promise<Array<Record<string, unknown>>>) =>
  (await sql('SELECT identifier, payload, "timestamp" AS ts FROM stripe_meters_outbox ORDER BY id')).map((r) => ({ identifier: r['identifier'], payload: typeof r['payload'] === 'string' ? (JSON.parse(r['payload']) as unknown) : r['payload'], timestamp: r['ts'] }));

describe.each(kinds)('one event per identifier on $name', (kind) => {
  async function setup(options: { now?: () => number; via?: 'v1' } = {}) {
    const { emulator, stripe, meterId } = await inProcess();
    const db = await kind.open();
    const outbox = createOutbox(stripe, { store: db.store(), pollIntervalMs: 5, ...options });
    cleanups.push(() => outbox.close());
    return { emulator, stripe, meterId, outbox, ...db };
  }

  it('the same event again is the event as stored: its first timestamp, nothing new stored, counted once', async () => {
    let clock = Date.now() - 60_000;
    const { emulator, stripe, meterId, outbox, sql } = await setup({ now: () => clock });
    const first = await outbox.record(order(1));
    clock += 30_000;
    // A caller retrying a record() whose outcome it did not learn: the same identifier, no timestamp of its own.
    const again = await outbox.record(order(1));
    expect(again).toEqual(first);
    expect(again.timestamp).not.toBe(new Date(clock).toISOString());
    // The payload's keys in another order, a number as its string: the same event to Stripe.
    expect(await outbox.record({ event_name: EVENT, identifier: 'order_1_usage', payload: { value: '1', stripe_customer_id: 'cus_1' } })).toEqual(first);
    expect(await rowsOf(sql)).toEqual([{ identifier: 'order_1_usage', payload: first.payload, timestamp: first.timestamp }]);
    expect(await outbox.stats()).toMatchObject({ recorded: 1, pending: 1 });
    outbox.start();
    await until(async () => (await outbox.stats()).delivered === 1, 5000, 'delivery');
    // Delivered, not yet pruned: still the same event, still nothing new.
    clock += 30_000;
    expect(await outbox.record(order(1))).toEqual(first);
    await sleep(50);
    expect(await outbox.stats()).toMatchObject({ recorded: 1, delivered: 1, pending: 0 });
    expect(copiesAt(emulator, ['order_1_usage'])).toEqual({ missing: [], twice: [], unexpected: 0 });
    expect(total(await countedAt(stripe, meterId))).toBe(1);
  });

  it('another event with a held identifier is refused with a typed error, and nothing is stored', async () => {
    const { outbox, sql } = await setup();
    const first = await outbox.record(order(2, 1));
    const refused = await outbox.record(order(2, 5)).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(OutboxDuplicateIdentifierError);
    expect(refused).toBeInstanceOf(StripeInvalidParameterError);
    expect(refused).toMatchObject({ name: 'OutboxDuplicateIdentifierError', param: 'identifier', identifier: 'order_2_usage', stored: first });
    expect((refused as Error).message).toMatch(/"order_2_usage".*another payload/);
    await expect(outbox.record({ ...order(2, 1), event_name: 'other_usage' })).rejects.toThrow(/order_2_usage.*event_name "outbox_usage"/);
    // A payload with one key more, or one less.
    await expect(outbox.record({ ...order(2, 1), payload: { ...order(2, 1).payload, region: 'eu' } })).rejects.toThrow(OutboxDuplicateIdentifierError);
    await expect(outbox.record({ ...order(2, 1), payload: { value: 1 } })).rejects.toThrow(OutboxDuplicateIdentifierError);
    expect(await rowsOf(sql)).toEqual([{ identifier: 'order_2_usage', payload: first.payload, timestamp: first.timestamp }]);
    // Held for a person's decision: the identifier is still the outbox's.
    await sql(`UPDATE stripe_meters_outbox SET state = 'held', held_at = 1, held_reason = 'test' WHERE identifier = 'order_2_usage'`);
    await expect(outbox.record(order(2, 5))).rejects.toThrow(OutboxDuplicateIdentifierError);
    expect(await outbox.record(order(2, 1))).toEqual(first);
    expect(await outbox.stats()).toMatchObject({ recorded: 1, held: 1 });
  });

  it('a timestamp the caller gave is part of the event: another one with the same identifier is refused; the same instant, or none, is the same event', async () => {
    const { outbox, sql } = await setup();
    const at = new Date(Date.now() - HOUR);
    const first = await outbox.record({ ...order(8), timestamp: at });
    expect(await outbox.record({ ...order(8), timestamp: at.toISOString() })).toEqual(first);
    // No timestamp of its own: a record() retried after an unknown outcome, stamped now.
    expect(await outbox.record(order(8))).toEqual(first);
    const refused = await outbox.record({ ...order(8), timestamp: new Date(at.getTime() + 1000) }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(OutboxDuplicateIdentifierError);
    expect((refused as Error).message).toMatch(/"order_8_usage".*another timestamp/);
    expect(await rowsOf(sql)).toEqual([{ identifier: 'order_8_usage', payload: first.payload, timestamp: first.timestamp }]);
  });

  it('two events with one identifier never reach Stripe as two: the first counts, the other is refused', async () => {
    const { emulator, stripe, meterId, outbox } = await setup();
    await outbox.record(order(3, 1));
    await expect(outbox.record(order(3, 7))).rejects.toThrow(OutboxDuplicateIdentifierError);
    outbox.start();
    await until(async () => (await outbox.stats()).delivered === 1, 5000, 'delivery');
    await expect(outbox.record(order(3, 7))).rejects.toThrow(OutboxDuplicateIdentifierError);
    await sleep(50);
    expect(await outbox.stats()).toMatchObject({ recorded: 1, delivered: 1, pending: 0, dead: 0 });
    expect(emulator.events({}).filter((e) => e.identifier === 'order_3_usage')).toHaveLength(1);
    expect(total(await countedAt(stripe, meterId))).toBe(1);
  });

  it('record() calls with one identifier at once (one group commit): one stored, the same event resolved, another refused', async () => {
    const { emulator, stripe, meterId, outbox, sql } = await setup();
    // Enough for several INSERT statements per commit: duplicates in the same statement as their first and in later ones.
    const calls: Array<{ event: ReturnType<typeof order>; outcome: 'stored' | 'same' | 'refused' }> = [];
    for (let i = 0; i < 130; i++) {
      if (i === 0 || i === 10) calls.push({ event: order(i === 0 ? 4 : 7, 1), outcome: 'stored' });
      else if (i === 20) calls.push({ event: order(7, 3), outcome: 'refused' });
      else if (i === 30 || i === 61 || i === 128) calls.push({ event: order(i === 30 ? 7 : 4, 1), outcome: 'same' });
      else if (i === 62 || i === 129) calls.push({ event: order(4, i === 62 ? 9 : 2), outcome: 'refused' });
      else calls.push({ event: order(1000 + i), outcome: 'stored' });
    }
    const outcomes = await Promise.allSettled(calls.map((c) => outbox.record(c.event)));
    const firstOf = new Map<string, unknown>();
    calls.forEach((c, i) => {
      const o = outcomes[i]!;
      if (c.outcome === 'refused') expect(o.status === 'rejected' && o.reason instanceof OutboxDuplicateIdentifierError).toBe(true);
      else expect(o.status).toBe('fulfilled');
      if (c.outcome === 'stored') firstOf.set(c.event.identifier, (o as PromiseFulfilledResult<unknown>).value);
      if (c.outcome === 'same') expect((o as PromiseFulfilledResult<unknown>).value).toEqual(firstOf.get(c.event.identifier));
    });
    const stored = calls.filter((c) => c.outcome === 'stored').map((c) => c.event.identifier);
    expect(stored).toHaveLength(124);
    expect((await sql(`SELECT count(*) AS n FROM stripe_meters_outbox WHERE identifier IN ('order_4_usage', 'order_7_usage')`))[0]).toEqual({ n: kind.name === 'sqlite' ? 2 : '2' });
    expect((await outbox.stats()).recorded).toBe(124);
    outbox.start();
    await until(async () => (await outbox.stats()).delivered === 124, 5000, 'delivery');
    expect(copiesAt(emulator, stored)).toEqual({ missing: [], twice: [], unexpected: 0 });
    expect(total(await countedAt(stripe, meterId))).toBe(124);
  });

  it('retry() leaves a dead letter whose identifier was recorded again, and says so (API and command line)', async () => {
    const { stripe, meterId, outbox, where } = await setup({ via: 'v1' });
    const dead = await outbox.record({ ...order(5), event_name: 'late_meter' });
    await outbox.record({ ...order(6), event_name: 'late_meter' });
    outbox.start();
    await until(async () => (await outbox.stats()).dead === 2, 5000, 'the dead letters');
    // The identifier recorded again (the caller fixed the event_name): the dead letter is not the outbox's to resend.
    await outbox.record(order(5));
    await stripe.billing.meters.create({ display_name: 'Late', event_name: 'late_meter', default_aggregation: { formula: 'sum' } });
    const cli = await runCli(['outbox', 'retry', '--all', ...where]);
    expect(cli.stdout).toMatch(/^1 dead letter\(s\) back in the outbox/);
    expect(cli.stdout).toMatch(/^1 dead letter\(s\) left in place: their identifier was recorded again since/m);
    await until(async () => (await outbox.stats()).delivered === 2, 5000, 'the retried letter');
    expect(await outbox.retry({ state: 'dead' })).toEqual({ requeued: 0, kept: 1 });
    expect(await outbox.letters()).toEqual([expect.objectContaining({ state: 'dead', identifier: dead.identifier, event_name: 'late_meter' })]);
    expect(await outbox.stats()).toMatchObject({ recorded: 3, delivered: 2, dead: 1, pending: 0 });
    expect(total(await countedAt(stripe, meterId))).toBe(1);
  });
});

describe('one event per identifier inside your PostgreSQL transaction', () => {
  async function setup() {
    const { emulator, stripe, meterId } = await inProcess();
    const { url, pool } = await database();
    await pool.query('CREATE TABLE orders (id serial PRIMARY KEY, note text)');
    const outbox = createOutbox(stripe, { store: postgresStore(pool), pollIntervalMs: 5 });
    cleanups.push(() => outbox.close());
    const begin = async () => {
      const tx = await pool.connect();
      await tx.query('BEGIN');
      return tx;
    };
    return { emulator, stripe, meterId, url, pool, outbox, begin };
  }
  const orders = async (pool: pg.Pool) => (await pool.query('SELECT note FROM orders ORDER BY id')).rows.map((r) => String(r['note']));

  it('refuses another event without aborting your transaction: your write commits, the first event stays', async () => {
    const { pool, outbox, begin, emulator, stripe, meterId } = await setup();
    const first = await outbox.record(order(1, 1));
    const tx = await begin();
    try {
      await tx.query(`INSERT INTO orders (note) VALUES ('before')`);
      await expect(outbox.record(order(1, 4), { client: tx })).rejects.toThrow(OutboxDuplicateIdentifierError);
      // The same event again, in the transaction: resolves with the stored one.
      expect(await outbox.record(order(1, 1), { client: tx })).toEqual(first);
      await tx.query(`INSERT INTO orders (note) VALUES ('after')`);
      await tx.query('COMMIT');
    } finally {
      tx.release();
    }
    expect(await orders(pool)).toEqual(['before', 'after']);
    outbox.start();
    await until(async () => (await outbox.stats()).delivered === 1, 5000, 'delivery');
    expect(await outbox.stats()).toMatchObject({ recorded: 1, delivered: 1 });
    expect(copiesAt(emulator, ['order_1_usage'])).toEqual({ missing: [], twice: [], unexpected: 0 });
    expect(total(await countedAt(stripe, meterId))).toBe(1);
  });

  it('sees its own transaction: a second event with an identifier recorded earlier in it is refused', async () => {
    const { pool, outbox, begin } = await setup();
    const tx = await begin();
    try {
      const first = await outbox.record(order(2, 1), { client: tx });
      await expect(outbox.record(order(2, 3), { client: tx })).rejects.toThrow(OutboxDuplicateIdentifierError);
      expect(await outbox.record(order(2, 1), { client: tx })).toEqual(first);
      await tx.query(`INSERT INTO orders (note) VALUES ('kept')`);
      await tx.query('COMMIT');
    } finally {
      tx.release();
    }
    expect(await orders(pool)).toEqual(['kept']);
    expect((await outbox.stats()).recorded).toBe(1);
  });

  it('a rolled-back transaction frees the identifier: recorded again, it is a new event', async () => {
    const { pool, outbox, begin, emulator } = await setup();
    const tx = await begin();
    try {
      await outbox.record(order(3, 1), { client: tx });
      await tx.query('ROLLBACK');
    } finally {
      tx.release();
    }
    const again = await outbox.record(order(3, 8));
    expect(again.payload).toEqual({ stripe_customer_id: 'cus_1', value: '8' });
    expect((await pool.query('SELECT count(*)::int AS n FROM stripe_meters_outbox')).rows[0]).toEqual({ n: 1 });
    outbox.start();
    await until(async () => (await outbox.stats()).delivered === 1, 5000, 'delivery');
    expect(emulator.events({}).filter((e) => e.identifier === 'order_3_usage').map((e) => e.value)).toEqual([8]);
  });

  it('concurrent transactions with one identifier: the second waits for the first, then is refused or resolved (or stores it, after a rollback)', async () => {
    const { pool, outbox, begin } = await setup();
    for (const [ending, second, expected] of [
      ['COMMIT', 9, 'refused'],
      ['COMMIT', 1, 'the first'],
      ['ROLLBACK', 9, 'stored'],
    ] as const) {
      const n = ending === 'COMMIT' ? second : 10;
      const [a, b] = [await begin(), await begin()];
      try {
        const first = await outbox.record(order(n, 1), { client: a });
        const racing = outbox.record(order(n, second), { client: b }).then(
          (event) => ({ event }),
          (error: unknown) => ({ error }),
        );
        // Blocked on the first transaction's row: neither stored nor refused yet.
        expect(await Promise.race([racing, sleep(150).then(() => 'waiting')])).toBe('waiting');
        await a.query(ending);
        const outcome = await racing;
        if (expected === 'refused') expect(outcome).toEqual({ error: expect.any(OutboxDuplicateIdentifierError) });
        else if (expected === 'the first') expect(outcome).toEqual({ event: first });
        else expect(outcome).toEqual({ event: expect.objectContaining({ identifier: `order_${n}_usage`, payload: { stripe_customer_id: 'cus_1', value: '9' } }) });
        // The second transaction is usable either way.
        await b.query(`INSERT INTO orders (note) VALUES ('${ending} ${second}')`);
        await b.query('COMMIT');
      } finally {
        a.release();
        b.release();
      }
    }
    expect(await orders(pool)).toEqual(['COMMIT 9', 'COMMIT 1', 'ROLLBACK 9']);
    const rows = (await pool.query(`SELECT identifier, payload->>'value' AS value FROM stripe_meters_outbox ORDER BY id`)).rows;
    expect(rows).toEqual([
      { identifier: 'order_9_usage', value: '1' },
      { identifier: 'order_1_usage', value: '1' },
      { identifier: 'order_10_usage', value: '9' },
    ]);
  });

  it('stores a batch with one identifier twice and one taken before: each event gets the event stored under its identifier', async () => {
    const { pool } = await setup();
    const store = postgresStore(pool);
    const at = new Date().toISOString();
    const event = (id: string, value: string) => ({ identifier: id, event_name: EVENT, payload: { value }, timestamp: at });
    await store.insert([event('taken', '1')]);
    const stored = await store.insert([event('new', '1'), event('taken', '2'), event('new', '3')]);
    expect(stored).toEqual([event('new', '1'), event('taken', '1'), event('new', '1')]);
    expect((await pool.query('SELECT count(*)::int AS n FROM stripe_meters_outbox')).rows[0]).toEqual({ n: 2 });
  });
});

describe('the unique index on identifier', () => {
  it('PostgreSQL: migration 2 (migrate, the printed script, the command line), and a clear error for a table holding an identifier twice', async () => {
    const printed = migrationScript();
    expect(printed).toContain('CREATE UNIQUE INDEX stripe_meters_outbox_identifier ON stripe_meters_outbox (identifier)');
    expect((await runCli(['outbox', 'migrate', '--print'])).stdout).toBe(printed);
    // An outbox at version 1 (before this migration) without duplicates: migrate applies 2 only.
    const old = await database();
    await old.pool.query(`CREATE TABLE stripe_meters_outbox_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now()); ${MIGRATIONS[0]!.sql} INSERT INTO stripe_meters_outbox_migrations (version, name) VALUES (1, 'outbox and dead letters')`);
    expect(await migrate(old.pool)).toEqual([2]);
    // The printed script runs again after migrate() (and after itself): each step skipped once applied.
    await old.pool.query(printed);
    await old.pool.query(printed);
    const fresh = await database();
    await fresh.pool.query(printed);
    expect(await migrate(fresh.pool)).toEqual([]);
    expect((await fresh.pool.query(`SELECT indexdef FROM pg_indexes WHERE indexname = 'stripe_meters_outbox_identifier'`)).rows[0]?.['indexdef']).toMatch(/UNIQUE INDEX .* \(identifier\)/);
    // Version 1 holding an identifier twice: a clear error, nothing changed.
    const twice = await database();
    await twice.pool.query(`CREATE TABLE stripe_meters_outbox_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now()); ${MIGRATIONS[0]!.sql} INSERT INTO stripe_meters_outbox_migrations (version, name) VALUES (1, 'outbox and dead letters')`);
    await twice.pool.query(`INSERT INTO stripe_meters_outbox (identifier, event_name, payload, "timestamp", ts_ms, recorded_at) VALUES ('a', 'e', '{}', 't', 0, 0), ('a', 'e', '{}', 't', 0, 0)`);
    const failure = await migrate(twice.pool).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OutboxStoreError);
    expect((failure as Error).message).toMatch(/share an identifier.*GROUP BY identifier HAVING count\(\*\) > 1/s);
    const cli = await runCli(['outbox', 'migrate', '--postgres', twice.url]);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toMatch(/share an identifier/);
  });

  it('SQLite: created when missing on a file from before it, and a clear error for a file holding an identifier twice', async () => {
    const t = tempDir();
    cleanups.push(t.remove);
    const { SQLITE_SCHEMA } = await import('../src/outbox/sqlite-schema.js');
    const before = SQLITE_SCHEMA.replace(/CREATE UNIQUE INDEX[^;]*;/, '');
    expect(before).not.toMatch(/UNIQUE/);
    const path = join(t.dir, 'old.db');
    const old = new Database(path);
    old.exec(before);
    old.exec(`INSERT INTO stripe_meters_outbox (identifier, event_name, payload, timestamp, ts_ms, recorded_at) VALUES ('a', 'e', '{}', 't', 0, 0)`);
    old.close();
    await sqliteStore(path).close();
    const check = new Database(path, { readonly: true });
    expect(check.prepare(`SELECT sql FROM sqlite_master WHERE name = 'stripe_meters_outbox_identifier'`).pluck().get()).toMatch(/UNIQUE INDEX/);
    check.close();
    const twice = join(t.dir, 'twice.db');
    const dup = new Database(twice);
    dup.exec(before);
    dup.exec(`INSERT INTO stripe_meters_outbox (identifier, event_name, payload, timestamp, ts_ms, recorded_at) VALUES ('a', 'e', '{}', 't', 0, 0), ('a', 'e', '{}', 't', 0, 0)`);
    dup.close();
    expect(() => sqliteStore(twice)).toThrow(expect.objectContaining({ name: 'OutboxStoreError', message: expect.stringMatching(/share an identifier/) as string }) as Error);
  });

  it('identifiers record() gives are time-ordered (UUIDv7), so the index grows at its right edge', async () => {
    const { stripe } = await inProcess();
    const t = tempDir();
    cleanups.push(t.remove);
    let clock = Date.UTC(2026, 0, 15);
    const outbox: Outbox = createOutbox(stripe, { store: sqliteStore(join(t.dir, 'usage.db')), now: () => clock });
    cleanups.push(() => outbox.close());
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      clock += 1 + (i % 3) * HOUR;
      ids.push((await outbox.record({ event_name: EVENT, payload: { stripe_customer_id: 'cus_1', value: 1 } })).identifier);
    }
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ids.slice().sort()).toEqual(ids);
    expect(ids[0]!.replace(/-/g, '').slice(0, 12)).toBe((Date.UTC(2026, 0, 15) + 1).toString(16).padStart(12, '0'));
    // An identifier of the caller's own is kept as given.
    expect((await outbox.record(order(1))).identifier).toBe('order_1_usage');
  });
});
