// StripeMeters: the core client with every resource attached, under the official package's names
// (`stripe.billing.meters.list()`), the raw client by path, and the batching sender. Importing it
// brings in every resource; a bundle that needs one resource imports that resource and
// StripeMetersCore instead (src/client-core.ts).
import { StripeMetersCore } from './client-core.js';
import { rawClient, type RawClient } from './client-raw.js';
import type { StripeMetersOptions } from './options.js';
import { MeterEventAdjustments, MeterEvents } from './resources/meter-events.js';
import { Meters } from './resources/meters.js';
import { V2MeterEventAdjustments, V2MeterEvents, V2MeterEventSessions, V2MeterEventStream } from './resources/v2-billing.js';
import { MeterEventSender, type MeterEventSenderOptions } from './sender/meter-event-sender.js';

/** A client for Stripe's Billing Meters API, with every resource. */
export class StripeMeters extends StripeMetersCore {
  readonly billing: {
    readonly meters: Meters;
    readonly meterEvents: MeterEvents;
    readonly meterEventAdjustments: MeterEventAdjustments;
  };
  readonly v2: {
    readonly billing: {
      readonly meterEventSession: V2MeterEventSessions;
      /** The raw v2 stream endpoint (one request of up to 100 events); to send many, use meterEventSender(). */
      readonly meterEventStream: V2MeterEventStream;
      readonly meterEvents: V2MeterEvents;
      readonly meterEventAdjustments: V2MeterEventAdjustments;
    };
  };
  /** The typed client by path, with the same checks, auth, encoding, retries and thrown errors. */
  readonly raw: RawClient;

  /**
   * @param apiKey your secret key (`sk_test_…`, `sk_live_…`) or a restricted key (`rk_…`)
   * @param options all optional; see StripeMetersOptions
   */
  constructor(apiKey: string, options: StripeMetersOptions = {}) {
    super(apiKey, options);
    this.billing = { meters: new Meters(this), meterEvents: new MeterEvents(this), meterEventAdjustments: new MeterEventAdjustments(this) };
    this.v2 = {
      billing: {
        meterEventSession: new V2MeterEventSessions(this),
        meterEventStream: new V2MeterEventStream(this),
        meterEvents: new V2MeterEvents(this),
        meterEventAdjustments: new V2MeterEventAdjustments(this),
      },
    };
    this.raw = rawClient(this);
  }

  /**
   * A batching sender for the v2 meter event stream: buffers events (bounded), sends them 100 at a
   * time over a few concurrent requests under one auto-refreshed session, retries transient
   * failures with the same identifiers within a time budget, and hands back every event it could
   * not deliver. Call `close()` before the process exits: events still in memory are lost otherwise.
   * The same as `new MeterEventSender(stripe, options)`.
   */
  meterEventSender(options?: MeterEventSenderOptions): MeterEventSender {
    return new MeterEventSender(this, options);
  }
}
