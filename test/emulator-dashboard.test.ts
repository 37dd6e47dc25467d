// The dashboard in a real browser (playwright-core driving Debian's Chromium, no download): usage
// reported with the SDK shows in the feed and agrees with the summaries in the chart's table; the
// clock advances from the page; an invalid stream event shows as an error report, not as delivered;
// keyboard use and a phone's width. Each run keeps its screenshots in test/screenshots/ (not in
// git); test/dashboard.png, the README's picture, is one of them, committed.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StripeMeters } from '../src/index.js';
import { serveEmulator, type RunningEmulator } from '../src/emulator/server.node.js';
import { HOUR, T0 } from './emulator-kit.js';

const SHOTS = join(import.meta.dirname, 'screenshots');

describe('the dashboard in Chromium', () => {
  let running: RunningEmulator;
  let browser: Browser;
  let page: Page;
  let stripe: StripeMeters;

  beforeAll(async () => {
    running = await serveEmulator({ clock: { start: T0 + 30 * 60, frozen: true }, onWarning: () => undefined });
    stripe = new StripeMeters('sk_test_dashboard', { baseUrl: running.url, meterEventsBaseUrl: running.url, now: () => running.emulator.clock.now() * 1000 });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await running?.close();
  });

  it('shows live usage that agrees with the summaries, moves the clock, and makes an invalid stream event an error report', async () => {
    const meter = await stripe.billing.meters.create({ display_name: 'API calls', event_name: 'api_call', default_aggregation: { formula: 'sum' } });
    await page.goto(running.dashboardUrl as string);
    await expect.poll(() => page.locator('#meters button').count()).toBe(1);

    // Usage over the last hours, for three customers, through v1, v2 and the stream.
    for (let h = 0; h < 6; h++) {
      await stripe.billing.meterEvents.create({ event_name: 'api_call', payload: { stripe_customer_id: 'cus_alpha', value: 10 + h }, timestamp: T0 - h * HOUR + 60, identifier: `a-${h}` });
      await stripe.v2.billing.meterEvents.create({ event_name: 'api_call', payload: { stripe_customer_id: 'cus_beta', value: String(3 * h) }, timestamp: new Date((T0 - h * HOUR + 120) * 1000).toISOString() });
    }
    const stream = stripe.meterEventSender();
    for (let i = 0; i < 50; i++) await stream.send({ event_name: 'api_call', payload: { stripe_customer_id: 'cus_gamma', value: 2 }, timestamp: new Date((T0 - 2 * HOUR) * 1000) });
    await stream.close();
    await stripe.billing.meterEventAdjustments.create({ event_name: 'api_call', type: 'cancel', cancel: { identifier: 'a-5' } });

    // The feed shows them live (counted and cancelled), newest first.
    await expect.poll(() => page.locator('#feed tr[data-status="counted"]').count()).toBe(62);
    await expect.poll(() => page.locator('#feed tr[data-status="cancelled"]').count()).toBe(1);

    // The totals table agrees with event summaries over the same range (the last 24 hours).
    const end = Math.floor(running.emulator.clock.now() / HOUR) * HOUR + HOUR;
    for (const customer of ['cus_alpha', 'cus_beta', 'cus_gamma']) {
      const { data } = await stripe.billing.meters.listEventSummaries(meter.id, { customer, start_time: end - 24 * HOUR, end_time: end });
      const expected = (data[0]?.aggregated_value ?? 0).toLocaleString('en-US', { maximumFractionDigits: 6 });
      await expect.poll(() => page.locator(`#totals tr[data-customer="${customer}"] td.num`).textContent()).toBe(expected);
    }
    expect(await page.locator('#chart canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('#errors').isHidden()).toBe(true);

    // An invalid stream event (no meter by that name) is accepted by the stream, then reported.
    const session = await stripe.v2.billing.meterEventSession.create();
    await stripe.v2.billing.meterEventStream.create({ events: [{ event_name: 'api_cal', payload: { stripe_customer_id: 'cus_alpha', value: '1' }, identifier: 'typo-1' }] }, { apiKey: session.authentication_token });
    await expect.poll(() => page.locator('#errors').isVisible()).toBe(true);
    await expect.poll(() => page.locator('#errors-summary').textContent()).toBe('1 meter event failed validation and did not count.');
    expect(await page.locator('#errors-rows code').textContent()).toBe('no_meter');
    await expect.poll(() => page.locator('#feed tr[data-status="invalid"] .badge').first().textContent()).toBe('invalid: no_meter');
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'dashboard.png'), fullPage: false });

    // The clock moves from the page (keyboard: focus the button, press Enter).
    const before = running.emulator.clock.now();
    await page.locator('button[data-advance="3600"]').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => running.emulator.clock.now()).toBe(before + HOUR);
    await expect.poll(() => page.locator('#now').textContent()).toBe(new Date((before + HOUR) * 1000).toISOString().replace('.000Z', 'Z'));
    // The request log names what was sent.
    expect(await page.locator('#requests tr').count()).toBeGreaterThan(10);
    expect(await page.locator('#requests').textContent()).toContain('/v1/billing/meter_events');
  }, 60_000);

  it('is readable on a phone: nothing wider than the screen', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await phone.goto(running.dashboardUrl as string);
    await expect.poll(() => phone.locator('#meters button').count()).toBeGreaterThan(0);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await phone.screenshot({ path: join(SHOTS, 'dashboard-phone.png') });
    await phone.close();
  }, 30_000);
});
