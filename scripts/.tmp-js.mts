// In-process A/B: CPU per create through our JS + openapi-fetch, the transport's send stubbed.
// Each dist given loads once; rounds alternate between them; prints medians.
const dists = process.argv.slice(2);
const body = (id: string) => `{"object":"billing.meter_event","created":1796459298,"event_name":"api_call","identifier":"${id}","livemode":false,"payload":{"stripe_customer_id":"cus_1","value":"3"},"timestamp":1796459298}`;
const event = (i: number) => ({ event_name: 'api_call', payload: { stripe_customer_id: `cus_${i % 100}`, value: String(1 + (i % 7)) } });
const clients = [];
for (const dist of dists) {
  const { StripeMeters } = await import(`${dist}/src/index.node.js`);
  const stripe = new StripeMeters('sk_test_bench', { baseUrl: 'http://127.0.0.1:9', meterEventsBaseUrl: 'http://127.0.0.1:9' });
  let n = 0;
  stripe.transport.send = () => { const text = body(String(n++)); return Promise.resolve({ status: 200, headers: { 'content-type': 'application/json', 'request-id': 'req_1' }, text, read: () => Promise.resolve(text), discard: () => undefined }); };
  clients.push(stripe);
}
async function run(stripe: any, total: number) { let i = 0; await Promise.all(Array.from({ length: 16 }, async () => { while (i < total) await stripe.billing.meterEvents.create(event(i++)); })); }
for (const c of clients) await run(c, 20000);
const rounds: number[][] = dists.map(() => []);
for (let r = 0; r < 15; r++) for (let k = 0; k < clients.length; k++) { const c0 = process.cpuUsage(); await run(clients[k], 15000); const c = process.cpuUsage(c0); rounds[k].push((c.user + c.system) / 15000); }
for (let k = 0; k < dists.length; k++) { const v = rounds[k].sort((a, b) => a - b); console.log(dists[k].split('/').pop()!.padEnd(8), 'µs/create median', v[7].toFixed(2), 'q1', v[3].toFixed(2)); }
