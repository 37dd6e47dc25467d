// The control endpoints (reset, error reports, faults) and option checks.
import { describe, expect, it } from 'vitest';
import { createMeter, raw, setup, T0 } from './emulator-kit.js';

describe('emulator control', () => {
  it('reset() and POST /_emulator/reset forget everything', async () => {
    const { emulator, stripe } = setup();
    await createMeter(stripe, 'a');
    emulator.clock.advance({ days: 2 });
    emulator.reset();
    expect((await stripe.billing.meters.list()).data).toEqual([]);
    expect(emulator.clock.now()).toBe(T0);
    await createMeter(stripe, 'a');
    expect((await raw(emulator, 'POST', '/_emulator/reset')).body).toEqual({ reset: true, now: T0 });
    expect((await stripe.billing.meters.list()).data).toEqual([]);
  });

  it('GET /_emulator/error_reports lists the async error reports', async () => {
    const { emulator, stripe } = setup();
    const meter = await createMeter(stripe, 'a');
    await stripe.billing.meterEvents.create({ event_name: 'a', payload: { value: '1' }, identifier: 'nobody' }, { idempotencyKey: 'idem-1' });
    const { body } = await raw(emulator, 'GET', '/_emulator/error_reports');
    expect(body).toEqual({
      object: 'list',
      data: [
        {
          id: expect.stringMatching(/^evt_test_/),
          object: 'v2.core.event',
          type: 'v1.billing.meter.error_report_triggered',
          created: new Date(T0 * 1000).toISOString(),
          context: null,
          related_object: { id: meter.id, type: 'billing.meter', url: `/v1/billing/meters/${meter.id}` },
          data: {
            developer_message_summary: '1 meter event for event name "a" failed validation and did not count.',
            reason: {
              error_count: 1,
              error_types: [
                {
                  code: 'meter_event_no_customer_defined',
                  error_count: 1,
                  sample_errors: [{ error_message: 'Customer mapping key stripe_customer_id not found in payload.', request: { identifier: 'idem-1' }, event_identifier: 'nobody' }],
                },
              ],
            },
            validation_start: new Date(T0 * 1000).toISOString(),
            validation_end: new Date((T0 + 60) * 1000).toISOString(),
          },
        },
      ],
    });
    expect(emulator.errorReports()).toEqual(body['data']);
  });

  it('POST /_emulator/faults sets the fault rules; bad rules are refused', async () => {
    const { emulator, stripe } = setup();
    const set = await raw(emulator, 'POST', '/_emulator/faults', { json: { faults: [{ path: '/v1/billing/meters', method: 'GET', fault: 'server_error', times: 1 }] } });
    expect(set.body).toEqual({ faults: [{ path: '/v1/billing/meters', method: 'GET', fault: 'server_error', times: 1 }] });
    await expect(stripe.billing.meters.list()).rejects.toMatchObject({ statusCode: 500 });
    await expect(stripe.billing.meters.list()).resolves.toMatchObject({ object: 'list' });
    expect((await raw(emulator, 'POST', '/_emulator/faults', { json: { faults: [{ fault: 'meltdown' }] } })).status).toBe(400);
    expect((await raw(emulator, 'POST', '/_emulator/faults', { json: { faults: [{ fault: 'reset', rate: 2 }] } })).status).toBe(400);
    expect((await raw(emulator, 'GET', '/_emulator/faults')).body).toEqual({ faults: [{ path: '/v1/billing/meters', method: 'GET', fault: 'server_error', times: 1 }] });
  });

  it('refuses bad options at creation', () => {
    expect(() => setup({ sessionLifetimeSeconds: 0 })).toThrow(RangeError);
    expect(() => setup({ values: 'roman' as 'integer' })).toThrow('values must be one of decimal, integer');
    expect(() => setup({ faults: [{ fault: 'reset', times: -1 }] })).toThrow(TypeError);
    expect(() => setup({ faultSeed: 1.5 })).toThrow(RangeError);
  });
});
