// The PostgreSQL store's statements, by what they do (postgres.node.ts runs them). Times come from
// the database clock (NOW), so relays on machines whose clocks differ agree on leases.
import { NOW } from './postgres-schema.js';

/** The event's own columns, in the order the statements list them. */
const COLUMNS = 'identifier, event_name, payload, "timestamp", ts_ms';

export const SQL = {
  claim: `WITH due AS (
           SELECT id FROM stripe_meters_outbox
           WHERE state = 'pending' AND next_attempt_at <= ${NOW} AND (lease_until IS NULL OR lease_until <= ${NOW})
           ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
         UPDATE stripe_meters_outbox o SET lease_owner = $1, lease_until = ${NOW} + $3, attempts = o.attempts + 1, first_attempt_at = COALESCE(o.first_attempt_at, ${NOW})
         FROM due WHERE o.id = due.id
         RETURNING o.id, o.identifier, o.event_name, o.payload, o."timestamp", o.recorded_at, o.attempts, o.first_attempt_at, ${NOW} AS now`,
  now: `SELECT ${NOW} AS now`,
  delivered: `UPDATE stripe_meters_outbox SET state = 'delivered', delivered_at = ${NOW}, lease_owner = NULL, lease_until = NULL WHERE id = ANY($1::bigint[]) AND state = 'pending'`,
  retry: `UPDATE stripe_meters_outbox o SET next_attempt_at = ${NOW} + r.delay, last_error = r.error, attempts = o.attempts - CASE WHEN r.unsent THEN 1 ELSE 0 END,
           first_attempt_at = CASE WHEN r.unsent AND o.attempts = 1 THEN NULL ELSE o.first_attempt_at END, lease_owner = NULL, lease_until = NULL
           FROM unnest($2::bigint[], $3::bigint[], $4::jsonb[], $5::boolean[]) AS r(id, delay, error, unsent) WHERE o.id = r.id AND o.lease_owner = $1 AND o.state = 'pending'`,
  held: `UPDATE stripe_meters_outbox o SET state = 'held', held_at = ${NOW}, held_reason = h.reason, lease_owner = NULL, lease_until = NULL
           FROM unnest($2::bigint[], $3::text[]) AS h(id, reason) WHERE o.id = h.id AND o.lease_owner = $1 AND o.state = 'pending'`,
  bury: `WITH moved AS (
             DELETE FROM stripe_meters_outbox o USING unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::int[]) AS d(id, type, code, message, status)
             WHERE o.id = d.id AND o.lease_owner = $1 AND o.state = 'pending'
             RETURNING o.id, o.identifier, o.event_name, o.payload, o."timestamp", o.ts_ms, o.recorded_at, o.attempts, o.first_attempt_at, d.type, d.code, d.message, d.status)
           INSERT INTO stripe_meters_outbox_dead (id, ${COLUMNS}, recorded_at, attempts, first_attempt_at, dead_at, error_type, error_code, error_message, status_code)
           SELECT id, ${COLUMNS}, recorded_at, attempts, first_attempt_at, ${NOW}, type, code, message, status FROM moved`,
  release: 'UPDATE stripe_meters_outbox SET lease_owner = NULL, lease_until = NULL WHERE id = ANY($1::bigint[]) AND lease_owner = $2',
  stats: `SELECT count(*) AS total,
           count(*) FILTER (WHERE state = 'pending' AND (lease_until IS NULL OR lease_until <= ${NOW})) AS pending,
           count(*) FILTER (WHERE state = 'pending' AND lease_until > ${NOW}) AS in_flight,
           count(*) FILTER (WHERE state = 'delivered') AS delivered,
           count(*) FILTER (WHERE state = 'held') AS held,
           count(*) FILTER (WHERE state <> 'delivered' AND ts_ms < $1) AS nearing,
           ${NOW} - min(recorded_at) FILTER (WHERE state = 'pending') AS oldest_age,
           (SELECT count(*) FROM stripe_meters_outbox_dead) AS dead
         FROM stripe_meters_outbox`,
  prune: `DELETE FROM stripe_meters_outbox WHERE state = 'delivered' AND delivered_at < $1`,
  deadLetters: 'SELECT * FROM stripe_meters_outbox_dead ORDER BY id LIMIT $1',
  heldLetters: `SELECT * FROM stripe_meters_outbox WHERE state = 'held' ORDER BY id LIMIT $1`,
  requeueHeld: `UPDATE stripe_meters_outbox SET state = 'pending', attempts = 0, first_attempt_at = NULL, next_attempt_at = 0, held_at = NULL, held_reason = NULL WHERE state = 'held' AND ($1 OR id = ANY($2::bigint[]))`,
  requeueDead: `WITH chosen AS (SELECT id, ${COLUMNS}, recorded_at FROM stripe_meters_outbox_dead WHERE $1 OR id = ANY($2::bigint[]) ORDER BY id FOR UPDATE),
           moved AS (INSERT INTO stripe_meters_outbox (id, ${COLUMNS}, recorded_at) SELECT id, ${COLUMNS}, recorded_at FROM chosen ORDER BY id ON CONFLICT (identifier) DO NOTHING RETURNING id),
           gone AS (DELETE FROM stripe_meters_outbox_dead d USING moved WHERE d.id = moved.id RETURNING d.id)
         SELECT (SELECT count(*) FROM gone)::int AS requeued, (SELECT count(*) FROM chosen)::int AS chosen`,
  markDelivered: `UPDATE stripe_meters_outbox SET state = 'delivered', delivered_at = ${NOW}, held_at = NULL WHERE id = ANY($1::bigint[]) AND state = 'held'`,
  insert: `INSERT INTO stripe_meters_outbox (${COLUMNS}, recorded_at) SELECT i, n, p, t, s, ${NOW} FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::text[], $5::bigint[]) AS e(i, n, p, t, s) ON CONFLICT (identifier) DO NOTHING`,
  holders: `SELECT identifier, event_name, payload, "timestamp" FROM stripe_meters_outbox WHERE identifier = ANY($1::text[])`,
};
