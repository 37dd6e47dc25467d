// A process of the outbox crash tests, on the built package (dist/, as users get it; npm test
// builds first): a producer recording 10,000 events a second (printing each acknowledged
// identifier), or a relay delivering to the emulator over HTTP. The test kills it.
//   node outbox-process.mjs producer|relay sqlite|postgres <path or url> <emulator url> [ending] [afterMs]
// ending: "run" (until killed), "throw" (an uncaught exception after afterMs), "exit" (process.exit(0) after afterMs).
import pg from 'pg';
import { StripeMeters } from '../../dist/src/index.node.js';
import { createOutbox } from '../../dist/src/outbox/index.js';
import { postgresStore } from '../../dist/src/outbox/postgres.node.js';
import { sqliteStore } from '../../dist/src/outbox/sqlite.node.js';

const [role, kind, where, emulatorUrl, ending = 'run', afterMs = '0'] = process.argv.slice(2);
const stripe = new StripeMeters('sk_test_outbox', { baseUrl: emulatorUrl, meterEventsBaseUrl: emulatorUrl, retryDelay: { initialMs: 20, maxMs: 200, maxRetryAfterMs: 200 } });
const store = kind === 'sqlite' ? sqliteStore(where) : postgresStore(new pg.Pool({ connectionString: where, max: 6 }));
const outbox = createOutbox(stripe, { store, pollIntervalMs: 20, leaseMs: 2000, retryBudgetMs: 1000 });

if (ending === 'throw') {
  setTimeout(() => {
    throw new Error('an uncaught exception in app code');
  }, Number(afterMs));
}
if (ending === 'exit') setTimeout(() => process.exit(0), Number(afterMs));

if (role === 'relay') {
  outbox.start();
  process.stdout.write('started\n');
} else {
  // 10,000 events a second: 100 every 10 ms, each acknowledged identifier printed once stored.
  let i = Math.floor(Math.random() * 1e6);
  const tick = async () => {
    const batch = Array.from({ length: 100 }, () => {
      const n = i++;
      return outbox.record({ event_name: 'outbox_usage', payload: { stripe_customer_id: `cus_${n % 8}`, value: 1 } }).then((e) => e.identifier);
    });
    const ids = await Promise.all(batch);
    process.stdout.write(`${ids.join('\n')}\n`);
  };
  process.stdout.write('started\n');
  for (;;) {
    const started = Date.now();
    await tick();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 10 - (Date.now() - started))));
  }
}
