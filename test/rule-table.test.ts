// The rule table: every case runs through every caller of Stripe's rules and must get one verdict
// everywhere: the client before sending (v1, v2, a stream request, the batching stream), the
// upload command's row check, and the emulator's answer (v1, v2) and its asynchronous validation
// (the stream, whose error reports say why). A verdict is "counted" (the summary of the case's
// own customer shows the value once: a second copy would show) or "refused" (with the rule's one
// wording, and nothing counted). The client refuses before sending whatever it can know without
// the meter; what depends on the meter, Stripe (the emulator) refuses on every path.
import { beforeAll, describe, expect, it } from 'vitest';
import { IdentifierDeriver } from '../src/cli/upload/identifier.js';
import { checkRow, meterIndex, rowIdentity } from '../src/cli/upload/row-check.js';
import { createEmulator } from '../src/emulator/index.js';
import { StripeError, StripeInvalidParameterError, StripeMeters, type FetchLike } from '../src/index.js';
import { toFormString } from '../src/internal/form.js';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0) / 1000; // 2026-11-22T12:00:00Z
const DAY = 86_400;
const KEY = 'sk_test_rule_table';
const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

const CLIENT = ['client v1', 'client v2', 'client stream', 'batching stream'] as const;
const EMULATOR = ['emulator v1', 'emulator v2', 'emulator stream'] as const;
type Channel = (typeof CLIENT)[number] | 'row check' | (typeof EMULATOR)[number];
const CHANNELS: Channel[] = [...CLIENT, 'row check', ...EMULATOR];

interface Refused {
  /** Matches the message on every channel: the rule's one wording. */
  reason: RegExp;
  /** Whether the client refuses it before sending (it needs no meter to know) or leaves it to Stripe. */
  client: 'before' | 'stripe';
}

interface Case {
  name: string;
  /** Which meter the event names. @default 'sum' */
  meter?: 'sum' | 'count' | 'archived' | 'none';
  /** The payload, given the case's own customer. @default { stripe_customer_id: customer, value: '5' } */
  payload?: (customer: string) => Record<string, string>;
  /** What the client is given instead (numbers it writes as strings). */
  clientPayload?: (customer: string) => Record<string, unknown>;
  /** The identifier, given a tag unique to the channel. @default `${tag}` */
  identifier?: (tag: string) => string;
  event_name?: string;
  /** The event's time. @unit seconds from NOW @default -3600 */
  at?: number;
  /** Wire syntax: the timestamp as given on each wire, for the cases about its form. */
  timestamp?: { v1?: unknown; rfc3339?: unknown };
  /** Counted with this value, or refused. */
  expect: number | Refused;
  /** Channels the case cannot run on, and why. */
  na?: Partial<Record<Channel, string>>;
}

const before = (reason: RegExp): Refused => ({ reason, client: 'before' });
const stripe = (reason: RegExp): Refused => ({ reason, client: 'stripe' });
const value = (v: string) => (customer: string) => ({ stripe_customer_id: customer, value: v });
const NO_TIMESTAMP_ON_FILE = 'the upload reads its own timestamp forms (cli-units.test.ts); it sends what it read in the wire form';
const FORM_CANNOT = 'a v1 form body is UTF-8 text and cannot carry this';

