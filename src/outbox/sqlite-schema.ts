// The SQLite store's tables, created when missing (one file, so no migration step to run). One
// event per identifier (a unique index): Stripe keeps only the first event with an identifier.
// Times are unix milliseconds. An event is `pending` (claimed while its lease runs), `delivered`
// or `held`; dead letters move to their own table with Stripe's error.
export const SQLITE_SCHEMA = `
CREATE TABLE IF NOT EXISTS stripe_meters_outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  identifier TEXT NOT NULL,
  event_name TEXT NOT NULL,
  payload TEXT NOT NULL,
  timestamp TEXT NOT NULL,
  ts_ms INTEGER NOT NULL,
  recorded_at INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'held')),
  attempts INTEGER NOT NULL DEFAULT 0,
  first_attempt_at INTEGER,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_until INTEGER,
  delivered_at INTEGER,
  held_at INTEGER,
  held_reason TEXT,
  last_error TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS stripe_meters_outbox_identifier ON stripe_meters_outbox (identifier);
CREATE INDEX IF NOT EXISTS stripe_meters_outbox_pending ON stripe_meters_outbox (id) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS stripe_meters_outbox_delivered ON stripe_meters_outbox (delivered_at) WHERE state = 'delivered';
CREATE TABLE IF NOT EXISTS stripe_meters_outbox_dead (
  id INTEGER PRIMARY KEY,
  identifier TEXT NOT NULL,
  event_name TEXT NOT NULL,
  payload TEXT NOT NULL,
  timestamp TEXT NOT NULL,
  ts_ms INTEGER NOT NULL,
  recorded_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  first_attempt_at INTEGER,
  dead_at INTEGER NOT NULL,
  error_type TEXT NOT NULL,
  error_code TEXT,
  error_message TEXT NOT NULL,
  status_code INTEGER
);
`;
