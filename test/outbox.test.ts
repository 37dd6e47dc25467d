// The outbox on its embedded store (real SQLite files) delivering to the in-process emulator,
// which counts every accepted copy: each "exactly once" below fails when an event is lost or
// counted twice.
import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StripeInvalidParameterError } from '../src/index.js';
import { createOutbox, OutboxCloseAbortedError, OutboxClosedError, OutboxStoreError, type OutboxNotice } from '../src/outbox/index.js';
import { sqliteStore } from '../src/outbox/sqlite.node.js';
import { copiesAt, countedAt, EVENT, expectedCounts, inProcess, range, tempDatabases, total, until, usage } from './outbox-kit.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 15, 12) / 1000;
const dbPath = tempDatabases();

describe('outbox on SQLite', () => {
  it('stores before it acknowledges, then delivers every event exactly once', async () => {
    const { stripe, meterId } = await inProcess();
    const path = dbPath();
    const outbox = createOutbox(stripe, { store: sqliteStore(path), pollIntervalMs: 10 });
    const reader = new Database(path, { readonly: true });
    const first = await outbox.record(usage(0));
    // Resolved: another connection sees it, before any relay ran.
    expect(reader.prepare('SELECT identifier, timestamp FROM stripe_meters_outbox').all()).toEqual([{ identifier: first.identifier, timestamp: first.timestamp }]);
    reader.close();
    await Promise.all(range(1999).map((i) => outbox.record(usage(i + 1))));
    expect(await outbox.stats()).toMatchObject({ recorded: 2000, pending: 2000, delivered: 0, inFlight: 0 });
    outbox.start();
    await until(async () => (await outbox.stats()).delivered === 2000, 10_000, 'delivery');
    expect(await outbox.stats()).toMatchObject({ recorded: 2000, pending: 0, inFlight: 0, delivered: 2000, dead: 0, held: 0, oldestPendingAgeMs: 0 });
    await outbox.close();
    expect(await countedAt(stripe, meterId)).toEqual(expectedCounts(range(2000)));
    await expect(outbox.record(usage(1))).rejects.toThrow(OutboxClosedError);
  });

  it('checks events with the SDK rules before storing anything', async () => {
    const { stripe } = await inProcess();
    const outbox = createOutbox(stripe, { store: sqliteStore(dbPath()) });
    await expect(outbox.record({ event_name: EVENT, payload: { stripe_customer_id: 'cus_1', value: Number.NaN } })).rejects.toThrow(StripeInvalidParameterError);
    await expect(outbox.record({ event_name: EVENT, payload: { value: 1 }, timestamp: new Date(Date.now() - 40 * DAY) })).rejects.toThrow(/35 days/);
    await expect(outbox.record({ event_name: '', payload: {} })).rejects.toThrow(/event_name/);
    expect((await outbox.stats()).recorded).toBe(0);
    await outbox.close();
    expect(() => createOutbox(stripe, { store: undefined as never })).toThrow(/store must be an outbox store/);
    expect(() => createOutbox(stripe, { store: sqliteStore(dbPath()), leaseMs: 5 })).toThrow(/leaseMs/);
  });

  it('rejects record() with a typed error when the store cannot write, and acknowledges nothing it did not store', async () => {
    const { stripe } = await inProcess();
    // Full: the file may not grow past 64 KiB.
    const full = createOutbox(stripe, { store: sqliteStore(dbPath(), { maxBytes: 64 * 1024 }) });
    const big = { event_name: EVENT, payload: { stripe_customer_id: 'cus_1', value: 1, ...Object.fromEntries(range(5).map((k) => [`note_${k}`, 'x'.repeat(100)])) } };
    const outcomes = await Promise.allSettled(range(400).map(() => full.record(big)));
    const stored = outcomes.filter((o) => o.status === 'fulfilled').length;
    const rejected = outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason as OutboxStoreError);
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected.every((e) => e instanceof OutboxStoreError && e.code === 'full')).toBe(true);
    expect((await full.stats()).recorded).toBe(stored);
    await full.close();

    // Locked: another process holds the write lock longer than the store waits.
    const path = dbPath();
    const locked = createOutbox(stripe, { store: sqliteStore(path, { busyTimeoutMs: 50 }) });
    const other = new Database(path);
    other.exec('BEGIN EXCLUSIVE');
    await expect(locked.record(usage(1))).rejects.toMatchObject({ name: 'OutboxStoreError', code: 'locked' });
    other.exec('COMMIT');
    other.close();
    await locked.record(usage(2));
    expect((await locked.stats()).recorded).toBe(1);
    await locked.close();

    // Corrupt: not a database.
    const corrupt = dbPath();
    writeFileSync(corrupt, Buffer.alloc(8192, 7));
    expect(() => sqliteStore(corrupt)).toThrow(expect.objectContaining({ name: 'OutboxStoreError', code: 'corrupt' }) as Error);
  });

  it('loses nothing and counts nothing twice through outages, 429s, cut answers and expiring sessions', async () => {
    const { emulator, stripe, meterId } = await inProcess({
      sessionLifetimeSeconds: 1,
      faultSeed: 17,
      faults: [
        { path: '/v2/billing/meter_event_stream', fault: 'reset_after', rate: 0.2 },
        { path: '/v2/billing/meter_event_stream', fault: 'reset', rate: 0.1 },
        { path: '/v2/billing/meter_event_stream', fault: 'rate_limit', rate: 0.15, retryAfterSeconds: 0 },
        { path: '/v2/billing/meter_event_stream', fault: 'server_error', rate: 0.15 },
        { path: '/v2/billing/meter_event_session', fault: 'server_error', rate: 0.2 },
      ],
    });
    const outbox = createOutbox(stripe, { store: sqliteStore(dbPath()), pollIntervalMs: 5, batchSize: 200, retryBudgetMs: 200, leaseMs: 2000 });
    const recorded = await Promise.all(range(3000).map((i) => outbox.record(usage(i))));
    outbox.start();
    // Every answer lost first (the events land; the relay cannot know), past the retry budget.
    emulator.setFaults([{ path: '/v2/billing/meter_event_stream', fault: 'reset_after' }]);
    await until(async () => total(await countedAt(stripe, meterId)) > 0, 5000, 'events landing unanswered');
    await new Promise((resolve) => setTimeout(resolve, 400));
    // Then a full outage: nothing gets through, nothing is lost.
    emulator.setFaults([{ fault: 'server_error' }]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await outbox.stats()).delivered).toBe(0);
    emulator.setFaults([
      { path: '/v2/billing/meter_event_stream', fault: 'reset_after', rate: 0.15 },
      { path: '/v2/billing/meter_event_stream', fault: 'cut_body', rate: 0.15 },
      { path: '/v2/billing/meter_event_stream', fault: 'session_expired', rate: 0.1 },
      { path: '/v2/billing/meter_event_stream', fault: 'rate_limit', rate: 0.1 },
      { path: '/v2/billing/meter_event_stream', fault: 'rate_limit', rate: 0.1, retryAfterSeconds: 0 },
      { path: '/v2/billing/meter_event_stream', fault: 'server_error', rate: 0.1, status: 503 },
      { path: '/v2/billing/meter_event_session', fault: 'server_error', rate: 0.2 },
    ]);
    await until(async () => (await outbox.stats()).delivered === 3000, 20_000, 'delivery through faults');
    await outbox.close();
    expect(await countedAt(stripe, meterId)).toEqual(expectedCounts(range(3000)));
    expect(copiesAt(emulator, recorded.map((e) => e.identifier))).toEqual({ missing: [], twice: [], unexpected: 0 });
    expect(emulator.stats().faults).toMatchObject({ reset_after: expect.any(Number), cut_body: expect.any(Number), session_expired: expect.any(Number), rate_limit: expect.any(Number) });
  });

  it('delivers with v1 creates, and takes "already exists" for an identifier it sent as delivered', async () => {
    const { stripe, meterId } = await inProcess({ faults: [{ path: '/v1/billing/meter_events', fault: 'reset_after', rate: 0.2 }] });
    const outbox = createOutbox(stripe, { store: sqliteStore(dbPath()), via: 'v1', pollIntervalMs: 5 });
    const recorded = await Promise.all(range(300).map((i) => outbox.record(usage(i))));
    // As if a relay had sent the first ten and died before marking them delivered.
    for (const event of recorded.slice(0, 10)) await stripe.billing.meterEvents.create({ ...event, timestamp: Math.floor(Date.parse(event.timestamp) / 1000) }, { maxNetworkRetries: 5 });
    outbox.start();
    await until(async () => (await outbox.stats()).delivered === 300, 10_000, 'v1 delivery');
    expect((await outbox.stats()).dead).toBe(0);
    await outbox.close();
    expect(await countedAt(stripe, meterId)).toEqual(expectedCounts(range(300)));
  });

  it('dead-letters a stream batch Stripe refuses, once the bad event stands alone', async () => {
    const { emulator, stripe, meterId } = await inProcess();
    const outbox = createOutbox(stripe, { store: sqliteStore(dbPath()), pollIntervalMs: 5, batchSize: 1 });
    const refused = await outbox.record(usage(0));
    emulator.setFaults([{ path: '/v2/billing/meter_event_stream', fault: 'error', status: 400, code: 'invalid_fields', message: 'A bad event', times: 1 }]);
    outbox.start();
    await until(async () => (await outbox.stats()).dead === 1, 5000, 'a dead letter');
    const good = await outbox.record(usage(1));
    await until(async () => (await outbox.stats()).delivered === 1, 5000, 'the next event');
    expect(await outbox.letters()).toEqual([expect.objectContaining({ identifier: refused.identifier, error: expect.objectContaining({ type: 'StripeInvalidRequestError', statusCode: 400, code: 'invalid_fields' }) as object })]);
    await outbox.close();
    expect(copiesAt(emulator, [good.identifier])).toEqual({ missing: [], twice: [], unexpected: 0 });
    expect(total(await countedAt(stripe, meterId))).toBe(1);
  });

  it('dead-letters, unsent, an event no meter counts, with the rule broken, and retries it on request once the meter exists', async () => {
    const { stripe, meterId } = await inProcess();
    const notices: OutboxNotice[] = [];
    const outbox = createOutbox(stripe, { store: sqliteStore(dbPath()), via: 'v1', pollIntervalMs: 5, onNotice: (n) => notices.push(n) });
    await outbox.record(usage(0));
    const refused = await outbox.record({ event_name: 'no_such_meter', payload: { stripe_customer_id: 'cus_0', value: 1 } });
    outbox.start();
    await until(async () => (await outbox.stats()).dead === 1, 5000, 'a dead letter');
    const [letter] = await outbox.letters();
    expect(letter).toMatchObject({ state: 'dead', identifier: refused.identifier, event_name: 'no_such_meter', error: { type: 'OutboxMeterError', code: 'no_meter' } });
    expect(letter?.reason).toMatch(/meter/i);
    expect(notices).toContainEqual(expect.objectContaining({ type: 'dead', identifier: refused.identifier }));
    // The cause fixed (the meter created), a person sends it again: the relay lists the meters again on the miss.
    await stripe.billing.meters.create({ display_name: 'Late meter', event_name: 'no_such_meter', default_aggregation: { formula: 'sum' } });
    expect(await outbox.retry({ state: 'dead' })).toEqual({ requeued: 1, kept: 0 });
    await until(async () => (await outbox.stats()).delivered === 2, 5000, 'the retried letter');
    expect(await outbox.stats()).toMatchObject({ dead: 0, delivered: 2, recorded: 2 });
    await outbox.close();
    expect(total(await countedAt(stripe, meterId))).toBe(1);
  });

  it('holds an event that may have landed when a resend could come after Stripe forgets its identifier', async () => {
    // Every stream request lands and its answer is lost: the event is counted, the relay cannot know.
    const { emulator, stripe, meterId } = await inProcess({ clock: { start: T0, frozen: true }, faults: [{ path: '/v2/billing/meter_event_stream', fault: 'reset_after' }] });
    const now = () => emulator.clock.now() * 1000;
    const notices: OutboxNotice[] = [];
    const outbox = createOutbox(stripe, { store: sqliteStore(dbPath()), pollIntervalMs: 5, retryBudgetMs: 0, leaseMs: 1000, now, onNotice: (n) => notices.push(n) });
    const event = await outbox.record(usage(0));
    outbox.start();
    await until(async () => total(await countedAt(stripe, meterId, now())) === 1 && (await outbox.stats()).pending === 1, 5000, 'a lost answer');
    emulator.setFaults([]);
    // 25 hours on: Stripe no longer knows the identifier, so a resend would count twice.
    emulator.clock.advance({ seconds: 25 * 3600 });
    await until(async () => (await outbox.stats()).held === 1, 5000, 'the hold');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(total(await countedAt(stripe, meterId, now()))).toBe(1);
    expect(await outbox.letters({ state: 'held' })).toEqual([expect.objectContaining({ identifier: event.identifier, state: 'held', reason: expect.stringMatching(/24 hours/) as string })]);
    expect(notices).toContainEqual(expect.objectContaining({ type: 'held', identifier: event.identifier }));
    // The decision: it is at Stripe, so it is delivered and never sent again.
    const [held] = await outbox.letters({ state: 'held' });
    expect(await outbox.markDelivered({ ids: [held!.id] })).toBe(1);
    expect(await outbox.stats()).toMatchObject({ held: 0, delivered: 1, pending: 0 });
    await outbox.close();
    expect(total(await countedAt(stripe, meterId, now()))).toBe(1);
  });

  it('resends within the 24 hours without holding, and dedupes there', async () => {
    const { emulator, stripe, meterId } = await inProcess({ clock: { start: T0, frozen: true }, faults: [{ path: '/v2/billing/meter_event_stream', fault: 'reset_after', times: 1 }] });
    const now = () => emulator.clock.now() * 1000;
    const outbox = createOutbox(stripe, { store: sqliteStore(dbPath()), pollIntervalMs: 5, retryBudgetMs: 0, leaseMs: 1000, now });
    await outbox.record(usage(0));
    outbox.start();
    await until(async () => (await outbox.stats()).pending === 1 && total(await countedAt(stripe, meterId, now())) === 1, 5000, 'a lost answer');
    emulator.clock.advance({ seconds: 22 * 3600 });
    await until(async () => (await outbox.stats()).delivered === 1, 5000, 'the resend');
    expect(total(await countedAt(stripe, meterId, now()))).toBe(1);
    await outbox.close();
  });

  it("flags events nearing the 35-day window and dead-letters those past it without sending", async () => {
    const { emulator, stripe, meterId } = await inProcess({ clock: { start: T0, frozen: true } });
    const now = () => emulator.clock.now() * 1000;
    const notices: OutboxNotice[] = [];
    const outbox = createOutbox(stripe, { store: sqliteStore(dbPath()), pollIntervalMs: 5, now, onNotice: (n) => notices.push(n) });
    const nearing = await outbox.record({ ...usage(0), timestamp: new Date(now() - 33 * DAY) });
    const late = await outbox.record({ ...usage(1), timestamp: new Date(now() - 34.9 * DAY) });
    await outbox.record(usage(2));
    expect((await outbox.stats()).nearingWindow).toBe(2);
    // A relay that comes back 3 hours later: one is past the window now.
    emulator.clock.advance({ seconds: 3 * 3600 });
    outbox.start();
    await until(async () => (await outbox.stats()).delivered + (await outbox.stats()).dead === 3, 5000, 'the relay');
    expect(await outbox.stats()).toMatchObject({ delivered: 2, dead: 1, nearingWindow: 0 });
    expect(await outbox.letters()).toEqual([expect.objectContaining({ identifier: late.identifier, error: expect.objectContaining({ type: 'OutboxWindowError', code: 'timestamp_too_far_in_past' }) as object })]);
    expect(notices).toContainEqual(expect.objectContaining({ type: 'nearing_window', identifier: nearing.identifier }));
    await outbox.close();
    expect(total(await countedAt(stripe, meterId, now()))).toBe(2);
  });

  it("takes over a dead relay's claims when its lease ends, not before", async () => {
    const { stripe, meterId } = await inProcess();
    const path = dbPath();
    let clock = Date.now();
    const store = sqliteStore(path);
    const outbox = createOutbox(stripe, { store, pollIntervalMs: 5, leaseMs: 60_000, now: () => clock });
    await Promise.all(range(50).map((i) => outbox.record(usage(i))));
    // A relay that claimed and died.
    const dead = sqliteStore(path);
    expect((await dead.claim('dead-relay', 50, 60_000, clock)).events).toHaveLength(50);
    await dead.close();
    outbox.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await outbox.stats()).toMatchObject({ inFlight: 50, delivered: 0 });
    clock += 60_001;
    await until(async () => (await outbox.stats()).delivered === 50, 5000, 'the takeover');
    await outbox.close();
    expect(await countedAt(stripe, meterId)).toEqual(expectedCounts(range(50)));
  });

  it('an aborted close() gives claims back, and the next relay delivers them', async () => {
    const { emulator, stripe, meterId } = await inProcess({ faults: [{ path: '/v2/billing/meter_event_stream', fault: 'rate_limit', retryAfterSeconds: 1 }] });
    const path = dbPath();
    const outbox = createOutbox(stripe, { store: sqliteStore(path), pollIntervalMs: 5, retryBudgetMs: 30_000, leaseMs: 60_000 });
    await Promise.all(range(100).map((i) => outbox.record(usage(i))));
    outbox.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closing = outbox.close({ signal: AbortSignal.timeout(100) });
    await expect(closing).rejects.toThrow(OutboxCloseAbortedError);
    emulator.setFaults([]);
    const next = createOutbox(stripe, { store: sqliteStore(path), pollIntervalMs: 5 });
    expect(await next.stats()).toMatchObject({ pending: 100, inFlight: 0 });
    next.start();
    await until(async () => (await next.stats()).delivered === 100, 5000, 'the next relay');
    await next.close();
    expect(await countedAt(stripe, meterId)).toEqual(expectedCounts(range(100)));
  });

  it('prunes delivered rows after the retention', async () => {
    const { stripe } = await inProcess();
    let clock = Date.now();
    const outbox = createOutbox(stripe, { store: sqliteStore(dbPath()), pollIntervalMs: 5, retentionMs: DAY, now: () => clock });
    await Promise.all(range(20).map((i) => outbox.record(usage(i))));
    outbox.start();
    await until(async () => (await outbox.stats()).delivered === 20, 5000, 'delivery');
    clock += DAY + 120_000;
    await outbox.record(usage(0)).catch(() => undefined);
    await until(async () => (await outbox.stats()).delivered <= 1, 5000, 'the prune');
    await outbox.close();
  });

  it('starts at once on a large backlog, and records while it drains (no queue that blocks start-up)', async () => {
    const { stripe, meterId } = await inProcess();
    const path = dbPath();
    const filler = createOutbox(stripe, { store: sqliteStore(path) });
    await Promise.all(range(20_000).map((i) => filler.record(usage(i))));
    await filler.close();
    const outbox = createOutbox(stripe, { store: sqliteStore(path), pollIntervalMs: 5 });
    outbox.start();
    // Stored while the backlog is still being delivered: start() waits for nothing.
    await outbox.record(usage(20_000));
    expect((await outbox.stats()).pending).toBeGreaterThan(10_000);
    await until(async () => (await outbox.stats()).delivered === 20_001, 15_000, 'the backlog');
    await outbox.close();
    expect(await countedAt(stripe, meterId)).toEqual(expectedCounts(range(20_001)));
  });
});