const CASES: Case[] = [
  // Values (the meter's value key): decimals, negatives, at most 15 significant digits.
  { name: 'a whole number', expect: 5 },
  { name: 'a decimal', payload: value('2.5'), expect: 2.5 },
  { name: 'a negative value (a correction)', payload: value('-3'), expect: -3 },
  { name: 'leading zeros', payload: value('007'), expect: 7 },
  { name: '15 significant digits', payload: value('123456789012345'), expect: 123456789012345 },
  { name: 'leading zeros are not significant', payload: value('0.000000000000001'), expect: 0.000000000000001 },
  { name: 'a number the client writes as a decimal string', clientPayload: (c) => ({ stripe_customer_id: c, value: 0.25 }), payload: value('0.25'), expect: 0.25 },
  { name: 'a leading plus sign', payload: value('+5'), expect: stripe(/is "\+5", which is not a decimal number/) },
  { name: 'a leading decimal point', payload: value('.5'), expect: stripe(/is "\.5", which is not a decimal number/) },
  { name: 'a trailing decimal point', payload: value('5.'), expect: stripe(/is "5\.", which is not a decimal number/) },
  { name: 'an exponent', payload: value('1e3'), expect: stripe(/is "1e3", which is not a decimal number/) },
  { name: 'spaces around the value', payload: value(' 5'), expect: stripe(/is " 5", which is not a decimal number/) },
  { name: 'not a number', payload: value('five'), expect: stripe(/is "five", which is not a decimal number/) },
  { name: '16 significant digits', payload: value('1234567890123456'), expect: stripe(/^The value in the event payload can have at most 15 digits\. Received 1234567890123456\.$/) },
  { name: 'trailing zeros are significant', payload: value('1.0000000000000000'), expect: stripe(/at most 15 digits\. Received 1\.0000000000000000\./) },
  { name: 'a trailing zero past 15 digits', payload: value('1.234567890123450'), expect: stripe(/at most 15 digits\. Received 1\.234567890123450\./) },
  {
    name: 'a number with more digits than Stripe takes (0.1 + 0.2)',
    clientPayload: (c) => ({ stripe_customer_id: c, value: 0.1 + 0.2 }),
    payload: value('0.30000000000000004'),
    expect: before(/at most 15 digits\. Received 0\.30000000000000004\./),
  },
  // The meter: it exists and is active; the payload has its customer and value keys.
  { name: 'an event name with no meter', meter: 'none', expect: stripe(/^No (active )?meter (was )?found (matching|for) event.name "?nothing"?\.$/) },
  { name: 'an inactive meter', meter: 'archived', expect: stripe(/No active meter found for event name "archived"|The meter mtr_\w+ for event_name archived is inactive/) },
  { name: 'no customer', payload: () => ({ value: '5' }), expect: stripe(/^Customer mapping key stripe_customer_id not found in payload\.$/) },
  { name: 'an empty customer', payload: () => ({ stripe_customer_id: '', value: '5' }), expect: stripe(/^Customer mapping key stripe_customer_id not found in payload\.$/), na: { 'row check': 'an empty cell is an absent key (the case above)' } },
  { name: 'no value', payload: (c) => ({ stripe_customer_id: c }), expect: stripe(/^Value settings key value not found in payload\.$/) },
  { name: 'a count meter reads no value', meter: 'count', payload: (c) => ({ stripe_customer_id: c }), expect: 1 },
  { name: 'a count meter ignores a value it does not read', meter: 'count', payload: value('lots'), expect: 1 },
  // Timestamps: Stripe's window, far from its edges (the edges: "the clock margin" below).
  { name: '34 days ago', at: -34 * DAY, expect: 5 },
  { name: '3 minutes ahead', at: 180, expect: 5 },
  { name: '36 days ago', at: -36 * DAY, expect: before(/^The event timestamp cannot be more than 35 days in past\. Expected a timestamp greater than or equal to \d+\.$/) },
  { name: '10 minutes ahead', at: 600, expect: before(/^The event timestamp cannot be more than 5 minutes in the future\. Expected a timestamp less than or equal to \d+\.$/) },
  // Timestamps: each wire's own form (wire syntax: v1 unix seconds, v2 and the stream RFC 3339).
  { name: 'an RFC 3339 offset', timestamp: { rfc3339: '2026-11-22T16:30:00+05:30' }, expect: 5, na: { 'row check': NO_TIMESTAMP_ON_FILE } },
  { name: 'RFC 3339 without a time zone', timestamp: { rfc3339: '2026-11-22T11:00:00' }, expect: before(/timestamp must be an RFC 3339 date-time with a time zone/), na: { 'row check': NO_TIMESTAMP_ON_FILE } },
  { name: 'a space for the T', timestamp: { rfc3339: '2026-11-22 11:00:00Z' }, expect: before(/timestamp must be an RFC 3339 date-time with a time zone/), na: { 'row check': NO_TIMESTAMP_ON_FILE } },
  { name: 'a day that does not exist', timestamp: { rfc3339: '2026-02-30T11:00:00Z' }, expect: before(/timestamp must be an RFC 3339 date-time with a time zone/), na: { 'row check': NO_TIMESTAMP_ON_FILE } },
  {
    name: 'milliseconds on v1',
    timestamp: { v1: NOW * 1000 },
    // Stripe cannot tell milliseconds from a date 50,000 years ahead; the client and the command line say what it is.
    expect: before(/which is milliseconds|cannot be more than 5 minutes in the future/),
    na: { 'row check': NO_TIMESTAMP_ON_FILE },
  },
  // Identifiers and names: the spec's lengths, not empty, well-formed.
  { name: 'an identifier of 100 characters', identifier: (tag) => tag.padEnd(100, 'x'), expect: 5 },
  { name: 'an identifier of 101 characters', identifier: (tag) => tag.padEnd(101, 'x'), expect: before(/identifier must be at most 100 characters, got 101$/) },
  {
    name: 'an empty identifier',
    identifier: () => '',
    expect: before(/identifier must not be empty|You passed an empty string for 'identifier'/),
    na: { 'row check': 'an empty cell means "derive one"' },
  },
  { name: 'a lone surrogate in an identifier', identifier: (tag) => `${tag}-\ud800`, expect: before(/identifier is not well-formed Unicode: it holds a lone surrogate \(U\+D800\)/), na: { 'emulator v1': FORM_CANNOT } },
  { name: 'an emoji (a surrogate pair) in an identifier', identifier: (tag) => `${tag}-😀`, expect: 5 },
  { name: 'an empty event name', event_name: '', expect: before(/event_name must not be empty$|You passed an empty string for 'event_name'/) },
  { name: 'an event name of 101 characters', event_name: 'e'.repeat(101), expect: before(/event_name must be at most 100 characters, got 101$/) },
  // Payloads: values at most 100 characters on every path; keys Stripe can read.
  { name: 'a payload value of 100 characters', payload: (c) => ({ stripe_customer_id: c, value: '5', note: 'n'.repeat(100) }), expect: 5 },
  { name: 'a payload value of 101 characters', payload: (c) => ({ stripe_customer_id: c, value: '5', note: 'n'.repeat(101) }), expect: before(/payload\[note\] must be at most 100 characters, got 101$/) },
  { name: 'a customer id of 101 characters', payload: (c) => ({ stripe_customer_id: c.padEnd(101, 'x'), value: '5' }), expect: before(/payload\[stripe_customer_id\] must be at most 100 characters, got 101$/) },
  { name: 'a lone surrogate in a payload value', payload: (c) => ({ stripe_customer_id: c, value: '5', note: 'a\udc00' }), expect: before(/payload\[note\] is not well-formed Unicode/), na: { 'emulator v1': FORM_CANNOT } },
  { name: 'a payload key of 100 characters', payload: (c) => ({ stripe_customer_id: c, value: '5', ['k'.repeat(100)]: 'x' }), expect: 5 },
  { name: 'a payload key of 101 characters', payload: (c) => ({ stripe_customer_id: c, value: '5', ['k'.repeat(101)]: 'x' }), expect: before(/payload has a key of 101 characters; a meter reads keys of at most 100$/) },
  { name: 'an empty payload key', payload: (c) => ({ stripe_customer_id: c, value: '5', '': 'x' }), expect: before(/payload has an empty key/), na: { 'emulator v1': 'in a v1 form, payload[]=x appends to a list' } },
  { name: 'brackets in a payload key', payload: (c) => ({ stripe_customer_id: c, value: '5', 'a[b]': 'x' }), expect: before(/payload has the key "a\[b\]"; keys cannot hold \[ or \]/), na: { 'emulator v1': 'in a v1 form, payload[a[b]]=x is a nested map' } },
];

