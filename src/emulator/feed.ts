// The live feed: what became of each meter event a request brought (counted, duplicate,
// cancelled, or invalid with Stripe's code), built at the end of the request from what the
// endpoints ingested, cancelled and reported, and kept in a small ring for the dashboard.
import type { FailedEvent } from './error-reports.js';
import type { EmulatorAnswer } from './core.js';
import type { RequestRecord } from './request-log.js';
import { VIAS, type Intake, type Series, type Via } from './series.js';
import type { State } from './state.js';

/** One meter event as the feed shows it. */
export interface FeedItem {
  seq: number;
  /** When it was received, on the emulator's clock. @unit unix milliseconds */
  at: number;
  via: Via;
  status: 'counted' | 'duplicate' | 'cancelled' | 'invalid';
  account: string | null;
  event_name: string;
  customer?: string;
  value?: number;
  identifier?: string;
  /** Stripe's error code (invalid, duplicate). */
  code?: string;
  message?: string;
  /** How many events this item stands for (a stream request's dropped duplicates). @default 1 */
  count?: number;
  requestId: string;
}

const VIA_OF: Record<string, Via> = { PostBillingMeterEvents: 'v1', PostV2BillingMeterEvents: 'v2', PostV2BillingMeterEventStream: 'stream', PostBillingMeterEventAdjustments: 'v1', PostV2BillingMeterEventAdjustments: 'v2' };

export class Feed {
  #ring: FeedItem[] = [];
  #seq = 0;
  readonly #failed: FailedEvent[] = [];
  readonly #listeners = new Set<(items: FeedItem[]) => void>();

  constructor(
    private readonly size: number,
    private readonly state: State,
  ) {}

  get intake(): Intake {
    return this.state.intake;
  }

  /** Starts watching a request (only while anyone reads the feed). */
  begin(): void {
    const watching = this.size > 0 || this.#listeners.size > 0;
    this.intake.watching = watching;
  }

  failed(failed: FailedEvent): void {
    if (this.intake.watching) this.#failed.push(failed);
  }

  /** Turns what the request did into feed items. `batch`: how many events a stream request carried. */
  end(record: RequestRecord, duplicate: { identifier: string; event_name: string; code: string; message: string } | undefined, batch: number): void {
    const intake = this.intake;
    if (!intake.watching) return;
    intake.watching = false;
    const items: FeedItem[] = [];
    const via = VIA_OF[record.operationId ?? ''] ?? 'v1';
    const base = { at: record.at, account: record.account, requestId: record.requestId };
    const eventName = (series: Series) => this.state.accounts.get(record.account ?? '')?.meters.get(series.meterId)?.meter.event_name ?? '';
    // Nobody listening: only the items the ring keeps are worth making.
    const from = this.#listeners.size > 0 ? 0 : Math.max(0, intake.appended.length - 2 * this.size);
    for (let i = from; i < intake.appended.length; i += 2) {
      const series = intake.appended[i] as Series;
      const p = intake.appended[i + 1] as number;
      const identifier = series.identifiers[p];
      items.push({ seq: 0, ...base, via: VIAS[series.via[p] as number] as Via, status: 'counted', event_name: eventName(series), customer: series.customer, value: series.value[p] as number, ...(identifier === undefined ? {} : { identifier }) });
    }
    for (let i = 0; i < intake.cancelled.length; i += 2) {
      const series = intake.cancelled[i] as Series;
      const p = intake.cancelled[i + 1] as number;
      const identifier = series.identifiers[p];
      items.push({ seq: 0, ...base, via, status: 'cancelled', event_name: eventName(series), customer: series.customer, value: series.value[p] as number, ...(identifier === undefined ? {} : { identifier }) });
    }
    for (const failed of this.#failed) {
      items.push({ seq: 0, ...base, via, status: 'invalid', event_name: failed.eventName, code: failed.code, message: failed.message, ...(failed.identifier === undefined ? {} : { identifier: failed.identifier }) });
    }
    if (duplicate !== undefined) items.push({ seq: 0, ...base, via, status: 'duplicate', ...duplicate });
    // The stream drops an event resent in a later request without a word: the rest of the batch.
    const dropped = batch - intake.appended.length / 2 - this.#failed.length;
    if (via === 'stream' && record.status === 200 && dropped > 0) items.push({ seq: 0, ...base, via, status: 'duplicate', event_name: '', count: dropped, message: `${dropped} event${dropped === 1 ? '' : 's'} resent with an identifier already counted: dropped, counted once.` });
    intake.appended.length = 0;
    intake.cancelled.length = 0;
    this.#failed.length = 0;
    if (items.length === 0) return;
    for (const item of items) item.seq = ++this.#seq;
    if (this.size > 0) {
      this.#ring.push(...items);
      if (this.#ring.length > this.size * 2) this.#ring = this.#ring.slice(-this.size);
    }
    for (const listener of this.#listeners) listener(items);
  }

  /** The latest items, oldest first. */
  list(): FeedItem[] {
    return this.#ring.slice(-this.size);
  }

  subscribe(listener: (items: FeedItem[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  clear(): void {
    this.#ring = [];
    this.#failed.length = 0;
    this.intake.appended.length = 0;
    this.intake.cancelled.length = 0;
  }
}

const EVENT_CREATES = new Set(['PostBillingMeterEvents', 'PostV2BillingMeterEvents']);

/** The feed item of a meter event refused as a duplicate. */
export function duplicateOf(operationId: string | undefined, answer: EmulatorAnswer): { identifier: string; event_name: string; code: string; message: string } | undefined {
  if (answer.status !== 400 || operationId === undefined || !EVENT_CREATES.has(operationId)) return undefined;
  const error = (JSON.parse(answer.body) as { error?: { code?: string; message?: string } }).error;
  const message = error?.message ?? '';
  const v1 = /^An event already exists with identifier (.+)\.$/s.exec(message);
  if (error?.code !== 'duplicate_meter_event' && v1 === null) return undefined;
  return { identifier: v1?.[1] ?? '', event_name: '', code: error?.code ?? 'duplicate', message };
}
