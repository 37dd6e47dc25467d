// Events that fail asynchronous validation (every invalid stream event; v1 and v2 events whose
// customer or value is wrong) do not count; Stripe reports them later as thin events
// `v1.billing.meter.error_report_triggered` (per meter) and `v1.billing.meter.no_meter_found`.
// Here they are batched per meter (or unknown event name) per minute of receipt.
import type { ReportCode } from '../rules/codes.js';

/** The error codes of Stripe's meter error reports (src/rules/codes.ts). */
export type MeterErrorCode = ReportCode;

/** One failed event, as Stripe samples it. */
export interface MeterErrorSample {
  error_message: string;
  /** Stripe's field: the Idempotency-Key of the request that carried the event ("" when none). */
  request: { identifier: string };
  /** Emulator addition: the event's own identifier, when it had one. */
  event_identifier?: string;
}

/** A thin event as Stripe would deliver it, with its fetched `data`. */
export interface MeterErrorReport {
  id: string;
  object: 'v2.core.event';
  type: 'v1.billing.meter.error_report_triggered' | 'v1.billing.meter.no_meter_found';
  /** When the first error of the batch was received (RFC 3339). */
  created: string;
  /** The connected account (Stripe-Account) the events were sent for, or null. */
  context: string | null;
  related_object: { id: string; type: 'billing.meter'; url: string } | null;
  data: {
    developer_message_summary: string;
    reason: {
      error_count: number;
      error_types: Array<{ code: MeterErrorCode; error_count: number; sample_errors: MeterErrorSample[] }>;
    };
    validation_start: string;
    validation_end: string;
  };
}

export interface FailedEvent {
  account: string | undefined;
  meterId: string | undefined;
  eventName: string;
  code: MeterErrorCode;
  message: string;
  identifier: string | undefined;
  idempotencyKey: string | undefined;
  /** @unit unix milliseconds */
  atMs: number;
}

const WINDOW_MS = 60_000;
const MAX_SAMPLES = 100;
const iso = (ms: number) => new Date(ms).toISOString();

export class ErrorReports {
  readonly #reports = new Map<string, MeterErrorReport>();
  /** Called after each failed event is added (the dashboard's live feed). */
  onAdd: ((failed: FailedEvent, report: MeterErrorReport) => void) | undefined;

  add(failed: FailedEvent): void {
    const start = Math.floor(failed.atMs / WINDOW_MS) * WINDOW_MS;
    const key = `${failed.account ?? ''}\u0000${failed.meterId ?? `\u0000${failed.eventName}`}\u0000${start}`;
    let report = this.#reports.get(key);
    if (report === undefined) {
      const noMeter = failed.meterId === undefined;
      report = {
        id: `evt_test_${(this.#reports.size + 1).toString(36).padStart(8, '0')}`,
        object: 'v2.core.event',
        type: noMeter ? 'v1.billing.meter.no_meter_found' : 'v1.billing.meter.error_report_triggered',
        created: iso(failed.atMs),
        context: failed.account ?? null,
        related_object: noMeter ? null : { id: failed.meterId as string, type: 'billing.meter', url: `/v1/billing/meters/${failed.meterId as string}` },
        data: { developer_message_summary: '', reason: { error_count: 0, error_types: [] }, validation_start: iso(start), validation_end: iso(start + WINDOW_MS) },
      };
      this.#reports.set(key, report);
    }
    const { reason } = report.data;
    let type = reason.error_types.find((t) => t.code === failed.code);
    if (type === undefined) reason.error_types.push((type = { code: failed.code, error_count: 0, sample_errors: [] }));
    type.error_count++;
    reason.error_count++;
    if (type.sample_errors.length < MAX_SAMPLES) {
      const sample: MeterErrorSample = { error_message: failed.message, request: { identifier: failed.idempotencyKey ?? '' } };
      if (failed.identifier !== undefined) sample.event_identifier = failed.identifier;
      type.sample_errors.push(sample);
    }
    const n = reason.error_count;
    report.data.developer_message_summary = `${n} meter event${n === 1 ? '' : 's'} for event name "${failed.eventName}" failed validation and did not count.`;
    this.onAdd?.(failed, report);
  }

  /** The reports by their batch key, to export and restore the emulator's state. */
  entries(): Array<[string, MeterErrorReport]> {
    return structuredClone([...this.#reports]);
  }

  restore(entries: ReadonlyArray<[string, MeterErrorReport]>): void {
    this.#reports.clear();
    for (const [key, report] of entries) this.#reports.set(key, structuredClone(report));
  }

  /** Copies of the reports so far, oldest first. */
  list(): MeterErrorReport[] {
    return structuredClone([...this.#reports.values()]);
  }

  clear(): void {
    this.#reports.clear();
  }
}