type Outcome = { verdict: 'counted'; total: number } | { verdict: 'refused'; by: 'client' | 'answer' | 'report' | 'row check'; message: string };

const emulator = createEmulator({ clock: { start: NOW, frozen: true }, onWarning: () => undefined });
let requests = 0;
const counting: FetchLike = (input, init) => {
  requests++;
  return emulator.fetch(input as string, init as RequestInit);
};
const client = new StripeMeters(KEY, { fetch: counting, now: () => NOW * 1000, maxNetworkRetries: 0 });
const meterIds: Record<'sum' | 'count' | 'archived', string> = { sum: '', count: '', archived: '' };
let token = '';

beforeAll(async () => {
  for (const [kind, formula] of [['sum', 'sum'], ['count', 'count'], ['archived', 'sum']] as const) {
    meterIds[kind] = (await client.billing.meters.create({ display_name: kind, event_name: kind, default_aggregation: { formula } })).id;
  }
  await client.billing.meters.deactivate(meterIds.archived);
  token = (await client.v2.billing.meterEventSession.create()).authentication_token;
});

/** The event a case sends on a channel, as plain data (the client's own input for client channels). */
function eventOf(c: Case, channel: Channel, tag: string): Record<string, unknown> {
  const customer = `cus_${tag}`;
  const event_name = c.event_name ?? (c.meter === 'none' ? 'nothing' : (c.meter ?? 'sum'));
  const payload = (channel.startsWith('client') || channel === 'batching stream') && c.clientPayload !== undefined ? c.clientPayload(customer) : (c.payload ?? value('5'))(customer);
  const seconds = NOW + (c.at ?? -3600);
  const v1 = channel === 'client v1' || channel === 'emulator v1' || channel === 'row check';
  const given = c.timestamp === undefined ? undefined : v1 ? c.timestamp.v1 : c.timestamp.rfc3339;
  const timestamp = c.timestamp === undefined ? (v1 ? seconds : iso(seconds)) : given;
  return { event_name, payload, identifier: c.identifier === undefined ? tag : c.identifier(tag), ...(timestamp === undefined ? {} : { timestamp }) };
}

