// The PostgreSQL store's migrations, in order. Each runs once, in a transaction, under an
// advisory lock (several processes may start at once); applied versions are kept in
// stripe_meters_outbox_migrations. Print them with `stripe-meters outbox migrate --print` to run
// them with your own migration tool instead.

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
];

const TRACK = 'CREATE TABLE IF NOT EXISTS stripe_meters_outbox_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());';

/** Every migration as one SQL script (for your own migration tool), recording each version as applied. */
export function migrationScript(): string {
  const parts = ['BEGIN;', TRACK];
  for (const m of MIGRATIONS) parts.push(`-- ${m.version}: ${m.name}`, m.sql, `INSERT INTO stripe_meters_outbox_migrations (version, name) VALUES (${m.version}, '${m.name}');`);
  parts.push('COMMIT;');
  return `${parts.join('\n')}\n`;
}

export { TRACK as TRACK_MIGRATIONS };
