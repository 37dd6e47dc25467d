// The PostgreSQL store's migrations (in order), what it needs of pg, and how its errors read. Each runs once, in a transaction, under an
// advisory lock (several processes may start at once); applied versions are kept in
// stripe_meters_outbox_migrations. Print them with `stripe-meters outbox migrate --print` to run
// them with your own migration tool instead.

import { OutboxStoreError, type OutboxStoreErrorCode } from './errors.js';

/** What the store needs of a pg client (`pg.Client`, `pg.PoolClient`). */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>>; rowCount: number | null }>;
}

/** What the store needs of a pg pool (`new pg.Pool(...)`). */
export interface PgPool extends PgQueryable {
  connect(): Promise<PgQueryable & { release(error?: Error | boolean): void }>;
}

/** The database's clock in unix milliseconds: leases and times agree across relays whatever their own clocks say. */
export const NOW = `(extract(epoch from now()) * 1000)::bigint`;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Arbitrary, fixed: the advisory lock every migrating process takes. */
export const MIGRATION_LOCK = 7_305_301_117;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'outbox and dead letters',
    sql: `CREATE TABLE stripe_meters_outbox (
  id bigserial PRIMARY KEY,
  identifier text NOT NULL,
  event_name text NOT NULL,
  payload jsonb NOT NULL,
  "timestamp" text NOT NULL,
  ts_ms bigint NOT NULL,
  recorded_at bigint NOT NULL,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'held')),
  attempts integer NOT NULL DEFAULT 0,
  first_attempt_at bigint,
  next_attempt_at bigint NOT NULL DEFAULT 0,
  lease_owner text,
  lease_until bigint,
  delivered_at bigint,
  held_at bigint,
  held_reason text,
  last_error jsonb
);
CREATE INDEX stripe_meters_outbox_pending ON stripe_meters_outbox (id) WHERE state = 'pending';
CREATE INDEX stripe_meters_outbox_delivered ON stripe_meters_outbox (delivered_at) WHERE state = 'delivered';
CREATE TABLE stripe_meters_outbox_dead (
  id bigint PRIMARY KEY,
  identifier text NOT NULL,
  event_name text NOT NULL,
  payload jsonb NOT NULL,
  "timestamp" text NOT NULL,
  ts_ms bigint NOT NULL,
  recorded_at bigint NOT NULL,
  attempts integer NOT NULL,
  first_attempt_at bigint,
  dead_at bigint NOT NULL,
  error_type text NOT NULL,
  error_code text,
  error_message text NOT NULL,
  status_code integer
);`,
  },
  {
    version: 2,
    name: 'one event per identifier',
    // Stripe keeps only the first event with an identifier; record() inserts ON CONFLICT (identifier) DO NOTHING.
    sql: 'CREATE UNIQUE INDEX stripe_meters_outbox_identifier ON stripe_meters_outbox (identifier);',
  },
];

const TRACK = 'CREATE TABLE IF NOT EXISTS stripe_meters_outbox_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());';

/**
 * Every migration as one SQL script (for your own migration tool), recording each version as
 * applied. Each is skipped when already applied, so the script runs again after an upgrade
 * (`migrate()`'s advisory lock included: several may run at once).
 */
export function migrationScript(): string {
  const parts = ['BEGIN;', `SELECT pg_advisory_xact_lock(${MIGRATION_LOCK});`, TRACK];
  for (const m of MIGRATIONS) {
    parts.push(
      `-- ${m.version}: ${m.name}`,
      `DO $migration$ BEGIN\nIF NOT EXISTS (SELECT 1 FROM stripe_meters_outbox_migrations WHERE version = ${m.version}) THEN\n${m.sql}\nINSERT INTO stripe_meters_outbox_migrations (version, name) VALUES (${m.version}, '${m.name}');\nEND IF;\nEND $migration$;`,
    );
  }
  parts.push('COMMIT;');
  return `${parts.join('\n')}\n`;
}

const CODES: Array<[RegExp, OutboxStoreErrorCode]> = [
  [/^53100$/, 'full'],
  [/^25006$/, 'read_only'],
  [/^(55P03|40P01|57014)$/, 'locked'],
  [/^XX00[12]$/, 'corrupt'],
  [/^58/, 'io'],
  [/^(08|57P0|53300)|^ECONN|^ENOTFOUND|^ETIMEDOUT/, 'unavailable'],
];

export function storeError(error: unknown, what: string): OutboxStoreError {
  if (error instanceof OutboxStoreError) return error;
  const code = typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : '';
  const kind = CODES.find(([pattern]) => pattern.test(code))?.[1] ?? 'other';
  return new OutboxStoreError(kind, `The PostgreSQL outbox could not ${what}: ${(error as Error).message}${code === '' ? '' : ` (${code})`}`, { cause: error });
}

/** Applies the migrations not applied yet; resolves with the versions it applied. */
export async function migrate(pool: PgPool): Promise<number[]> {
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(TRACK);
    const done = new Set((await client.query('SELECT version FROM stripe_meters_outbox_migrations')).rows.map((r) => Number(r['version'])));
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO stripe_meters_outbox_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release(true);
    // Migration 2 on a table written before it may find an identifier twice: Stripe counted only the first.
    if ((error as { code?: unknown }).code === '23505') {
      throw new OutboxStoreError('other', `The PostgreSQL outbox could not apply its migrations: stripe_meters_outbox holds events that share an identifier (recorded before the outbox kept one event per identifier; Stripe counted only the first of each): ${(error as Error).message}. List them with: SELECT * FROM stripe_meters_outbox WHERE identifier IN (SELECT identifier FROM stripe_meters_outbox GROUP BY identifier HAVING count(*) > 1); keep one row of each, then migrate again`, { cause: error });
    }
    throw storeError(error, 'apply its migrations');
  }
  client.release();
  return applied;
}