async function counted(c: Case, customer: string): Promise<number> {
  const id = meterIds[c.meter === 'count' ? 'count' : 'sum'];
  const summaries = await client.billing.meters.listEventSummaries(id, { customer, start_time: NOW - 40 * DAY, end_time: NOW + 3600 });
  return summaries.data.reduce((sum, s) => sum + s.aggregated_value, 0);
}

function reported(identifier: unknown): string | undefined {
  for (const report of emulator.errorReports()) {
    for (const type of report.data.reason.error_types) {
      const sample = type.sample_errors.find((s) => s.event_identifier === identifier);
      if (sample !== undefined) return sample.error_message;
    }
  }
  return undefined;
}

/** After a 200: the event counted, or it was reported (and counted nothing). */
async function settled(c: Case, event: Record<string, unknown>, customer: string): Promise<Outcome> {
  const message = reported(event['identifier']);
  const total = await counted(c, customer);
  if (message !== undefined) {
    expect(total, 'a reported event counts nothing').toBe(0);
    return { verdict: 'refused', by: 'report', message };
  }
  return { verdict: 'counted', total };
}

async function raw(path: string, body: string, json: boolean, auth = KEY): Promise<{ status: number; body: { error?: { message: string } } }> {
  const response = await emulator.fetch(`https://api.stripe.com${path}`, { method: 'POST', headers: { authorization: `Bearer ${auth}`, 'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded' }, body });
  return { status: response.status, body: (await response.json()) as { error?: { message: string } } };
}

async function run(c: Case, channel: Channel, tag: string): Promise<Outcome> {
  const event = eventOf(c, channel, tag);
  const customer = `cus_${tag}`;
  if (channel === 'row check') {
    const meters = meterIndex(await client.billing.meters.list({ limit: 100 }).autoPagingToArray({ limit: 100 }));
    const fields = { identifier: event['identifier'] as string, timestamp: String(event['timestamp']), event_name: event['event_name'] as string, payload: event['payload'] as Record<string, string> };
    const result = checkRow(fields, rowIdentity(fields, new IdentifierDeriver()), meters, NOW);
    return typeof result === 'string' ? { verdict: 'refused', by: 'row check', message: result } : { verdict: 'counted', total: NaN };
  }
  if (channel.startsWith('emulator')) {
    const answer =
      channel === 'emulator v1'
        ? await raw('/v1/billing/meter_events', toFormString(event), false)
        : channel === 'emulator v2'
          ? await raw('/v2/billing/meter_events', JSON.stringify(event), true)
          : await raw('/v2/billing/meter_event_stream', JSON.stringify({ events: [event] }), true, token);
    if (answer.status !== 200) return { verdict: 'refused', by: 'answer', message: answer.body.error?.message ?? '' };
    return settled(c, event, customer);
  }
  const sentBefore = requests;
  try {
    if (channel === 'client v1') await client.billing.meterEvents.create(event as never);
    else if (channel === 'client v2') await client.v2.billing.meterEvents.create(event as never);
    else if (channel === 'client stream') await client.v2.billing.meterEventStream.create({ events: [event as never] }, { apiKey: token });
    else {
      const failures: unknown[] = [];
      const stream = client.meterEventSender({ onError: (f) => void failures.push(f.error) });
      try {
        await stream.send(event as never);
      } finally {
        await stream.close();
      }
      if (failures.length > 0) throw failures[0];
    }
  } catch (error) {
    if (error instanceof StripeInvalidParameterError) {
      expect(requests, 'refused before sending: nothing sent').toBe(sentBefore);
      return { verdict: 'refused', by: 'client', message: error.message };
    }
    if (error instanceof StripeError && error.statusCode === 400) return { verdict: 'refused', by: 'answer', message: error.message };
    throw error;
  }
  return settled(c, event, customer);
}

