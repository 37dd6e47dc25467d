// One process of `npm run bench:js`: the JavaScript a v1 create or a stream event costs in the
// built package at argv[3], with nothing on the wire. The client's transport answers each attempt
// at once (a create, a stream batch, a session), so the CPU measured is the SDK's and openapi-fetch's
// own: checks, preparation, encoding, the call loop, parsing the answer. Prints one JSON line.
import type * as StripeMetersModule from '../src/index.js';
import type { Answer, Outgoing } from '../src/internal/attempt.js';

const [kind, dist, roundsArg] = process.argv.slice(2);
const { StripeMeters } = (await import(dist as string)) as typeof StripeMetersModule;
const stripe = new StripeMeters('sk_test_bench', { baseUrl: 'http://127.0.0.1:9', meterEventsBaseUrl: 'http://127.0.0.1:9' });
const SESSION = JSON.stringify({ id: 's', object: 'v2.billing.meter_event_session', authentication_token: 'mes_tok_bench', created: new Date().toISOString(), expires_at: new Date(Date.now() + 900_000).toISOString(), livemode: false });
let n = 0;
const answer = (out: Outgoing): Answer => {
  const text = out.url.endsWith('/meter_event_session') ? SESSION : out.url.endsWith('/meter_event_stream') ? '{}' : `{"object":"billing.meter_event","created":1796459298,"event_name":"api_call","identifier":"id_${n++}","livemode":false,"payload":{"stripe_customer_id":"cus_1","value":"3"},"timestamp":1796459298}`;
  return { status: 200, headers: { 'content-type': 'application/json', 'request-id': 'req_bench' }, text, read: () => Promise.resolve(text), discard: () => undefined };
};
// The transport's send, answered without a socket (the stream's a turn later, as a network would).
stripe.transport.send = kind === 'stream' ? (out) => new Promise((resolve) => setImmediate(() => resolve(answer(out)))) : (out) => Promise.resolve(answer(out));

const event = (i: number) => ({ event_name: 'api_call', payload: { stripe_customer_id: `cus_${i % 100}`, value: String(1 + (i % 7)) } });
const PER_ROUND = kind === 'stream' ? 50_000 : 20_000;

async function round(): Promise<void> {
  if (kind === 'stream') {
    const sender = stripe.meterEventSender();
    for (let i = 0; i < PER_ROUND; i++) await sender.send(event(i));
    await sender.close();
    if (sender.stats.accepted !== PER_ROUND) throw new Error(`the sender reports ${sender.stats.accepted} of ${PER_ROUND} accepted`);
    return;
  }
  let i = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (i < PER_ROUND) await stripe.billing.meterEvents.create(event(i++));
  }));
}

await round();
await round();
const perOp: number[] = [];
for (let r = 0; r < Number(roundsArg ?? 5); r++) {
  const before = process.cpuUsage();
  await round();
  const used = process.cpuUsage(before);
  perOp.push((used.user + used.system) / PER_ROUND);
}
console.log(JSON.stringify({ perOp }));
