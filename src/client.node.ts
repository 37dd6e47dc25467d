// The client Node resolves to (package.json conditions): the same class, sending through
// node:http with a keep-alive agent unless a `fetch` option is given.
import { StripeMeters as PortableStripeMeters } from './client.js';
import { httpAttempt } from './internal/http-attempt.node.js';
import type { SendAttempt } from './internal/transport.js';

/** A client for Stripe's Billing Meters API. */
export class StripeMeters extends PortableStripeMeters {
  /** @internal */
  protected static override defaultAttempt(): SendAttempt {
    return httpAttempt();
  }
}