describe('the rule table: one verdict per case on every path', () => {
  CASES.forEach((c, index) => {
    it(`${c.name}`, async () => {
      const outcomes: Array<[Channel, Outcome]> = [];
      for (const channel of CHANNELS) {
        if (c.na?.[channel] !== undefined) continue;
        if (c.timestamp !== undefined && (channel === 'client v1' || channel === 'emulator v1' ? c.timestamp.v1 : c.timestamp.rfc3339) === undefined && channel !== 'row check') continue;
        outcomes.push([channel, await run(c, channel, `t${index}-${channel.replace(/ /g, '-')}`)]);
      }
      expect(outcomes.length, 'the case runs somewhere on each side').toBeGreaterThanOrEqual(2);
      for (const [channel, outcome] of outcomes) {
        // A stream request names the event's place (events[0][payload]): the wording is the same.
        if (outcome.verdict === 'refused') outcome.message = outcome.message.replace(/events\[0\]\[(\w+)\]/g, '$1');
        if (typeof c.expect === 'number') {
          expect(outcome, channel).toMatchObject({ verdict: 'counted' });
          // The row check counts nothing itself; what it accepts, the upload sends (rule-table upload test).
          if (channel !== 'row check' && outcome.verdict === 'counted') expect(outcome.total, `${channel}: counted once`).toBeCloseTo(c.expect, 12);
        } else {
          expect(outcome, channel).toMatchObject({ verdict: 'refused', message: expect.stringMatching(c.expect.reason) });
          if (CLIENT.includes(channel as (typeof CLIENT)[number])) {
            expect(outcome.verdict === 'refused' && outcome.by === 'client', `${channel}: refused before sending`).toBe(c.expect.client === 'before');
          }
        }
      }
    });
  });
});

describe('the clock margin at the window edges: Stripe\'s clock decides, the client leaves the edge to it, the command line keeps off it', () => {
  // The client's clock may be off Stripe's by up to a minute: it refuses only what is out either way.
  // The command line must never call accepted a row Stripe drops: it refuses what may be out.
  it.each([
    ['35 days and 30 seconds ago', -35 * DAY - 30, { emulator: 'refused', client: 'sent', row: 'refused' }],
    ['35 days less 30 seconds ago', -35 * DAY + 30, { emulator: 'counted', client: 'sent', row: 'refused' }],
    ['35 days less 90 seconds ago', -35 * DAY + 90, { emulator: 'counted', client: 'sent', row: 'counted' }],
    ['4 minutes 30 seconds ahead', 270, { emulator: 'counted', client: 'sent', row: 'refused' }],
    ['5 minutes 30 seconds ahead', 330, { emulator: 'refused', client: 'sent', row: 'refused' }],
    ['6 minutes 30 seconds ahead', 390, { emulator: 'refused', client: 'refused', row: 'refused' }],
  ] as const)('%s', async (_, at, want) => {
    const c: Case = { name: 'edge', at, expect: 5 };
    const tag = `edge${at}`;
    const emulatorSays = await run(c, 'emulator v2', `${tag}-e`);
    expect(emulatorSays.verdict).toBe(want.emulator);
    for (const channel of CLIENT) {
      const outcome = await run(c, channel, `${tag}-${channel.replace(/ /g, '-')}`);
      // Sent: whatever Stripe decides (v2 refuses at once, the stream reports).
      if (want.client === 'sent') expect(outcome.verdict === 'refused' && outcome.by === 'client', channel).toBe(false);
      else expect(outcome, channel).toMatchObject({ verdict: 'refused', by: 'client' });
    }
    expect((await run(c, 'row check', `${tag}-r`)).verdict).toBe(want.row);
  });
});

