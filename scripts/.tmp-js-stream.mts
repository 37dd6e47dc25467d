// In-process A/B: CPU per event through meterEventSender (send awaited), the transport's send stubbed.
const dists = process.argv.slice(2);
const SESSION = JSON.stringify({ id: 's', object: 'v2.billing.meter_event_session', authentication_token: 'mes_tok_123', created: new Date().toISOString(), expires_at: new Date(Date.now() + 9e5).toISOString(), livemode: false });
const event = (i: number) => ({ event_name: 'api_call', payload: { stripe_customer_id: `cus_${i % 100}`, value: String(1 + (i % 7)) } });
const clients: any[] = [];
for (const dist of dists) {
  const { StripeMeters } = await import(`${dist}/src/index.node.js`);
  const stripe = new StripeMeters('sk_test_bench', { baseUrl: 'http://127.0.0.1:9', meterEventsBaseUrl: 'http://127.0.0.1:9' });
  stripe.transport.send = (out: { url: string }) => { const text = out.url.endsWith('session') ? SESSION : '{}'; return new Promise((r) => setImmediate(() => r({ status: 200, headers: { 'content-type': 'application/json', 'request-id': 'req_1' }, text, read: () => Promise.resolve(text), discard: () => undefined }))); };
  clients.push(stripe);
}
async function run(stripe: any, total: number) { const s = stripe.meterEventSender(); for (let i = 0; i < total; i++) await s.send(event(i)); await s.close(); if (s.stats.accepted !== total) throw new Error('lost'); }
for (const c of clients) await run(c, 50000);
const rounds: number[][] = dists.map(() => []);
for (let r = 0; r < 11; r++) for (let k = 0; k < clients.length; k++) { const c0 = process.cpuUsage(); await run(clients[k], 50000); const c = process.cpuUsage(c0); rounds[k].push((c.user + c.system) / 50000); }
for (let k = 0; k < dists.length; k++) { const v = rounds[k].sort((a, b) => a - b); console.log(dists[k].split('/').pop()!.padEnd(8), 'µs/event median', v[5].toFixed(2), 'q1', v[2].toFixed(2)); }
