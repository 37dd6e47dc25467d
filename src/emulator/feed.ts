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

/** The items of one request: its counted events kept as references until someone reads them. */
interface Block {
  /** The seq of its first item. */
  first: number;
  /** How many items it stands for (numbered first, first + 1, ...). */
  count: number;
  base: { at: number; account: string | null; requestId: string };
  /** Counted events not yet made into items, as pairs (series, position): the block's items from `skip` on. */
  refs: Array<Series | number>;
  skip: number;
  /** The items made at once, numbered after the counted ones (all of them, when someone listened). */
  items: FeedItem[];
}

export class Feed {
  #blocks: Block[] = [];
  /** Items the blocks stand for. */
  #held = 0;
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

  /**
   * Turns what the request did into feed items. `batch`: how many events a stream request carried.
   * With nobody listening, its counted events stay references (the latest `size` of them), made
   * into items only when the feed is read: a stream request costs one small array, not 100 objects.
   */
  end(record: RequestRecord, duplicate: { identifier: string; event_name: string; code: string; message: string } | undefined, batch: number): void {
    const intake = this.intake;
    if (!intake.watching) return;
    intake.watching = false;
    const via = VIA_OF[record.operationId ?? ''] ?? 'v1';
    const base = { at: record.at, account: record.account, requestId: record.requestId };
    const counted = intake.appended.length / 2;
    const live = this.#listeners.size > 0;
    const rest: FeedItem[] = [];
    for (let i = 0; i < intake.cancelled.length; i += 2) rest.push(this.#eventItem(base, intake.cancelled[i] as Series, intake.cancelled[i + 1] as number, via, 'cancelled'));
    for (const failed of this.#failed) {
      rest.push({ seq: 0, ...base, via, status: 'invalid', event_name: failed.eventName, code: failed.code, message: failed.message, ...(failed.identifier === undefined ? {} : { identifier: failed.identifier }) });
    }
    if (duplicate !== undefined) rest.push({ seq: 0, ...base, via, status: 'duplicate', ...duplicate });
    // The stream drops an event resent in a later request without a word: the rest of the batch.
    const dropped = batch - counted - this.#failed.length;
    if (via === 'stream' && record.status === 200 && dropped > 0) rest.push({ seq: 0, ...base, via, status: 'duplicate', event_name: '', count: dropped, message: `${dropped} event${dropped === 1 ? '' : 's'} resent with an identifier already counted: dropped, counted once.` });
    const first = this.#seq + 1;
    this.#seq += counted + rest.length;
    rest.forEach((item, i) => (item.seq = first + counted + i));
    const block: Block = { first, count: counted + rest.length, base, refs: [], skip: 0, items: rest };
    if (live) block.items = [...this.#made(block, intake.appended, 0), ...rest];
    else {
      block.skip = Math.max(0, counted - this.size);
      block.refs = intake.appended.slice(2 * block.skip);
    }
    intake.appended.length = 0;
    intake.cancelled.length = 0;
    this.#failed.length = 0;
    if (block.count === 0) return;
    if (this.size > 0) this.#keep(block);
    if (live) for (const listener of this.#listeners) listener(block.items);
  }

  /** The latest items, oldest first. */
  list(): FeedItem[] {
    const items: FeedItem[] = [];
    for (const block of this.#blocks) {
      if (block.refs.length > 0) {
        block.items = [...this.#made(block, block.refs, block.skip), ...block.items];
        block.refs = [];
        block.skip = 0;
      }
      items.push(...block.items);
    }
    return items.slice(-this.size);
  }

  subscribe(listener: (items: FeedItem[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  clear(): void {
    this.#blocks = [];
    this.#held = 0;
    this.#failed.length = 0;
    this.intake.appended.length = 0;
    this.intake.cancelled.length = 0;
  }

  /** Keeps a block, and drops the oldest ones while the rest still hold `size` items. */
  #keep(block: Block): void {
    this.#blocks.push(block);
    this.#held += block.count;
    let drop = 0;
    while (this.#held - (this.#blocks[drop] as Block).count >= this.size) this.#held -= (this.#blocks[drop++] as Block).count;
    if (drop > 0) this.#blocks.splice(0, drop);
  }

  /** The items of counted events (pairs series, position), numbered from the block's first plus `skip`. */
  #made(block: Block, refs: Array<Series | number>, skip: number): FeedItem[] {
    const items: FeedItem[] = [];
    for (let i = 0; i < refs.length; i += 2) {
      const series = refs[i] as Series;
      const p = refs[i + 1] as number;
      const item = this.#eventItem(block.base, series, p, VIAS[series.via[p] as number] as Via, 'counted');
      item.seq = block.first + skip + i / 2;
      items.push(item);
    }
    return items;
  }

  #eventItem(base: Block['base'], series: Series, p: number, via: Via, status: 'counted' | 'cancelled'): FeedItem {
    const identifier = series.identifier(p);
    const eventName = this.state.accounts.get(base.account ?? '')?.meters.get(series.meterId)?.meter.event_name ?? '';
    return { seq: 0, ...base, via, status, event_name: eventName, customer: series.customer, value: series.value[p] as number, ...(identifier === undefined ? {} : { identifier }) };
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