describe('summary bounds: one rule for the client, the emulator and the command line', () => {
  it.each([
    [NOW - 3600, NOW, undefined, undefined],
    [NOW - 3600 + 30, NOW, undefined, /start_time must be aligned to a minute boundary/],
    [NOW - 5400, NOW, 'hour', /start_time must be aligned to an hour boundary/],
    [NOW - DAY, NOW, 'day', /must be aligned to 00:00 UTC/],
    [NOW, NOW, undefined, /end_time \(\d+\) must be after start_time/],
  ] as const)('%i..%i by %s', async (start, end, window, reason) => {
    const params = { customer: 'cus_x', start_time: start, end_time: end, ...(window === undefined ? {} : { value_grouping_window: window }) };
    const sentBefore = requests;
    const fromClient = await client.billing.meters.listEventSummaries(meterIds.sum, params).then(() => undefined, (e: unknown) => e);
    const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
    const answer = await emulator.fetch(`https://api.stripe.com/v1/billing/meters/${meterIds.sum}/event_summaries?${query}`, { headers: { authorization: `Bearer ${KEY}` } });
    const body = (await answer.json()) as { error?: { message: string } };
    if (reason === undefined) {
      expect(fromClient).toBeUndefined();
      expect(answer.status).toBe(200);
    } else {
      expect(fromClient).toBeInstanceOf(StripeInvalidParameterError);
      expect(requests - sentBefore, 'the client refused before sending').toBe(0);
      expect((fromClient as Error).message).toMatch(reason);
      expect(answer.status).toBe(400);
      expect(body.error?.message).toMatch(reason);
      expect((fromClient as Error).message).toBe(body.error?.message);
    }
  });

  it('the command line widens what it is given to bounds both accept', async () => {
    const { widenSummaryRange } = await import('../src/rules/summaries.js');
    for (const window of [undefined, 'hour', 'day'] as const) {
      const { start, end } = widenSummaryRange(NOW - 3 * DAY + 17, NOW - 5, window);
      await client.billing.meters.listEventSummaries(meterIds.sum, { customer: 'cus_x', start_time: start, end_time: end, ...(window === undefined ? {} : { value_grouping_window: window }) });
    }
  });
});

