// What the relay decides before it sends, on the embedded store delivering to the in-process
// emulator: events no active meter would count are dead-lettered unsent (the stream would accept
// them and drop them, and "delivered" would be a lie), and a notice hook that fails stops nothing.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createOutbox, type OutboxNotice } from '../src/outbox/index.js';
import { sqliteStore } from '../src/outbox/sqlite.node.js';
import { copiesAt, countedAt, EVENT, expectedCounts, inProcess, KEY, range, tempDatabases, until, usage } from './outbox-kit.js';

const dbPath = tempDatabases();
afterEach(() => vi.restoreAllMocks());

describe('the relay checks events against the meters before sending', () => {
  it.each(['stream', 'v1'] as const)('%s: dead-letters, unsent, what no active meter would count, and delivers the rest once', async (via) => {
    const { emulator, stripe, meterId } = await inProcess();
    const retired = await stripe.billing.meters.create({ display_name: 'Retired', event_name: 'retired_usage', default_aggregation: { formula: 'sum' } });
    await stripe.billing.meters.deactivate(retired.id);
    const notices: OutboxNotice[] = [];
    const outbox = createOutbox(stripe, { store: sqliteStore(dbPath()), via, pollIntervalMs: 5, batchSize: 50, onNotice: (n) => notices.push(n) });
    const good = await Promise.all(range(40).map((i) => outbox.record(usage(i))));
    const bad = {
      no_meter: await outbox.record({ event_name: 'no_such_meter', payload: { stripe_customer_id: 'cus_1', value: 1 } }),
      meter_event_invalid_value: await outbox.record({ event_name: EVENT, payload: { stripe_customer_id: 'cus_1', value: '+5' } }),
      meter_event_no_customer_defined: await outbox.record({ event_name: EVENT, payload: { customer: 'cus_1', value: 1 } }),
      archived_meter: await outbox.record({ event_name: 'retired_usage', payload: { stripe_customer_id: 'cus_1', value: 1 } }),
    };
    outbox.start();
    await until(async () => {
      const s = await outbox.stats();
      return s.delivered + s.dead === 44;
    }, 10_000, 'the relay');
    expect(await outbox.stats()).toMatchObject({ delivered: 40, dead: 4, pending: 0 });
    const letters = await outbox.letters({ state: 'dead' });
    expect(Object.fromEntries(letters.map((l) => [l.error?.code, l.identifier]))).toEqual(Object.fromEntries(Object.entries(bad).map(([code, e]) => [code, e.identifier])));
    for (const letter of letters) {
      expect(letter.error).toMatchObject({ type: 'OutboxMeterError', statusCode: undefined });
      expect(letter.reason).toMatch(/^Not sent: no active meter would count this event/);
    }
    expect(letters.find((l) => l.error?.code === 'meter_event_invalid_value')?.reason).toMatch(/"\+5"/);
    expect(notices.filter((n) => n.type === 'dead')).toHaveLength(4);
    await outbox.close();
    // Stripe got the good events once each and none of the others.
    expect(copiesAt(emulator, good.map((e) => e.identifier))).toEqual({ missing: [], twice: [], unexpected: 0 });
    for (const e of Object.values(bad)) expect(emulator.countAccepted(e.identifier)).toBe(0);
    expect(await countedAt(stripe, meterId)).toEqual(expectedCounts(range(40)));
  });

  it('lists the meters once for many claims, and again when an event names a meter the list does not have', async () => {
    const { emulator, stripe } = await inProcess();
    const outbox = createOutbox(stripe, { store: sqliteStore(dbPath()), pollIntervalMs: 5, batchSize: 10 });
    const lists = () => emulator.requests().filter((r) => r.operationId === 'GetBillingMeters').length;
    await Promise.all(range(100).map((i) => outbox.record(usage(i))));
    outbox.start();
    await until(async () => (await outbox.stats()).delivered === 100, 10_000, 'delivery');
    expect(lists()).toBe(1);
    // A meter created after the list: its events are found, not dead-lettered.
    await stripe.billing.meters.create({ display_name: 'New', event_name: 'new_usage', default_aggregation: { formula: 'sum' } });
    const late = await outbox.record({ event_name: 'new_usage', payload: { stripe_customer_id: 'cus_1', value: 2 } });
    await until(async () => (await outbox.stats()).delivered === 101, 10_000, 'the new meter');
    expect(lists()).toBe(2);
    expect((await outbox.stats()).dead).toBe(0);
    await outbox.close();
    expect(emulator.countAccepted(late.identifier)).toBe(1);
  });

  it('judges a value\'s digits by the client\'s API version, as Stripe does (no limit before 2026-04-22)', async () => {
    const { emulator, stripe } = await inProcess({}, { apiVersion: '2025-03-31.basil' });
    const outbox = createOutbox(stripe, { store: sqliteStore(dbPath()), pollIntervalMs: 5 });
    const long = await outbox.record({ event_name: EVENT, payload: { stripe_customer_id: 'cus_1', value: '1234567890.1234567' } });
    outbox.start();
    await until(async () => {
      const s = await outbox.stats();
      return s.delivered + s.dead === 1;
    }, 10_000, 'the relay');
    expect(await outbox.stats()).toMatchObject({ delivered: 1, dead: 0 });
    await outbox.close();
    expect(emulator.countAccepted(long.identifier)).toBe(1);
    expect(emulator.errorReports()).toEqual([]);
  });

  it('with more meters than it reads (10,000, newest first), sends the events of the older ones rather than call them meterless', async () => {
    const { emulator, stripe, meterId } = await inProcess(); // the events' meter: the oldest
    for (const i of range(10_000)) emulator.answer({ method: 'POST', url: '/v1/billing/meters', body: `display_name=M&event_name=m_${i}&default_aggregation[formula]=sum`, header: (name) => (name === 'authorization' ? `Bearer ${KEY}` : undefined) });
    const outbox = createOutbox(stripe, { store: sqliteStore(dbPath()), pollIntervalMs: 5 });
    const event = await outbox.record(usage(0));
    const meterless = await outbox.record({ event_name: 'no_such_meter', payload: { stripe_customer_id: 'cus_1', value: 1 } });
    outbox.start();
    await until(async () => (await outbox.stats()).delivered === 2, 20_000, 'delivery');
    await outbox.close();
    expect(emulator.countAccepted(event.identifier)).toBe(1);
    // Stripe takes it and reports it (the relay could not know): what the stream would do with any.
    expect(emulator.countAccepted(meterless.identifier)).toBe(0);
    expect(await countedAt(stripe, meterId)).toEqual(expectedCounts([0]));
  }, 60_000);

  it('with checkMeters: false, sends without listing the meters (a key that may not list them)', async () => {
    const { emulator, stripe, meterId } = await inProcess();
    const outbox = createOutbox(stripe, { store: sqliteStore(dbPath()), pollIntervalMs: 5, checkMeters: false });
    await Promise.all(range(10).map((i) => outbox.record(usage(i))));
    outbox.start();
    await until(async () => (await outbox.stats()).delivered === 10, 10_000, 'delivery');
    await outbox.close();
    expect(emulator.requests().filter((r) => r.operationId === 'GetBillingMeters')).toHaveLength(0);
    expect(await countedAt(stripe, meterId)).toEqual(expectedCounts(range(10)));
  });
});

