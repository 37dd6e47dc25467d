// What a README snippet gets as `stripe-meters` when the snippet test runs it: the package as
// built, with a StripeMeters and a StripeMetersCore that talk to one in-process emulator, which
// holds the meter the README's examples report to (`api_call`: the sum of `value` per
// `stripe_customer_id`).
import { StripeMeters as Installed, StripeMetersCore as InstalledCore } from 'stripe-meters';
import { createEmulator } from 'stripe-meters/emulator';

export * from 'stripe-meters';

const emulator = createEmulator();

// A snippet that names its own server (an emulator it started) keeps it.
const local = (options) => (options.baseUrl !== undefined || options.fetch !== undefined ? options : { fetch: emulator.fetch, now: () => emulator.clock.now() * 1000, ...options });

export class StripeMeters extends Installed {
  constructor(key, options = {}) {
    super(key, local(options));
  }
}

export class StripeMetersCore extends InstalledCore {
  constructor(key, options = {}) {
    super(key, local(options));
  }
}

await new Installed('sk_test_readme', { fetch: emulator.fetch }).billing.meters.create({
  display_name: 'API calls',
  event_name: 'api_call',
  default_aggregation: { formula: 'sum' },
});
