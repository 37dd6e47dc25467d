// The dashboard's page and styles, served as they are (no build step for the user). The script is
// dashboard-script.ts. One page, one panel per question: did my events count (feed, usage), why
// not (error reports), what did my client send (request log), and the controls (clock, reset, faults).
export { DASHBOARD_JS } from './dashboard-script.js';

export const DASHBOARD_HTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>stripe-meters emulator</title>
<link rel="stylesheet" href="/_emulator/dashboard/uplot.css">
<link rel="stylesheet" href="/_emulator/dashboard/app.css">
</head>
<body>
<header>
  <h1>stripe-meters emulator</h1>
  <div class="clock" aria-label="Emulator clock">
    <time id="now">…</time>
    <button type="button" data-advance="3600">+1 hour</button>
    <button type="button" data-advance="86400">+1 day</button>
    <form id="advance-form"><label for="advance-seconds">Advance (s)</label><input id="advance-seconds" type="number" step="1" value="60" inputmode="numeric"><button type="submit">Advance</button></form>
    <button type="button" id="reset" class="danger">Reset</button>
  </div>
</header>
<main>
  <section id="errors" class="errors" aria-labelledby="errors-title" hidden>
    <h2 id="errors-title">Error reports</h2>
    <p id="errors-summary" role="alert"></p>
    <table><caption class="sr">Meter events that failed validation and did not count</caption>
      <thead><tr><th scope="col">Window</th><th scope="col">Event name or meter</th><th scope="col">Code</th><th scope="col">Count</th><th scope="col">Example</th></tr></thead>
      <tbody id="errors-rows"></tbody></table>
  </section>
  <section aria-labelledby="meters-title">
    <h2 id="meters-title">Meters</h2>
    <p id="no-meters" class="muted">No meters yet: create one with <code>stripe.billing.meters.create()</code>.</p>
    <div id="meters" class="meters" role="list"></div>
  </section>
  <section aria-labelledby="usage-title">
    <h2 id="usage-title">Usage per customer</h2>
    <div class="toolbar">
      <label for="usage-window">Group by</label>
      <select id="usage-window"><option value="hour">hour (last 24 hours)</option><option value="day">day (last 30 days)</option></select>
      <span id="usage-meter" class="muted">Pick a meter.</span>
    </div>
    <div id="chart" class="chart" role="img" aria-label="Usage per customer over time"></div>
    <table><caption class="sr">Totals per customer over the range</caption>
      <thead><tr><th scope="col">Customer</th><th scope="col" class="num">Total</th></tr></thead>
      <tbody id="totals"></tbody></table>
  </section>
  <section aria-labelledby="feed-title">
    <h2 id="feed-title">Live feed</h2>
    <div class="scroll"><table><caption class="sr">Meter events as they arrive, newest first</caption>
      <thead><tr><th scope="col">Time</th><th scope="col">Via</th><th scope="col">Status</th><th scope="col">Event name</th><th scope="col">Customer</th><th scope="col" class="num">Value</th><th scope="col">Identifier</th></tr></thead>
      <tbody id="feed" aria-live="polite" aria-relevant="additions"></tbody></table></div>
  </section>
  <section aria-labelledby="requests-title">
    <h2 id="requests-title">Request log</h2>
    <div class="scroll"><table><caption class="sr">Requests the emulator answered, newest first</caption>
      <thead><tr><th scope="col">Time</th><th scope="col">Method</th><th scope="col">Path</th><th scope="col" class="num">Status</th><th scope="col">Request id</th><th scope="col">Idempotency key</th><th scope="col">Fault</th></tr></thead>
      <tbody id="requests"></tbody></table></div>
  </section>
  <section aria-labelledby="thin-title">
    <h2 id="thin-title">Thin events</h2>
    <p class="muted">Emitted once an error report's minute has closed; served at <code>GET /v2/core/events/{id}</code>.</p>
    <ul id="thin" class="plain"></ul>
  </section>
  <section aria-labelledby="faults-title">
    <h2 id="faults-title">Fault injection</h2>
    <form id="faults-form">
      <label for="faults-json">Rules (JSON array), e.g. <code>[{"path": "/v1/billing/meter_events", "fault": "rate_limit", "times": 2}]</code></label>
      <textarea id="faults-json" rows="4" spellcheck="false">[]</textarea>
      <div class="toolbar"><button type="submit">Apply</button><button type="button" id="faults-clear">Clear</button><span id="faults-status" role="status"></span></div>
    </form>
  </section>
</main>
<script src="/_emulator/dashboard/uplot.js"></script>
<script src="/_emulator/dashboard/app.js"></script>
</body>
</html>
`;

export const DASHBOARD_CSS = `:root { color-scheme: light dark; --bg: #f6f8fa; --panel: #fff; --text: #1f2328; --muted: #59636e; --line: #d1d9e0; --accent: #635bff; --bad: #b42318; --bad-bg: #fef3f2; --ok: #1a7f37; --warn: #9a6700; }
@media (prefers-color-scheme: dark) { :root { --bg: #0d1117; --panel: #161b22; --text: #e6edf3; --muted: #9198a1; --line: #3d444d; --accent: #a5a1ff; --bad: #ff7b72; --bad-bg: #2d1315; --ok: #3fb950; --warn: #d29922; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--text); }
header { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; justify-content: space-between; padding: .75rem 1rem; background: var(--panel); border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 2; }
h1 { font-size: 1.1rem; margin: 0; } h2 { font-size: 1rem; margin: 0 0 .5rem; }
.clock, .toolbar, #advance-form { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; }
#now { font-variant-numeric: tabular-nums; font-weight: 600; }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 560px), 1fr)); gap: 1rem; padding: 1rem; }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; min-width: 0; }
section.errors { grid-column: 1 / -1; border: 2px solid var(--bad); background: var(--bad-bg); }
.errors h2, #errors-summary { color: var(--bad); } #errors-summary { font-weight: 600; margin: 0 0 .5rem; }
button, select, input, textarea { font: inherit; color: inherit; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .3rem .6rem; }
button { cursor: pointer; } button:hover { border-color: var(--accent); } button.danger { color: var(--bad); }
button[aria-pressed="true"] { border-color: var(--accent); box-shadow: inset 0 0 0 1px var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
input[type=number] { width: 7rem; } textarea { width: 100%; font-family: ui-monospace, monospace; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: .25rem .4rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
td.num, th.num { text-align: right; } td.wrap { white-space: normal; word-break: break-word; }
.scroll { max-height: 22rem; overflow: auto; }
.meters { display: flex; flex-direction: column; gap: .4rem; }
.meters button { text-align: left; display: grid; gap: .1rem; }
.muted, .meters small { color: var(--muted); }
.badge { display: inline-block; padding: 0 .4rem; border-radius: 999px; font-size: .8rem; font-weight: 600; border: 1px solid currentColor; }
.badge.counted { color: var(--ok); } .badge.duplicate { color: var(--warn); } .badge.cancelled { color: var(--muted); } .badge.invalid { color: var(--bad); }
tr.invalid td { background: var(--bad-bg); }
.chart { min-height: 240px; } .plain { list-style: none; padding: 0; margin: 0; } .plain li { padding: .2rem 0; border-bottom: 1px solid var(--line); }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
code { font-family: ui-monospace, monospace; font-size: .9em; }
@media (max-width: 600px) { header { position: static; } main { padding: .5rem; gap: .5rem; } section { padding: .5rem; } th, td { padding: .2rem .3rem; } }
`;
