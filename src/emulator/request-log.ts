// The request log: one record per request the emulator answered (control endpoints included), kept
// in a ring of fixed size for emulator.requests() and the dashboard, handed to onRequest and to
// live subscribers. Headers and body bytes are copied only when someone asked for them.
import type { FaultKind } from './options.js';

/** One request and how it was answered. */
export interface RequestRecord {
  /** 1-based, in order of arrival. */
  seq: number;
  /** The Request-Id header of the answer. */
  requestId: string;
  /** When it arrived, on the emulator's clock. @unit unix milliseconds */
  at: number;
  method: string;
  /** The request target as received: a full URL in process, the path and query over HTTP. */
  url: string;
  /** The path, without the query. */
  path: string;
  /** The operation id (`PostBillingMeterEvents`); undefined for an unknown URL or a control endpoint. */
  operationId: string | undefined;
  /** The answer's status; 0 when no answer was sent (a reset or a hang). */
  status: number;
  /** The Stripe-Account the request was for; null for the platform account. */
  account: string | null;
  idempotencyKey: string | undefined;
  /** The fault injected into this request, if one fired. */
  fault: FaultKind | undefined;
  /** Whether the answer was an idempotent replay. */
  replayed: boolean;
  /** All request headers, lower-case names (only with requestLog.bodies or onRequest). */
  headers?: Record<string, string>;
  /** The exact body bytes (only with requestLog.bodies or onRequest). */
  body?: Uint8Array;
}

export type RequestListener = (record: RequestRecord) => void;

export class RequestLog {
  #ring: Array<RequestRecord | undefined>;
  #next = 0;
  #seq = 0;
  readonly #listeners = new Set<RequestListener>();

  constructor(
    size: number,
    /** Keep headers and bodies in the ring. */
    readonly bodies: boolean,
    private readonly hook: RequestListener | undefined,
  ) {
    this.#ring = new Array<RequestRecord | undefined>(size);
  }

  /** Whether records must carry headers and bytes. */
  get wantsRaw(): boolean {
    return this.bodies || this.hook !== undefined;
  }

  /** Whether anything reads the records at all. */
  get active(): boolean {
    return this.#ring.length > 0 || this.hook !== undefined || this.#listeners.size > 0;
  }

  nextSeq(): number {
    return ++this.#seq;
  }

  add(record: RequestRecord): void {
    this.hook?.(record);
    for (const listener of this.#listeners) listener(record);
    if (this.#ring.length === 0) return;
    if (!this.bodies && record.headers !== undefined) {
      const { headers: _headers, body: _body, ...kept } = record;
      record = kept;
    }
    this.#ring[this.#next] = record;
    this.#next = (this.#next + 1) % this.#ring.length;
  }

  /** The records kept, oldest first. */
  list(): RequestRecord[] {
    const out: RequestRecord[] = [];
    const n = this.#ring.length;
    for (let i = 0; i < n; i++) {
      const record = this.#ring[(this.#next + i) % n];
      if (record !== undefined) out.push(record);
    }
    return out;
  }

  subscribe(listener: RequestListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  clear(): void {
    this.#ring = new Array<RequestRecord | undefined>(this.#ring.length);
    this.#next = 0;
  }
}
