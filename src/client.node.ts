// The clients Node resolves to (package.json conditions): the same classes, sending through
// node:http with a keep-alive agent unless a `fetch` option is given.
import { StripeMeters as PortableStripeMeters } from './client.js';
import { StripeMetersCore as PortableStripeMetersCore } from './client-core.js';
import type { SendAttempt } from './internal/attempt.js';
import { httpAttempt } from './internal/http-attempt.node.js';

/** The core of a Stripe Billing Meters client: key, options and transport, and no resource. */
export class StripeMetersCore extends PortableStripeMetersCore {
  /** @internal */
  protected static override defaultAttempt(): SendAttempt {
    return httpAttempt();
  }
}

/** A client for Stripe's Billing Meters API, with every resource. */
export class StripeMeters extends PortableStripeMeters {
  /** @internal */
  protected static override defaultAttempt(): SendAttempt {
    return httpAttempt();
  }
}
