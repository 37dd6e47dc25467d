// Conformance: Prism, as a validating proxy of generated/openapi.yaml, in front of the emulator's
// HTTP server. Every operation, its answers and its error answers: no `sl-violations` at all for
// valid requests; for requests that break the spec on purpose, none about the answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrism, type RunningServer } from '../scripts/prism.js';
import { serveEmulator, type RunningEmulator } from '../src/emulator/server.node.js';
import { HOUR, KEY, T0 } from './emulator-kit.js';

interface Violation {
  location: string[];
  message: string;
}

let emulator: RunningEmulator;
let prism: RunningServer;

beforeAll(async () => {
  emulator = await serveEmulator({ clock: { start: T0, frozen: true }, strictAdjustments: true, onWarning: () => undefined });
  prism = await startPrism(emulator.url);
}, 90_000);
afterAll(async () => {
  await prism?.stop();
  await emulator?.close();
});

/** Sends through Prism; returns the status, the body and Prism's violations. */
async function send(method: 'GET' | 'POST', path: string, options: { form?: string; json?: unknown; auth?: string | null; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.auth !== null) headers['authorization'] = `Bearer ${options.auth ?? KEY}`;
  let body: string | undefined;
  if (options.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = options.form;
  } else if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  const response = await fetch(`${prism.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const violations = JSON.parse(response.headers.get('sl-violations') ?? '[]') as Violation[];
  return { status: response.status, body: (await response.json()) as Record<string, unknown> & { error?: Record<string, unknown> }, violations, requestId: response.headers.get('request-id') };
}

const METER_FORM = (name: string, extra = '') =>
  `display_name=Tokens&event_name=${name}&default_aggregation[formula]=sum&customer_mapping[type]=by_id&customer_mapping[event_payload_key]=stripe_customer_id&value_settings[event_payload_key]=value${extra}`;
const event = (name: string, identifier: string) => `event_name=${name}&payload[stripe_customer_id]=cus_a&payload[value]=3&identifier=${identifier}&timestamp=${T0 - HOUR}`;
const v2event = (name: string, identifier: string) => ({ event_name: name, identifier, payload: { stripe_customer_id: 'cus_a', value: '4' }, timestamp: new Date((T0 - 30) * 1000).toISOString() });

describe('emulator conformance (Prism validating proxy)', () => {
  it('every operation answers as the spec says, successes and errors, with a Request-Id', async () => {
    const checks: Array<[string, Awaited<ReturnType<typeof send>>, number]> = [];
    const check = async (what: string, status: number, sent: Promise<Awaited<ReturnType<typeof send>>>) => {
      const answer = await sent;
      checks.push([what, answer, status]);
      return answer;
    };
    const meter = (await check('create meter', 200, send('POST', '/v1/billing/meters', { form: METER_FORM('conf', '&event_time_window=hour') }))).body;
    const id = String(meter['id']);
    // Prism does not check unknown form fields; the emulator refuses them, within the spec.
    await check('create meter, unknown parameter', 400, send('POST', '/v1/billing/meters', { form: `${METER_FORM('bad')}&color=red` }));
    await check('create meter, name taken', 400, send('POST', '/v1/billing/meters', { form: METER_FORM('conf') }));
    await check('retrieve', 200, send('GET', `/v1/billing/meters/${id}`));
    await check('retrieve, missing', 404, send('GET', '/v1/billing/meters/mtr_missing'));
    await check('update', 200, send('POST', `/v1/billing/meters/${id}`, { form: 'display_name=Renamed' }));
    await check('update, missing', 404, send('POST', '/v1/billing/meters/mtr_missing', { form: 'display_name=Renamed' }));
    await check('list', 200, send('GET', '/v1/billing/meters?limit=2&status=active'));
    await check('list, unknown cursor', 404, send('GET', '/v1/billing/meters?starting_after=mtr_missing'));
    await check('v1 event', 200, send('POST', '/v1/billing/meter_events', { form: event('conf', 'e1') }));
    await check('v1 event, duplicate', 400, send('POST', '/v1/billing/meter_events', { form: event('conf', 'e1') }));
    await check('v1 event, no meter', 400, send('POST', '/v1/billing/meter_events', { form: event('nothing', 'e2') }));
    await check('v1 event, idempotency key reused', 400, send('POST', '/v1/billing/meter_events', { form: event('conf', 'e3'), headers: { 'idempotency-key': 'conf-key' } }).then(() => send('POST', '/v1/billing/meter_events', { form: event('conf', 'e4'), headers: { 'idempotency-key': 'conf-key' } })));
    await check('v1 adjustment', 200, send('POST', '/v1/billing/meter_event_adjustments', { form: 'event_name=conf&type=cancel&cancel[identifier]=e3' }));
    await check('v1 adjustment, nothing to cancel', 400, send('POST', '/v1/billing/meter_event_adjustments', { form: 'event_name=conf&type=cancel&cancel[identifier]=never' }));
    const session = (await check('session', 200, send('POST', '/v2/billing/meter_event_session'))).body;
    const token = String(session['authentication_token']);
    await check('stream', 200, send('POST', '/v2/billing/meter_event_stream', { auth: token, json: { events: [v2event('conf', 's1'), v2event('conf', 's2')] } }));
    await check('stream, unknown token', 401, send('POST', '/v2/billing/meter_event_stream', { auth: 'mes_tok_unknown', json: { events: [v2event('conf', 's3')] } }));
    await check('v2 event', 200, send('POST', '/v2/billing/meter_events', { json: v2event('conf', 'v1') }));
    await check('v2 event, duplicate', 400, send('POST', '/v2/billing/meter_events', { json: v2event('conf', 'v1') }));
    await check('v2 event, no meter', 400, send('POST', '/v2/billing/meter_events', { json: v2event('nothing', 'v2') }));
    await check('v2 adjustment', 200, send('POST', '/v2/billing/meter_event_adjustments', { json: { event_name: 'conf', type: 'cancel', cancel: { identifier: 's1' } } }));
    await check('v2 adjustment, nothing to cancel', 400, send('POST', '/v2/billing/meter_event_adjustments', { json: { event_name: 'conf', type: 'cancel', cancel: { identifier: 'never' } } }));
    const hourly = await check('summaries, hourly', 200, send('GET', `/v1/billing/meters/${id}/event_summaries?customer=cus_a&start_time=${T0 - 2 * HOUR}&end_time=${T0}&value_grouping_window=hour`));
    await check('summaries, whole range', 200, send('GET', `/v1/billing/meters/${id}/event_summaries?customer=cus_a&start_time=${T0 - 2 * HOUR}&end_time=${T0}`));
    await check('summaries, misaligned', 400, send('GET', `/v1/billing/meters/${id}/event_summaries?customer=cus_a&start_time=${T0 - 90}&end_time=${T0}`));
    await check('summaries, missing meter', 404, send('GET', `/v1/billing/meters/mtr_missing/event_summaries?customer=cus_a&start_time=${T0 - HOUR}&end_time=${T0}`));
    await check('deactivate', 200, send('POST', `/v1/billing/meters/${id}/deactivate`));
    await check('v2 event, inactive meter', 400, send('POST', '/v2/billing/meter_events', { json: v2event('conf', 'v3') }));
    await check('reactivate', 200, send('POST', `/v1/billing/meters/${id}/reactivate`));
    await check('reactivate, missing', 404, send('POST', '/v1/billing/meters/mtr_missing/reactivate'));
    emulator.emulator.setFaults([{ path: '/v1/billing/meter_events', fault: 'rate_limit', times: 1 }, { path: '/v2/billing/meter_events', fault: 'server_error', times: 1 }]);
    await check('v1 event, rate limited', 429, send('POST', '/v1/billing/meter_events', { form: event('conf', 'r1') }));
    await check('v2 event, server error', 500, send('POST', '/v2/billing/meter_events', { json: v2event('conf', 'r2') }));

    for (const [what, answer, status] of checks) {
      expect([what, answer.status, answer.violations]).toEqual([what, status, []]);
      expect(answer.requestId, what).toMatch(/^req_/);
    }
    // The meter is pre-aggregated by hour: the last event received in the hour counts (the v2 one).
    expect((hourly.body['data'] as Array<{ aggregated_value: number }>).map((s) => s.aggregated_value)).toEqual([4]);
  });

  it('requests that break the spec on purpose get answers that keep to it', async () => {
    const token = String((await send('POST', '/v2/billing/meter_event_session')).body['authentication_token']);
    const cases = [
      ['no API key', 401, () => send('GET', '/v1/billing/meters', { auth: null })],
      ['no API key, v2', 401, () => send('POST', '/v2/billing/meter_event_session', { auth: null })],
      ['limit 0', 400, () => send('GET', '/v1/billing/meters?limit=0')],
      ['formula not in the enum', 400, () => send('POST', '/v1/billing/meters', { form: METER_FORM('bad').replace('formula]=sum', 'formula]=max') })],
      ['display_name missing', 400, () => send('POST', '/v1/billing/meters', { form: METER_FORM('bad').replace('display_name=Tokens&', '') })],
      ['empty stream batch', 400, () => send('POST', '/v2/billing/meter_event_stream', { auth: token, json: { events: [] } })],
      ['v2 payload value not a string', 400, () => send('POST', '/v2/billing/meter_events', { json: { event_name: 'conf', payload: { stripe_customer_id: 'cus_a', value: 4 } } })],
      ['v2 adjustment without identifier', 400, () => send('POST', '/v2/billing/meter_event_adjustments', { json: { event_name: 'conf', type: 'cancel', cancel: {} } })],
    ] as const;
    for (const [what, status, sent] of cases) {
      const answer = await sent();
      expect([what, answer.status], JSON.stringify(answer.body)).toEqual([what, status]);
      expect(answer.violations.filter((v) => v.location[0] === 'request').length, `${what}: Prism saw the request break the spec`).toBeGreaterThan(0);
      expect([what, answer.violations.filter((v) => v.location[0] !== 'request')]).toEqual([what, []]);
    }
  });
});
