// stripe-meters/outbox/sqlite: the embedded store (better-sqlite3 12.x, one file, one host). WAL
// with group commit: every record() waiting in one turn of the event loop goes into one
// transaction, so durability costs one commit per turn, not one per event. A committed
// transaction is in the WAL file before record() resolves (process death loses nothing); with
// `durability: 'power'` each commit is also fsynced (synchronous=FULL).
import Database from 'better-sqlite3';
import { OutboxClosedError, OutboxStoreError, type OutboxStoreErrorCode } from './errors.js';
import { SQL, SQLITE_SCHEMA } from './sqlite-schema.js';
import type { Claim, ClaimedEvent, Letter, OutboxStats, OutboxStore, Outcome, RecordedEvent, RequeueResult, StoreOptions } from './store.js';

export interface SqliteStoreOptions {
  /**
   * `process`: a stored event survives the process dying (SIGKILL, OOM, a crash), not the machine
   * losing power (WAL, synchronous=NORMAL). `power`: each commit is fsynced (synchronous=FULL).
   * @default "process"
   */
  durability?: 'process' | 'power';
  /** How long a write waits for another process's write lock. @unit milliseconds @default 5000 */
  busyTimeoutMs?: number;
  /** Caps the database file; record() rejects with OutboxStoreError code "full" past it. @unit bytes @default no cap */
  maxBytes?: number;
  /**
   * Open an existing outbox only: a missing file throws OutboxStoreError code "missing" instead of
   * becoming a new, empty outbox (what a mistyped path would otherwise do). @default false
   */
  mustExist?: boolean;
}

/** Rows per INSERT statement in a group commit. */
const INSERT_ROWS = 50;

interface Row {
  id: number;
  identifier: string;
  event_name: string;
  payload: string;
  timestamp: string;
  recorded_at: number;
  attempts: number;
  first_attempt_at: number;
}

const CODES: Array<[RegExp, OutboxStoreErrorCode]> = [
  [/^SQLITE_FULL/, 'full'],
  [/^SQLITE_READONLY/, 'read_only'],
  [/^SQLITE_(BUSY|LOCKED)/, 'locked'],
  [/^SQLITE_(CORRUPT|NOTADB)/, 'corrupt'],
  [/^SQLITE_(IOERR|CANTOPEN|PERM)/, 'io'],
];

function storeError(error: unknown, what: string): OutboxStoreError {
  if (error instanceof OutboxStoreError) return error;
  const code = typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : '';
  const kind = CODES.find(([pattern]) => pattern.test(code))?.[1] ?? 'other';
  return new OutboxStoreError(kind, `The SQLite outbox could not ${what}: ${(error as Error).message}${code === '' ? '' : ` (${code})`}`, { cause: error });
}

function asEvent(row: Row): ClaimedEvent {
  return { id: String(row.id), identifier: row.identifier, event_name: row.event_name, payload: JSON.parse(row.payload) as Record<string, string>, timestamp: row.timestamp, attempts: row.attempts, firstAttemptAt: row.first_attempt_at, recordedAt: row.recorded_at };
}

/** An outbox store in the SQLite file at `path` (created with its tables when missing). */
export function sqliteStore(path: string, options: SqliteStoreOptions = {}): OutboxStore {
  if (typeof path !== 'string' || path === '') throw new TypeError('sqliteStore(path): path must be a file path');
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: options.busyTimeoutMs ?? 5000, fileMustExist: options.mustExist === true });
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.durability === 'power' ? 'FULL' : 'NORMAL'}`);
    if (options.maxBytes !== undefined) {
      const pageSize = db.pragma('page_size', { simple: true }) as number;
      db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxBytes / pageSize))}`);
    }
    db.exec(SQLITE_SCHEMA);
  } catch (error) {
    db?.close();
    // A file written before the unique index may hold an identifier twice: Stripe counted only the first.
    if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new OutboxStoreError('other', `The SQLite outbox could not open ${path}: it holds events that share an identifier (recorded before the outbox kept one event per identifier; Stripe counted only the first of each). List them with: SELECT * FROM stripe_meters_outbox WHERE identifier IN (SELECT identifier FROM stripe_meters_outbox GROUP BY identifier HAVING count(*) > 1); keep one row of each, then open it again`, { cause: error });
    if (options.mustExist === true && (error as { code?: unknown }).code === 'SQLITE_CANTOPEN') throw new OutboxStoreError('missing', `There is no SQLite outbox at ${path}: the file does not exist (or cannot be opened)`, { cause: error });
    throw storeError(error, `open ${path}`);
  }
  return new SqliteStore(db);
}