describe('duplicates: Stripe\'s two answers, recognised everywhere; a resend counts once, a repeat in one batch is reported', () => {
  const first = async (tag: string) => {
    await client.billing.meterEvents.create({ event_name: 'sum', identifier: tag, payload: { stripe_customer_id: `cus_${tag}`, value: '5' }, timestamp: NOW - 60 });
    expect(await counted({ name: tag, expect: 5 }, `cus_${tag}`)).toBe(5);
  };

  it('an identifier Stripe already holds: v1\'s message and v2\'s code are duplicates to the client and the command line; the stream counts it once, without a report', async () => {
    const { isDuplicateMeterEvent } = await import('../src/index.js');
    const { settle } = await import('../src/cli/upload/senders.js');
    const tag = 'dup-held';
    await first(tag);
    const again = { event_name: 'sum', identifier: tag, payload: { stripe_customer_id: `cus_${tag}`, value: '7' }, timestamp: NOW - 30 };
    const v1 = await client.billing.meterEvents.create(again).then(() => undefined, (e: unknown) => e);
    const v2 = await client.v2.billing.meterEvents.create({ ...again, timestamp: iso(NOW - 30) }).then(() => undefined, (e: unknown) => e);
    expect(v1).toMatchObject({ statusCode: 400, code: undefined, message: `An event already exists with identifier ${tag}.`, headers: expect.objectContaining({ 'stripe-should-retry': 'false' }) });
    expect(v2).toMatchObject({ statusCode: 400, code: 'duplicate_meter_event' });
    for (const error of [v1, v2]) {
      expect(isDuplicateMeterEvent(error)).toBe(true);
      expect(isDuplicateMeterEvent(error, tag)).toBe(true);
      const row = { row: 1, raw: 'r' } as Parameters<typeof settle>[0];
      settle(row, error, () => expect.unreachable('not fatal'));
      expect(row.outcome).toBe('duplicate');
    }
    expect(isDuplicateMeterEvent(v1, 'another')).toBe(false);
    await client.v2.billing.meterEventStream.create({ events: [{ ...again, timestamp: iso(NOW - 30) }] }, { apiKey: token });
    expect(await counted({ name: tag, expect: 5 }, `cus_${tag}`)).toBe(5);
    expect(reported(tag)).toBeUndefined();
  });

  it('an identifier repeated in one stream request is a second event: reported as duplicate_meter_event, never dropped without a word', async () => {
    const tag = 'dup-batch';
    const e = (v: string) => ({ event_name: 'sum', identifier: tag, payload: { stripe_customer_id: `cus_${tag}`, value: v }, timestamp: iso(NOW - 60) });
    const answer = await raw('/v2/billing/meter_event_stream', JSON.stringify({ events: [e('5'), e('7')] }), true, token);
    expect(answer.status).toBe(200);
    expect(await counted({ name: tag, expect: 5 }, `cus_${tag}`)).toBe(5);
    const codes = emulator.errorReports().flatMap((r) => r.data.reason.error_types.filter((t) => t.sample_errors.some((s) => s.event_identifier === tag)).map((t) => t.code));
    expect(codes).toEqual(['duplicate_meter_event']);
    expect(reported(tag)).toBe(`An event already exists with identifier ${tag}.`);
  });
});

describe('the rule table through the upload command', () => {
  it('the upload sends exactly the rows its check accepts, each counted once, and refuses the others with the same reasons', async () => {
    const { mkdtempSync, readFileSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { PassThrough } = await import('node:stream');
    const { parse } = await import('csv-parse/sync');
    const { run: runCli } = await import('../src/cli/program.js');
    const dir = mkdtempSync(join(tmpdir(), 'stripe-meters-rule-table-'));
    try {
      // JSON Lines: every case the row check runs, lone surrogates and odd payload keys included.
      const rows = CASES.map((c, index) => ({ c, index })).filter(({ c }) => c.na?.['row check'] === undefined);
      const lines = rows.map(({ c, index }) => {
        const e = eventOf(c, 'row check', `t${index}-upload`);
        return JSON.stringify({ identifier: e['identifier'], timestamp: e['timestamp'], event_name: e['event_name'], payload: e['payload'] });
      });
      const file = join(dir, 'table.jsonl');
      writeFileSync(file, `${lines.join('\n')}\n`);
      let out = '';
      const stdout = new PassThrough().on('data', (d: Buffer) => (out += d.toString()));
      const stderr = new PassThrough();
      const ctx = { stdout, stderr, stdoutIsTTY: false, stderrIsTTY: false, env: { STRIPE_SECRET_KEY: KEY }, signal: new AbortController().signal, fetch: emulator.fetch as FetchLike, now: () => NOW * 1000 };
      const code = await runCli(['upload', file, '--json'], ctx, () => Promise.resolve(0));
      const expectedRefused = rows.filter(({ c }) => typeof c.expect !== 'number');
      expect(JSON.parse(out)).toMatchObject({ outcome: 'complete', run: { accepted: rows.length - expectedRefused.length, refused: expectedRefused.length } });
      expect(code).toBe(2);
      const refused = new Map((parse(readFileSync(`${file}.rejects.csv`), { columns: true }) as Array<Record<string, string>>).map((r) => [Number(r['reject_row']), r['reject_reason'] ?? '']));
      for (const [i, { c, index }] of rows.entries()) {
        const customer = `cus_t${index}-upload`;
        if (typeof c.expect === 'number') {
          expect(refused.has(i + 1), c.name).toBe(false);
          expect(await counted(c, customer), c.name).toBeCloseTo(c.expect, 12);
        } else {
          expect(refused.get(i + 1), c.name).toMatch(c.expect.reason);
          expect(await counted(c, customer), c.name).toBe(0);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