describe('events the relay does not send yet', () => {
  const row = (path: string, identifier: string) => {
    const db = new Database(path, { readonly: true });
    const found = db.prepare('SELECT attempts, first_attempt_at, last_error, state, lease_owner FROM stripe_meters_outbox WHERE identifier = ?').get(identifier) as { attempts: number; first_attempt_at: number | null; last_error: string | null; state: string; lease_owner: string | null };
    db.close();
    return found;
  };

  it('an event stamped more than Stripe\'s 5 minutes ahead waits until it is due, unsent, then is delivered once', async () => {
    const { emulator, stripe, meterId } = await inProcess({ clock: { frozen: true } });
    const path = dbPath();
    const now = () => emulator.clock.now() * 1000;
    const outbox = createOutbox(stripe, { store: sqliteStore(path), pollIntervalMs: 5, now });
    const ahead = Math.floor(now() / 1000) + 330; // inside record()'s allowance, outside what the stream counts
    const event = await outbox.record({ ...usage(0), timestamp: new Date(ahead * 1000) });
    outbox.start();
    // Read between claims (settled, lease released): a claim under way has counted its attempt.
    await until(() => row(path, event.identifier).last_error !== null && row(path, event.identifier).lease_owner === null, 10_000, 'the first claim, settled');
    // Not sent (the stream would take it and drop it), and not counted as an attempt.
    expect(emulator.countAccepted(event.identifier)).toBe(0);
    expect(emulator.requests().filter((r) => r.operationId === 'PostV2BillingMeterEventStream')).toHaveLength(0);
    expect(row(path, event.identifier)).toMatchObject({ attempts: 0, first_attempt_at: null, state: 'pending' });
    emulator.clock.advance({ seconds: 90 });
    await until(async () => (await outbox.stats()).delivered === 1, 10_000, 'delivery once due');
    await outbox.close();
    expect(emulator.countAccepted(event.identifier)).toBe(1);
    expect(emulator.errorReports()).toEqual([]);
    expect((await countedAt(stripe, meterId, now()))[0]).toBe(expectedCounts([0])[0]);
  });

  it('while the meters cannot be listed, events wait without counting attempts (never held as "first sent" when never sent)', async () => {
    const { emulator, stripe } = await inProcess();
    emulator.setFaults([{ path: '/v1/billing/meters', method: 'GET', fault: 'error', status: 403 }]);
    const path = dbPath();
    const notices: OutboxNotice[] = [];
    const outbox = createOutbox(stripe, { store: sqliteStore(path), pollIntervalMs: 5, onNotice: (n) => notices.push(n) });
    const event = await outbox.record(usage(0));
    outbox.start();
    let settled = row(path, event.identifier);
    await until(() => {
      settled = row(path, event.identifier);
      return notices.filter((n) => n.type === 'blocked').length >= 2 && settled.lease_owner === null;
    }, 10_000, 'two blocked claims, settled');
    expect(settled).toMatchObject({ attempts: 0, first_attempt_at: null, state: 'pending' });
    expect(emulator.countAccepted(event.identifier)).toBe(0);
    emulator.setFaults([]);
    await until(async () => (await outbox.stats()).delivered === 1, 10_000, 'delivery once the meters can be read');
    await outbox.close();
    expect(emulator.countAccepted(event.identifier)).toBe(1);
  });
});

