// Stripe's thin events for meter error reports (../shared/reference/thin-events.md): once a
// report's validation window has closed on the emulator's clock, it becomes a v2 event
// (`v1.billing.meter.error_report_triggered`, or `v1.billing.meter.no_meter_found`), served in full
// at GET /v2/core/events/{id} and posted as a thin notification to every configured destination,
// signed as Stripe signs (`Stripe-Signature: t=...,v1=HMAC-SHA256(secret, "t.body")`), retried on
// failure. Runtime-neutral: WebCrypto and fetch.
import type { MeterErrorReport } from './error-reports.js';

/** Where thin events are posted. */
export interface WebhookDestination {
  /** An http(s) URL. */
  url: string;
  /** The endpoint's signing secret, `whsec_...` (the HMAC key, prefix included, as Stripe uses it). */
  secret: string;
}

/** A v2 event as `GET /v2/core/events/{id}` answers it. */
export interface ThinEvent {
  id: string;
  object: 'v2.core.event';
  type: MeterErrorReport['type'];
  livemode: false;
  /** RFC 3339 with milliseconds. */
  created: string;
  context: string | null;
  reason: null;
  /** Absent for `v1.billing.meter.no_meter_found`. */
  related_object?: { id: string; type: 'billing.meter'; url: string };
  data: MeterErrorReport['data'];
}

/** One event's delivery to one destination. */
export interface ThinEventDelivery {
  event: string;
  url: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  /** The last answer's status (0 when the request failed). */
  lastStatus: number | undefined;
  lastError: string | undefined;
  /** When the next attempt is due, on the host clock. @unit unix milliseconds */
  nextAttemptAt: number | undefined;
}

export interface ThinEventsSnapshot {
  emitted: ThinEvent[];
  deliveries: ThinEventDelivery[];
}

/** Waits before the 2nd, 3rd and 4th attempts (Stripe's test mode retries 3 times, over hours). @unit milliseconds */
const RETRY_DELAYS_MS = [1_000, 5_000, 25_000];
const DELIVERY_TIMEOUT_MS = 10_000;

export function checkDestinations(value: unknown): WebhookDestination[] {
  if (!Array.isArray(value)) throw new TypeError('webhooks must be an array of { url, secret }');
  return value.map((item: unknown, i) => {
    const at = `webhooks[${i}]`;
    if (typeof item !== 'object' || item === null) throw new TypeError(`${at} must be { url, secret }`);
    const { url, secret } = item as Record<string, unknown>;
    let parsed: URL | undefined;
    try {
      parsed = typeof url === 'string' ? new URL(url) : undefined;
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) throw new TypeError(`${at}.url must be an http or https URL`);
    if (typeof secret !== 'string' || !/^whsec_\S+$/.test(secret)) throw new TypeError(`${at}.secret must be a signing secret starting with whsec_`);
    return { url: parsed.href, secret };
  });
}

const encoder = new TextEncoder();

/** The Stripe-Signature header for `payload` signed at `t` (unix seconds). */
export async function signatureHeader(payload: string, secret: string, t: number): Promise<string> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(`${t}.${payload}`)));
  let hex = '';
  for (const byte of mac) hex += byte.toString(16).padStart(2, '0');
  // Test-mode deliveries also carry a v0 signature that nobody checks.
  let v0 = '';
  for (const byte of crypto.getRandomValues(new Uint8Array(32))) v0 += byte.toString(16).padStart(2, '0');
  return `t=${t},v1=${hex},v0=${v0}`;
}

/** The event of a report whose window has closed. */
function eventOf(report: MeterErrorReport, nowMs: number): ThinEvent {
  const end = Date.parse(report.data.validation_end);
  const event: ThinEvent = {
    id: report.id,
    object: 'v2.core.event',
    type: report.type,
    livemode: false,
    created: new Date(Math.max(end, nowMs)).toISOString(),
    context: report.context,
    reason: null,
    data: structuredClone(report.data),
  };
  if (report.related_object !== null) event.related_object = { ...report.related_object };
  return event;
}

/** The notification Stripe posts: the event without its data. */
export function notificationOf(event: ThinEvent): Omit<ThinEvent, 'data'> {
  const { data: _data, ...thin } = event;
  return thin;
}

export class ThinEvents {
  readonly #emitted = new Map<string, ThinEvent>();
  #deliveries: ThinEventDelivery[] = [];
  /** Reports not yet emitted, by id. */
  readonly #waiting = new Map<string, { report: MeterErrorReport; endMs: number }>();
  #inFlight: Promise<void> = Promise.resolve();

