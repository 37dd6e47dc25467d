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

/**
 * The statements the store runs, by what they do (sqlite.node.ts prepares them). `where` is
 * idsWhere(): all rows of a state, or those whose ids are given as @ids (a JSON array).
 */
export const SQL = {
  /** `rows` events at once; an identifier already held is skipped (one event per identifier). */
  insert: (rows: number) => `INSERT INTO stripe_meters_outbox (identifier, event_name, payload, timestamp, ts_ms, recorded_at) VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?)').join(', ')} ON CONFLICT (identifier) DO NOTHING`,
  holders: 'SELECT identifier, event_name, payload, timestamp FROM stripe_meters_outbox WHERE identifier IN (SELECT value FROM json_each(?))',
  due: `SELECT id FROM stripe_meters_outbox WHERE state = 'pending' AND next_attempt_at <= @now AND (lease_until IS NULL OR lease_until <= @now) ORDER BY id LIMIT @limit`,
  take: `UPDATE stripe_meters_outbox SET lease_owner = @owner, lease_until = @until, attempts = attempts + 1, first_attempt_at = COALESCE(first_attempt_at, @now) WHERE id = @id RETURNING id, identifier, event_name, payload, timestamp, recorded_at, attempts, first_attempt_at`,
  delivered: `UPDATE stripe_meters_outbox SET state = 'delivered', delivered_at = @now, lease_owner = NULL, lease_until = NULL WHERE id = @id AND state = 'pending'`,
  retry: `UPDATE stripe_meters_outbox SET next_attempt_at = @notBefore, last_error = @error, attempts = attempts - @unsent,
         first_attempt_at = CASE WHEN @unsent = 1 AND attempts = 1 THEN NULL ELSE first_attempt_at END, lease_owner = NULL, lease_until = NULL
         WHERE id = @id AND lease_owner = @owner AND state = 'pending'`,
  held: `UPDATE stripe_meters_outbox SET state = 'held', held_at = @now, held_reason = @reason, lease_owner = NULL, lease_until = NULL WHERE id = @id AND lease_owner = @owner AND state = 'pending'`,
  bury: `INSERT INTO stripe_meters_outbox_dead (id, identifier, event_name, payload, timestamp, ts_ms, recorded_at, attempts, first_attempt_at, dead_at, error_type, error_code, error_message, status_code)
       SELECT id, identifier, event_name, payload, timestamp, ts_ms, recorded_at, attempts, first_attempt_at, @now, @type, @code, @message, @status FROM stripe_meters_outbox WHERE id = @id AND lease_owner = @owner AND state = 'pending'`,
  drop: 'DELETE FROM stripe_meters_outbox WHERE id = @id AND lease_owner = @owner',
  release: 'UPDATE stripe_meters_outbox SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?',
  stats: `SELECT count(*) AS total,
             count(*) FILTER (WHERE state = 'pending' AND (lease_until IS NULL OR lease_until <= @now)) AS pending,
             count(*) FILTER (WHERE state = 'pending' AND lease_until > @now) AS inFlight,
             count(*) FILTER (WHERE state = 'delivered') AS delivered,
             count(*) FILTER (WHERE state = 'held') AS held,
             count(*) FILTER (WHERE state <> 'delivered' AND ts_ms < @nearingBefore) AS nearing,
             min(CASE WHEN state = 'pending' THEN recorded_at END) AS oldest
           FROM stripe_meters_outbox`,
  deadCount: 'SELECT count(*) FROM stripe_meters_outbox_dead',
  prune: `DELETE FROM stripe_meters_outbox WHERE state = 'delivered' AND delivered_at < ?`,
  deadLetters: 'SELECT * FROM stripe_meters_outbox_dead ORDER BY id LIMIT ?',
  heldLetters: `SELECT * FROM stripe_meters_outbox WHERE state = 'held' ORDER BY id LIMIT ?`,
  requeueHeld: (where: string): string =>
    `UPDATE stripe_meters_outbox SET state = 'pending', attempts = 0, first_attempt_at = NULL, next_attempt_at = @now, held_at = NULL, held_reason = NULL WHERE state = 'held'${where}`,
  countDead: (where: string): string =>
    `SELECT count(*) FROM stripe_meters_outbox_dead WHERE 1 = 1${where}`,
  requeueDead: (where: string): string =>
    `INSERT INTO stripe_meters_outbox (id, identifier, event_name, payload, timestamp, ts_ms, recorded_at, next_attempt_at) SELECT id, identifier, event_name, payload, timestamp, ts_ms, recorded_at, @now FROM stripe_meters_outbox_dead WHERE 1 = 1${where} ORDER BY id ON CONFLICT (identifier) DO NOTHING`,
  dropRequeued: (where: string): string =>
    `DELETE FROM stripe_meters_outbox_dead WHERE id IN (SELECT d.id FROM stripe_meters_outbox_dead d JOIN stripe_meters_outbox o ON o.id = d.id WHERE 1 = 1${where.replace(' id IN', ' d.id IN')})`,
  markDelivered: `UPDATE stripe_meters_outbox SET state = 'delivered', delivered_at = ?, held_at = NULL WHERE id = ? AND state = 'held'`,
  idsWhere: (some: boolean): string => (some ? ` AND id IN (SELECT value FROM json_each(@ids))` : ''),
};
