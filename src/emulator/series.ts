// The events of one meter and one customer, stored as columns of typed arrays in the order they
// were received: appending is a few array writes, and a summary is one pass over the columns
// (or, for hour-aligned sums and counts, one step per hour of the running totals).
import { HourCells } from './hour-cells.js';
import type { IdentifierIndex } from './identifier-index.js';

const INITIAL_CAPACITY = 16;

/** The endpoints an event can come through, as stored in the `via` column. */
export const VIAS = ['v1', 'v2', 'stream'] as const;
export type Via = (typeof VIAS)[number];

/** Which endpoint is ingesting right now (set by the endpoint's handler, read by append()), and, while someone watches, the events appended and cancelled during the request. */
export interface Intake {
  via: number;
  /** Pairs (series, position), filled only while `watching`. */
  appended: Array<Series | number>;
  cancelled: Array<Series | number>;
  watching: boolean;
}

export const newIntake = (): Intake => ({ via: 0, appended: [], cancelled: [], watching: false });

export class Series {
  /** Event timestamps. @unit unix seconds (fractions kept from v2 timestamps) */
  ts = new Float64Array(INITIAL_CAPACITY);
  value = new Float64Array(INITIAL_CAPACITY);
  /** When the emulator received each event. @unit unix seconds */
  received = new Float64Array(INITIAL_CAPACITY);
  cancelled = new Uint8Array(INITIAL_CAPACITY);
  /** Index into VIAS. */
  via = new Uint8Array(INITIAL_CAPACITY);
  /** Each event's identifier, as its entry in the account's identifier index plus 1 (0: a stream event sent without one). */
  entries = new Int32Array(INITIAL_CAPACITY);
  length = 0;
  /** Whether every value is a whole number (their sums are then exact). */
  integral = true;
  minTs = Infinity;
  maxTs = -Infinity;
  readonly hours = new HourCells();

  constructor(
    /** Position in the account's series list (part of an event reference). */
    readonly index: number,
    readonly meterId: string,
    readonly customer: string,
    private readonly intake: Intake,
    /** The account's identifiers, which `entries` point into. */
    readonly ids: IdentifierIndex,
  ) {}

  /** The identifier of the event at `position` (undefined for a stream event sent without one). */
  identifier(position: number): string | undefined {
    const entry = this.entries[position] as number;
    return entry === 0 ? undefined : this.ids.text(entry - 1);
  }

  /** Appends one event; returns its position. */
  append(ts: number, value: number, received: number): number {
    const i = this.length;
    if (i === this.ts.length) this.#grow();
    this.ts[i] = ts;
    this.value[i] = value;
    this.received[i] = received;
    this.via[i] = this.intake.via;
    this.length = i + 1;
    if (this.integral && !Number.isInteger(value)) this.integral = false;
    if (ts < this.minTs) this.minTs = ts;
    if (ts > this.maxTs) this.maxTs = ts;
    this.hours.add(ts, value, 1);
    if (this.intake.watching) this.intake.appended.push(this, i);
    return i;
  }

  /** Cancels the event at `position`; false if it already was. */
  cancel(position: number): boolean {
    if (this.cancelled[position] === 1) return false;
    this.cancelled[position] = 1;
    this.hours.add(this.ts[position] as number, this.value[position] as number, -1);
    if (this.intake.watching) this.intake.cancelled.push(this, position);
    return true;
  }

  #grow(): void {
    const capacity = this.ts.length * 2;
    const grow = <T extends Float64Array | Uint8Array | Int32Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.ts = grow(this.ts, (n) => new Float64Array(n));
    this.value = grow(this.value, (n) => new Float64Array(n));
    this.received = grow(this.received, (n) => new Float64Array(n));
    this.cancelled = grow(this.cancelled, (n) => new Uint8Array(n));
    this.via = grow(this.via, (n) => new Uint8Array(n));
    this.entries = grow(this.entries, (n) => new Int32Array(n));
  }
}

/** An event's place, packed in one number: series index and position in that series. */
const SPAN = 2 ** 32;
export const eventRef = (series: number, position: number): number => series * SPAN + position;
export const refSeries = (ref: number): number => Math.floor(ref / SPAN);
export const refPosition = (ref: number): number => ref % SPAN;