class SqliteStore implements OutboxStore {
  readonly kind = 'sqlite';
  readonly #db: Database.Database;
  #queue: Array<{ events: RecordedEvent[]; now: number; resolve: (stored: RecordedEvent[]) => void; reject: (error: Error) => void }> = [];
  #scheduled = false;
  #closed = false;
  readonly #commitGroup: (events: RecordedEvent[], recordedAt: number[]) => Map<number, RecordedEvent> | undefined;
  readonly #claim: (owner: string, limit: number, leaseMs: number, now: number) => Row[];
  readonly #settle: (owner: string, outcome: Outcome, now: number) => void;

  constructor(db: Database.Database) {
    this.#db = db;
    const insertOne = db.prepare(SQL.insert(1));
    // Rows go in INSERT_ROWS at a time: one statement per row cost more than the rest of record().
    const insertMany = db.prepare(SQL.insert(INSERT_ROWS));
    const holders = db.prepare(SQL.holders);
    /**
     * Inserts events[from, from + count) with one statement. When fewer rows went in than were
     * given, some identifier was taken (before, or earlier in this group): only then are the
     * events holding the chunk's identifiers read, into `taken` by index (a row that went in
     * holds its own identifier).
     */
    const insert = (statement: Database.Statement, values: unknown[], events: RecordedEvent[], from: number, taken: Map<number, RecordedEvent> | undefined) => {
      const count = values.length / 6;
      if (statement.run(values).changes === count) return taken;
      const chunk = events.slice(from, from + count);
      const stored = new Map<string, RecordedEvent>();
      for (const r of holders.all(JSON.stringify(chunk.map((e) => e.identifier))) as Row[]) stored.set(r.identifier, { identifier: r.identifier, event_name: r.event_name, payload: JSON.parse(r.payload) as Record<string, string>, timestamp: r.timestamp });
      const out = taken ?? new Map<number, RecordedEvent>();
      chunk.forEach((e, k) => out.set(from + k, stored.get(e.identifier) as RecordedEvent));
      return out;
    };
    this.#commitGroup = db.transaction((events: RecordedEvent[], recordedAt: number[]) => {
      let taken: Map<number, RecordedEvent> | undefined;
      let values: unknown[] = [];
      let from = 0;
      for (const [k, e] of events.entries()) {
        values.push(e.identifier, e.event_name, JSON.stringify(e.payload), e.timestamp, Date.parse(e.timestamp), recordedAt[k]);
        if (values.length === INSERT_ROWS * 6) {
          taken = insert(insertMany, values, events, from, taken);
          from += INSERT_ROWS;
          values = [];
        }
      }
      for (let i = 0; i < values.length; i += 6) taken = insert(insertOne, values.slice(i, i + 6), events, from + i / 6, taken);
      return taken;
    });
    const due = db.prepare(SQL.due).pluck();
    const take = db.prepare(SQL.take);
    this.#claim = db.transaction((owner: string, limit: number, leaseMs: number, now: number) => (due.all({ now, limit }) as number[]).map((id) => take.get({ owner, until: now + leaseMs, now, id }) as Row)).immediate;
    const delivered = db.prepare(SQL.delivered);
    const retry = db.prepare(SQL.retry);
    const held = db.prepare(SQL.held);
    const bury = db.prepare(SQL.bury);
    const drop = db.prepare(SQL.drop);
    this.#settle = db.transaction((owner: string, o: Outcome, now: number) => {
      for (const id of o.delivered) delivered.run({ id, now });
      for (const r of o.retry) retry.run({ id: r.id, owner, notBefore: r.notBefore, error: JSON.stringify(r.error), unsent: r.unsent === true ? 1 : 0 });
      for (const h of o.held) held.run({ id: h.id, owner, now, reason: h.reason });
      for (const d of o.dead) {
        if (bury.run({ id: d.id, owner, now, type: d.error.type, code: d.error.code ?? null, message: d.error.message, status: d.error.statusCode ?? null }).changes > 0) drop.run({ id: d.id, owner });
      }
    }).immediate;
  }

  insert(events: RecordedEvent[], options?: StoreOptions): Promise<RecordedEvent[]> {
    if (options?.client !== undefined) return Promise.reject(new TypeError('record(event, { client }) is for the PostgreSQL store; the SQLite store commits on its own'));
    if (this.#closed) return Promise.reject(new OutboxClosedError('The SQLite outbox store is closed'));
    return new Promise((resolve, reject) => {
      // recorded_at on the outbox's clock (its `now` option), as every other time the outbox keeps.
      this.#queue.push({ events, now: options?.now ?? Date.now(), resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#commit());
      }
    });
  }

  /** One transaction for every insert queued since the last one. */
  #commit(): void {
    this.#scheduled = false;
    const queued = this.#queue;
    this.#queue = [];
    if (queued.length === 0) return;
    let taken: Map<number, RecordedEvent> | undefined;
    try {
      const one = queued.length === 1 ? (queued[0] as (typeof queued)[number]) : undefined;
      taken = this.#commitGroup(
        one !== undefined ? one.events : queued.flatMap((q) => q.events),
        one !== undefined ? one.events.map(() => one.now) : queued.flatMap((q) => q.events.map(() => q.now)),
      );
    } catch (error) {
      const failure = storeError(error, 'store the event(s)');
      for (const q of queued) q.reject(failure);
      return;
    }
    let at = 0;
    for (const q of queued) {
      const from = at;
      at += q.events.length;
      q.resolve(taken === undefined ? q.events : q.events.map((e, k) => taken.get(from + k) ?? e));
    }
  }

  #run<T>(what: string, work: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new OutboxClosedError('The SQLite outbox store is closed'));
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(storeError(error, what));
    }
  }

  claim(owner: string, limit: number, leaseMs: number, now: number): Promise<Claim> {
    return this.#run('claim events', () => ({ now, events: this.#claim(owner, limit, leaseMs, now).map(asEvent) }));
  }

  settle(owner: string, outcome: Outcome, now: number): Promise<void> {
    return this.#run('record delivery outcomes', () => this.#settle(owner, outcome, now));
  }

  release(owner: string, ids: string[]): Promise<void> {
    return this.#run('release claims', () => {
      const stmt = this.#db.prepare(SQL.release);
      this.#db.transaction(() => ids.forEach((id) => stmt.run(id, owner))).immediate();
    });
  }

  stats(now: number, nearingBefore: number): Promise<OutboxStats> {
    return this.#run('read stats', () => {
      const row = this.#db
        .prepare(SQL.stats)
        .get({ now, nearingBefore }) as { total: number; pending: number; inFlight: number; delivered: number; held: number; nearing: number; oldest: number | null };
      const dead = this.#db.prepare(SQL.deadCount).pluck().get() as number;
      return { recorded: row.total + dead, pending: row.pending, inFlight: row.inFlight, delivered: row.delivered, dead, held: row.held, nearingWindow: row.nearing, oldestPendingAgeMs: row.oldest === null ? 0 : Math.max(0, now - row.oldest) };
    });
  }

  prune(before: number): Promise<number> {
    return this.#run('prune delivered events', () => this.#db.prepare(SQL.prune).run(before).changes);
  }

  letters(options: { state?: 'dead' | 'held'; limit: number }): Promise<Letter[]> {
    return this.#run('read dead letters', () => {
      const out: Letter[] = [];
      if (options.state !== 'held') {
        const rows = this.#db.prepare(SQL.deadLetters).all(options.limit) as Array<Row & { dead_at: number; error_type: string; error_code: string | null; error_message: string; status_code: number | null }>;
        for (const r of rows) out.push({ ...letterBase(r), state: 'dead', at: r.dead_at, reason: r.error_message, error: { type: r.error_type, message: r.error_message, code: r.error_code ?? undefined, statusCode: r.status_code ?? undefined } });
      }
      if (options.state !== 'dead') {
        const rows = this.#db.prepare(SQL.heldLetters).all(options.limit) as Array<Row & { held_at: number; held_reason: string }>;
        for (const r of rows) out.push({ ...letterBase(r), state: 'held', at: r.held_at, reason: r.held_reason });
      }
      return out;
    });
  }

  requeue(options: { state: 'dead' | 'held'; ids?: string[] }, now: number): Promise<RequeueResult> {
    return this.#run('requeue events', () =>
      this.#db.transaction(() => {
        const where = SQL.idsWhere(options.ids !== undefined);
        const ids = options.ids === undefined ? {} : { ids: JSON.stringify(options.ids.map(Number)) };
        if (options.state === 'held') {
          return { requeued: this.#db.prepare(SQL.requeueHeld(where)).run({ now, ...ids }).changes, kept: 0 };
        }
        const chosen = this.#db.prepare(SQL.countDead(where)).pluck().get(ids) as number;
        // A dead letter whose identifier was recorded again since stays: it would be a second event with that identifier.
        const requeued = this.#db
          .prepare(SQL.requeueDead(where))
          .run({ now, ...ids }).changes;
        // Outbox ids are never reused (AUTOINCREMENT): a dead letter's id in the outbox is that letter, requeued.
        this.#db.prepare(SQL.dropRequeued(where)).run(ids);
        return { requeued, kept: chosen - requeued };
      }).immediate(),
    );
  }

  markHeldDelivered(ids: string[], now: number): Promise<number> {
    return this.#run('mark held events delivered', () => {
      const stmt = this.#db.prepare(SQL.markDelivered);
      return this.#db.transaction(() => ids.reduce((n, id) => n + stmt.run(now, Number(id)).changes, 0)).immediate();
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    // Inserts queued in this turn are committed first: a record() in flight still resolves.
    this.#commit();
    this.#closed = true;
    this.#db.close();
  }
}

function letterBase(r: Row): Omit<Letter, 'state' | 'at' | 'reason'> {
  return { id: String(r.id), identifier: r.identifier, event_name: r.event_name, payload: JSON.parse(r.payload) as Record<string, string>, timestamp: r.timestamp, attempts: r.attempts, recordedAt: r.recorded_at };
}
