// What a README snippet gets as `stripe-meters` when the snippet test runs it: the package as
// built, with a StripeMeters that talks to one in-process emulator holding the meter the README's
// examples report to (`api_call`: sum of `value` per `stripe_customer_id`).
import { StripeMeters as Installed } from 'stripe-meters';
import { createEmulator } from 'stripe-meters/emulator';

export * from 'stripe-meters';

const emulator = createEmulator();

export class StripeMeters extends Installed {
  constructor(key, options = {}) {
    super(key, { fetch: emulator.fetch, now: () => emulator.clock.now() * 1000, ...options });
  }
}

await new Installed('sk_test_readme', { fetch: emulator.fetch }).billing.meters.create({
  display_name: 'API calls',
  event_name: 'api_call',
  default_aggregation: { formula: 'sum' },
});