describe('user hooks', () => {
  it('an onNotice that throws or rejects stops no delivery and crashes nothing: the relay goes on, the failure is a warning', async () => {
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const { stripe, meterId } = await inProcess();
    let calls = 0;
    const outbox = createOutbox(stripe, {
      store: sqliteStore(dbPath()),
      pollIntervalMs: 5,
      concurrency: 2,
      batchSize: 20,
      // Every other notice throws; the others reject (an async hook that fails).
      onNotice: (() => {
        if (++calls % 2 === 1) throw new Error('the hook broke');
        return Promise.reject(new Error('the async hook broke'));
      }) as (notice: OutboxNotice) => void,
    });
    // Each of these makes a notice (a dead letter) in the claim that carries good events too.
    for (const i of range(60)) await outbox.record(i % 10 === 0 ? { event_name: 'no_such_meter', payload: { stripe_customer_id: 'cus_1', value: 1 } } : usage(i));
    outbox.start();
    await until(async () => (await outbox.stats()).delivered === 54, 10_000, 'delivery past failing hooks');
    // Still running: what is recorded now is delivered too.
    await outbox.record(usage(60));
    await until(async () => (await outbox.stats()).delivered === 55, 10_000, 'the relay going on');
    expect((await outbox.stats()).dead).toBe(6);
    await outbox.close();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(calls).toBeGreaterThanOrEqual(6);
    expect(warnings.mock.calls.map(([message]) => String(message))).toEqual(expect.arrayContaining([expect.stringMatching(/onNotice hook failed.*the hook broke/), expect.stringMatching(/onNotice hook failed.*the async hook broke/)]));
    expect(await countedAt(stripe, meterId)).toEqual(expectedCounts(range(61).filter((i) => i === 60 || i % 10 !== 0)));
  });
});

describe('the SQLite store', () => {
  it('stamps recorded_at on the outbox clock (its now option)', async () => {
    const { stripe } = await inProcess();
    const path = dbPath();
    const clock = Date.now() - 5 * 3_600_000;
    const outbox = createOutbox(stripe, { store: sqliteStore(path), now: () => clock });
    await outbox.record(usage(0));
    expect(await outbox.stats()).toMatchObject({ pending: 1, oldestPendingAgeMs: 0 });
    await outbox.close();
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT recorded_at FROM stripe_meters_outbox').pluck().all()).toEqual([clock]);
    db.close();
  });
});
