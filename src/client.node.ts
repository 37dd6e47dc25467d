// The clients Node resolves to (package.json conditions): the same classes, sending through
// node:http with a keep-alive agent unless a `fetch` option is given.
import { StripeMeters as PortableStripeMeters } from './client.js';
import { StripeMetersCore as PortableStripeMetersCore } from './client-core.js';
import type { Transport } from './internal/attempt.js';
import { fetchAttempt } from './internal/fetch-attempt.js';
import { httpAttempt } from './internal/http-attempt.node.js';
import { wireTransport } from './internal/wire.js';
import type { FetchLike } from './options.js';

// node:http with a keep-alive agent by default; the small wire classes either way.
const nodeTransport = (fetch: FetchLike | undefined): Transport => wireTransport(fetch === undefined ? httpAttempt() : fetchAttempt(fetch));

/** The core of a Stripe Billing Meters client: key, options and transport, and no resource. */
export class StripeMetersCore extends PortableStripeMetersCore {
  /** @internal */
  protected static override transportFor(fetch: FetchLike | undefined): Transport {
    return nodeTransport(fetch);
  }
}

/** A client for Stripe's Billing Meters API, with every resource. */
export class StripeMeters extends PortableStripeMeters {
  /** @internal */
  protected static override transportFor(fetch: FetchLike | undefined): Transport {
    return nodeTransport(fetch);
  }
}
