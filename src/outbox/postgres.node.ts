// stripe-meters/outbox/postgres: the outbox in your own PostgreSQL database (with `pg`). record()
// can insert inside your transaction (`{ client: tx }`): the event commits or rolls back with the
// business write it bills for. Any number of relays, on any number of machines, claim with
// FOR UPDATE SKIP LOCKED and a lease on the database's clock: no two relays hold one event at once,
// and a dead relay's claims are taken over when its lease ends. Nothing here imports `pg`: you
// pass your pool.
import { OutboxClosedError } from './errors.js';
import { migrate, migrationScript, storeError, type PgPool, type PgQueryable } from './postgres-schema.js';
import { SQL } from './postgres-sql.js';
import type { Claim, ClaimedEvent, Letter, OutboxStats, OutboxStore, Outcome, RecordedEvent, RequeueResult, StoreOptions } from './store.js';

export interface PostgresStoreOptions {
  /**
   * Apply the outbox's migrations on first use (under an advisory lock; each once). Turn off when
   * you run them yourself (`stripe-meters outbox migrate --print`). @default true
   */
  migrate?: boolean;
}

export { migrate, migrationScript, type PgPool, type PgQueryable };

const num = (value: unknown) => Number(value);

function asEvent(r: Record<string, unknown>): ClaimedEvent {
  return { id: String(r['id']), identifier: String(r['identifier']), event_name: String(r['event_name']), payload: r['payload'] as Record<string, string>, timestamp: String(r['timestamp']), attempts: num(r['attempts']), firstAttemptAt: num(r['first_attempt_at']), recordedAt: num(r['recorded_at']) };
}

/** An outbox store in the PostgreSQL database behind `pool` (yours: close() leaves it open). */
export function postgresStore(pool: PgPool, options: PostgresStoreOptions = {}): OutboxStore {
  if (typeof pool !== 'object' || pool === null || typeof pool.query !== 'function' || typeof pool.connect !== 'function') throw new TypeError('postgresStore(pool): pool must be a pg Pool (new pg.Pool({ connectionString }))');
  return new PostgresStore(pool, options.migrate !== false);
}

class PostgresStore implements OutboxStore {
  readonly kind = 'postgres';
  readonly #pool: PgPool;
  #ready: Promise<void> | undefined;
  #queue: Array<{ events: RecordedEvent[]; resolve: (stored: RecordedEvent[]) => void; reject: (error: Error) => void }> = [];
  #flushing = false;
  #closed = false;

  constructor(pool: PgPool, migrateFirst: boolean) {
    this.#pool = pool;
    if (!migrateFirst) this.#ready = Promise.resolve();
  }