  constructor(
    readonly destinations: readonly WebhookDestination[],
    private readonly send: typeof fetch,
    private readonly host: () => number = () => Date.now(),
  ) {}

  /** A report got an error: it waits for its window to close. */
  watch(report: MeterErrorReport): void {
    if (!this.#emitted.has(report.id)) this.#waiting.set(report.id, { report, endMs: Date.parse(report.data.validation_end) });
  }

  /** Emits the events of the reports whose window has closed by `nowMs`; true when any was. */
  collect(nowMs: number): boolean {
    if (this.#waiting.size === 0) return false;
    let any = false;
    for (const [id, { report, endMs }] of this.#waiting) {
      if (endMs > nowMs) continue;
      this.#waiting.delete(id);
      const event = eventOf(report, nowMs);
      this.#emitted.set(id, event);
      for (const destination of this.destinations) {
        this.#deliveries.push({ event: id, url: destination.url, status: 'pending', attempts: 0, lastStatus: undefined, lastError: undefined, nextAttemptAt: this.host() });
      }
      any = true;
    }
    return any;
  }

  /** The emitted events, oldest first; those of `account` only when given (null: the platform). */
  list(account?: string | null): ThinEvent[] {
    const all = [...this.#emitted.values()];
    return structuredClone(account === undefined ? all : all.filter((e) => e.context === account));
  }

  get(id: string): ThinEvent | undefined {
    const event = this.#emitted.get(id);
    return event === undefined ? undefined : structuredClone(event);
  }

  deliveries(): ThinEventDelivery[] {
    return this.#deliveries.map((d) => ({ ...d }));
  }

  /** Posts every delivery that is due (all pending ones with `all`), one batch at a time. */
  deliver(all = false): Promise<void> {
    this.#inFlight = this.#inFlight.then(() => this.#deliverDue(all));
    return this.#inFlight;
  }

  async #deliverDue(all: boolean): Promise<void> {
    const now = this.host();
    const due = this.#deliveries.filter((d) => d.status === 'pending' && (all || (d.nextAttemptAt ?? 0) <= now));
    await Promise.all(due.map((d) => this.#attempt(d)));
  }

  async #attempt(delivery: ThinEventDelivery): Promise<void> {
    const event = this.#emitted.get(delivery.event);
    const destination = this.destinations.find((d) => d.url === delivery.url);
    if (event === undefined || destination === undefined) {
      delivery.status = 'failed';
      return;
    }
    const payload = JSON.stringify(notificationOf(event));
    delivery.attempts++;
    try {
      const signature = await signatureHeader(payload, destination.secret, Math.floor(this.host() / 1000));
      const response = await this.send(destination.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          accept: '*/*; q=0.5, application/xml',
          'cache-control': 'no-cache',
          'stripe-signature': signature,
        },
        body: payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      await response.arrayBuffer().catch(() => undefined);
      delivery.lastStatus = response.status;
      delivery.lastError = undefined;
      // Only a 2xx is a delivery; a redirect counts as a failure, as at Stripe.
      if (response.status >= 200 && response.status < 300) {
        delivery.status = 'delivered';
        delivery.nextAttemptAt = undefined;
        return;
      }
    } catch (error) {
      delivery.lastStatus = 0;
      delivery.lastError = error instanceof Error ? error.message : String(error);
    }
    const wait = RETRY_DELAYS_MS[delivery.attempts - 1];
    if (wait === undefined) {
      delivery.status = 'failed';
      delivery.nextAttemptAt = undefined;
    } else delivery.nextAttemptAt = this.host() + wait;
  }

  /** The earliest due attempt, on the host clock; undefined when none is pending. */
  nextDue(): number | undefined {
    let next: number | undefined;
    for (const d of this.#deliveries) if (d.status === 'pending' && (next === undefined || (d.nextAttemptAt ?? 0) < next)) next = d.nextAttemptAt ?? 0;
    return next;
  }

  snapshot(): ThinEventsSnapshot {
    return { emitted: this.list(), deliveries: this.deliveries() };
  }

  restore(snapshot: ThinEventsSnapshot, reports: readonly MeterErrorReport[]): void {
    this.clear();
    for (const event of snapshot.emitted) this.#emitted.set(event.id, structuredClone(event));
    this.#deliveries = (snapshot.deliveries ?? []).map((d) => ({ ...d }));
    for (const report of reports) this.watch(report);
  }

  clear(): void {
    this.#emitted.clear();
    this.#waiting.clear();
    this.#deliveries = [];
  }
}