  async #use<T>(what: string, work: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new OutboxClosedError('The PostgreSQL outbox store is closed');
    this.#ready ??= migrate(this.#pool).then(
      () => undefined,
      (error: unknown) => {
        this.#ready = undefined;
        throw error;
      },
    );
    try {
      await this.#ready;
      return await work();
    } catch (error) {
      throw storeError(error, what);
    }
  }

  async #transaction<T>(work: (client: PgQueryable) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(true);
      throw error;
    }
  }

  insert(events: RecordedEvent[], options?: StoreOptions): Promise<RecordedEvent[]> {
    const client = options?.client as PgQueryable | undefined;
    if (client !== undefined) {
      if (typeof client !== 'object' || client === null || typeof client.query !== 'function') return Promise.reject(new TypeError('record(event, { client }): client must be a pg client inside your transaction'));
      return this.#use('store the event(s) in your transaction', () => insertRows(client, events));
    }
    return this.#use('store the event(s)', () => new Promise<RecordedEvent[]>((resolve, reject) => {
      this.#queue.push({ events, resolve, reject });
      void this.#flush();
    }));
  }

  /** Group commit: what queued while the last insert ran goes in the next one. */
  async #flush(): Promise<void> {
    if (this.#flushing) return;
    this.#flushing = true;
    while (this.#queue.length > 0) {
      const queued = this.#queue.splice(0, 5000);
      try {
        const stored = await insertRows(this.#pool, queued.flatMap((q) => q.events));
        let at = 0;
        for (const q of queued) q.resolve(stored.slice(at, (at += q.events.length)));
      } catch (error) {
        const failure = storeError(error, 'store the event(s)');
        for (const q of queued) q.reject(failure);
      }
    }
    this.#flushing = false;
  }

  claim(owner: string, limit: number, leaseMs: number): Promise<Claim> {
    return this.#use('claim events', async () => {
      const { rows } = await this.#pool.query(
        SQL.claim,
        [owner, limit, leaseMs],
      );
      const now = rows.length > 0 ? num(rows[0]?.['now']) : num((await this.#pool.query(SQL.now)).rows[0]?.['now']);
      return { now, events: rows.map(asEvent).sort((a, b) => num(a.id) - num(b.id)) };
    });
  }

  settle(owner: string, o: Outcome, now: number): Promise<void> {
    // The common case, all delivered, is one statement: no transaction (and its round trips) needed.
    const only = o.retry.length + o.held.length + o.dead.length === 0;
    const apply = async (c: PgQueryable): Promise<void> => {
      if (o.delivered.length > 0) await c.query(SQL.delivered, [o.delivered]);
      if (o.retry.length > 0) {
        // The relay's clock says when; the database's clock keeps it (relays' clocks may differ).
        await c.query(
          SQL.retry,
          [owner, o.retry.map((r) => r.id), o.retry.map((r) => Math.max(0, r.notBefore - now)), o.retry.map((r) => JSON.stringify(r.error)), o.retry.map((r) => r.unsent === true)],
        );
      }
      if (o.held.length > 0) {
        await c.query(
          SQL.held,
          [owner, o.held.map((h) => h.id), o.held.map((h) => h.reason)],
        );
      }
      if (o.dead.length > 0) {
        await c.query(
          SQL.bury,
          [owner, o.dead.map((d) => d.id), o.dead.map((d) => d.error.type), o.dead.map((d) => d.error.code ?? null), o.dead.map((d) => d.error.message), o.dead.map((d) => d.error.statusCode ?? null)],
        );
      }
    };
    return this.#use('record delivery outcomes', () => (only ? apply(this.#pool) : this.#transaction(apply)));
  }

  release(owner: string, ids: string[]): Promise<void> {
    return this.#use('release claims', async () => {
      await this.#pool.query(SQL.release, [ids, owner]);
    });
  }

  stats(_now: number, nearingBefore: number): Promise<OutboxStats> {
    return this.#use('read stats', async () => {
      const { rows } = await this.#pool.query(
        SQL.stats,
        [nearingBefore],
      );
      const r = rows[0] ?? {};
      const dead = num(r['dead']);
      return { recorded: num(r['total']) + dead, pending: num(r['pending']), inFlight: num(r['in_flight']), delivered: num(r['delivered']), dead, held: num(r['held']), nearingWindow: num(r['nearing']), oldestPendingAgeMs: Math.max(0, num(r['oldest_age'] ?? 0)) };
    });
  }

  prune(before: number): Promise<number> {
    return this.#use('prune delivered events', async () => (await this.#pool.query(SQL.prune, [before])).rowCount ?? 0);
  }

  letters(options: { state?: 'dead' | 'held'; limit: number }): Promise<Letter[]> {
    return this.#use('read dead letters', async () => {
      const out: Letter[] = [];
      const base = (r: Record<string, unknown>) => ({ id: String(r['id']), identifier: String(r['identifier']), event_name: String(r['event_name']), payload: r['payload'] as Record<string, string>, timestamp: String(r['timestamp']), attempts: num(r['attempts']), recordedAt: num(r['recorded_at']) });
      if (options.state !== 'held') {
        for (const r of (await this.#pool.query(SQL.deadLetters, [options.limit])).rows) {
          const error = { type: String(r['error_type']), message: String(r['error_message']), code: r['error_code'] === null ? undefined : String(r['error_code']), statusCode: r['status_code'] === null ? undefined : num(r['status_code']) };
          out.push({ ...base(r), state: 'dead', at: num(r['dead_at']), reason: error.message, error });
        }
      }
      if (options.state !== 'dead') {
        for (const r of (await this.#pool.query(SQL.heldLetters, [options.limit])).rows) out.push({ ...base(r), state: 'held', at: num(r['held_at']), reason: String(r['held_reason']) });
      }
      return out;
    });
  }

  requeue(options: { state: 'dead' | 'held'; ids?: string[] }): Promise<RequeueResult> {
    const all = options.ids === undefined;
    const ids = options.ids ?? [];
    return this.#use('requeue events', async () => {
      if (options.state === 'held') {
        return { requeued: (await this.#pool.query(SQL.requeueHeld, [all, ids])).rowCount ?? 0, kept: 0 };
      }
      // One statement: a dead letter whose identifier was recorded again since stays where it is
      // (it would be a second event with that identifier), and no unique violation can fail it.
      const { rows } = await this.#pool.query(
        SQL.requeueDead,
        [all, ids],
      );
      const requeued = num(rows[0]?.['requeued']);
      return { requeued, kept: num(rows[0]?.['chosen']) - requeued };
    });
  }

  markHeldDelivered(ids: string[]): Promise<number> {
    return this.#use('mark held events delivered', async () => (await this.#pool.query(SQL.markDelivered, [ids])).rowCount ?? 0);
  }

  async close(): Promise<void> {
    while (this.#flushing || this.#queue.length > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    this.#closed = true;
  }
}

/**
 * Inserts the events, skipping taken identifiers (ON CONFLICT DO NOTHING: a unique violation
 * would abort the caller's transaction). When fewer rows went in than were given, reads the
 * events that hold those identifiers; resolves with the event stored under each identifier.
 */
async function insertRows(client: PgQueryable, events: RecordedEvent[]): Promise<RecordedEvent[]> {
  const stored = events.slice();
  let todo = events.map((_, i) => i);
  // A holder deleted between the two statements (pruned, or dead-lettered) frees its identifier: insert again.
  for (let round = 0; round < 3; round++) {
    const batch = todo.map((i) => events[i] as RecordedEvent);
    const { rowCount } = await client.query(
      SQL.insert,
      [batch.map((e) => e.identifier), batch.map((e) => e.event_name), batch.map((e) => JSON.stringify(e.payload)), batch.map((e) => e.timestamp), batch.map((e) => Date.parse(e.timestamp))],
    );
    if (rowCount === batch.length) return stored;
    const { rows } = await client.query(SQL.holders, [batch.map((e) => e.identifier)]);
    const holders = new Map(rows.map((r) => [String(r['identifier']), { identifier: String(r['identifier']), event_name: String(r['event_name']), payload: r['payload'] as Record<string, string>, timestamp: String(r['timestamp']) }]));
    todo = todo.filter((i) => {
      const holder = holders.get((events[i] as RecordedEvent).identifier);
      if (holder !== undefined) stored[i] = holder;
      return holder === undefined;
    });
    if (todo.length === 0) return stored;
  }
  throw new Error('an identifier was taken and freed again three times while storing the event(s)');
}
