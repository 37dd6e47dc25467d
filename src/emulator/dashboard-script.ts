// The dashboard's script (plain browser JavaScript, served as is). It reads the control endpoints,
// listens to /_emulator/live, and draws usage with uPlot. Every value from a request is put in the
// page as text, never as HTML.
export const DASHBOARD_JS = String.raw`'use strict';
(function () {
  var state = { meter: null, account: null, window: 'hour', chart: null, refreshTimer: 0 };
  var $ = function (id) { return document.getElementById(id); };
  function el(tag, props, children) {
    var node = document.createElement(tag);
    for (var key in props || {}) {
      if (key === 'class') node.className = props[key];
      else if (key === 'text') node.textContent = props[key];
      else if (key.slice(0, 2) === 'on') node.addEventListener(key.slice(2), props[key]);
      else node.setAttribute(key, props[key]);
    }
    (children || []).forEach(function (child) { if (child != null) node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child); });
    return node;
  }
  function api(method, path, body) {
    return fetch(path, { method: method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (json) { if (!r.ok) throw new Error((json.error && json.error.message) || ('HTTP ' + r.status)); return json; }); });
  }
  function time(ms) { return new Date(ms).toISOString().slice(11, 19); }
  function fmt(n) { return typeof n === 'number' ? n.toLocaleString('en-US', { maximumFractionDigits: 6 }) : ''; }
  function limitRows(tbody, max) { while (tbody.rows.length > max) tbody.deleteRow(tbody.rows.length - 1); }

  function showClock(now) { var t = $('now'); t.textContent = new Date(now * 1000).toISOString().replace('.000Z', 'Z'); t.setAttribute('datetime', new Date(now * 1000).toISOString()); }

  function renderMeters(overview) {
    var list = $('meters');
    list.textContent = '';
    var any = false;
    overview.accounts.forEach(function (account) {
      account.meters.forEach(function (m) {
        any = true;
        if (state.meter === null) { state.meter = m.id; state.account = account.id; }
        var settings = m.default_aggregation.formula + (m.event_time_window ? ', pre-aggregated by ' + m.event_time_window : '') + ' · customer key ' + m.customer_mapping.event_payload_key + ' · value key ' + m.value_settings.event_payload_key + ' · ' + m.status + (account.id ? ' · account ' + account.id : '');
        list.appendChild(el('button', { type: 'button', role: 'listitem', 'aria-pressed': String(state.meter === m.id), 'data-meter': m.id, onclick: function () { state.meter = m.id; state.account = account.id; refresh(); } }, [
          el('strong', { text: m.display_name + ' (' + m.event_name + ')' }), el('small', { text: m.id + ' · ' + settings }),
        ]));
      });
    });
    $('no-meters').hidden = any;
  }

  function renderUsage(usage) {
    $('usage-meter').textContent = usage.meter.display_name + ' (' + usage.meter.event_name + '), ' + usage.meter.default_aggregation.formula;
    var totals = $('totals');
    totals.textContent = '';
    usage.customers.forEach(function (c) { totals.appendChild(el('tr', { 'data-customer': c.customer }, [el('td', { text: c.customer }), el('td', { class: 'num', text: fmt(c.total) })])); });
    if (usage.customers.length === 0) totals.appendChild(el('tr', {}, [el('td', { colspan: '2', class: 'muted', text: 'No usage in this range.' })]));
    var width = usage.window === 'hour' ? 3600 : 86400;
    var xs = [];
    for (var t = usage.start; t < usage.end; t += width) xs.push(t);
    var shown = usage.customers.slice(0, 6);
    var data = [xs].concat(shown.map(function (c) {
      var by = {}; c.buckets.forEach(function (b) { by[b.start] = b.value; });
      return xs.map(function (x) { return by[x] === undefined ? null : by[x]; });
    }));
    var colors = ['#635bff', '#1a7f37', '#d4a72c', '#cf222e', '#0969da', '#8250df'];
    var box = $('chart');
    if (state.chart) { state.chart.destroy(); state.chart = null; }
    if (typeof uPlot !== 'function' || shown.length === 0) { box.textContent = shown.length === 0 ? '' : 'The chart library did not load.'; return; }
    box.textContent = '';
    state.chart = new uPlot({
      width: Math.max(280, box.clientWidth), height: 240,
      series: [{}].concat(shown.map(function (c, i) { return { label: c.customer, stroke: colors[i], fill: colors[i] + '22', width: 2, points: { show: true } }; })),
      axes: [{ stroke: getComputedStyle(document.body).color }, { stroke: getComputedStyle(document.body).color }],
      scales: { x: { time: true } },
    }, data, box);
    box.setAttribute('aria-label', 'Usage per customer by ' + usage.window + ': ' + shown.map(function (c) { return c.customer + ' ' + fmt(c.total); }).join(', '));
  }

  function renderReports(reports) {
    var rows = $('errors-rows');
    rows.textContent = '';
    var total = 0;
    reports.slice().reverse().forEach(function (r) {
      r.data.reason.error_types.forEach(function (t) {
        total += t.error_count;
        var sample = t.sample_errors[0];
        rows.appendChild(el('tr', {}, [el('td', { text: r.data.validation_start.slice(11, 19) }), el('td', { text: r.related_object ? r.related_object.id : 'no meter' }), el('td', {}, [el('code', { text: t.code })]), el('td', { class: 'num', text: String(t.error_count) }), el('td', { class: 'wrap', text: sample ? sample.error_message : '' })]));
      });
    });
    $('errors').hidden = total === 0;
    $('errors-summary').textContent = total === 0 ? '' : total + ' meter event' + (total === 1 ? '' : 's') + ' failed validation and did not count.';
  }

  function feedRow(item) {
    var status = item.status === 'invalid' ? 'invalid: ' + item.code : item.status === 'duplicate' && item.count ? 'duplicate ×' + item.count : item.status;
    return el('tr', { class: item.status, 'data-status': item.status }, [
      el('td', { text: time(item.at) }), el('td', { text: item.via }), el('td', {}, [el('span', { class: 'badge ' + item.status, text: status, title: item.message || '' })]),
      el('td', { text: item.event_name }), el('td', { text: item.customer || '' }), el('td', { class: 'num', text: fmt(item.value) }), el('td', { class: 'wrap', text: item.identifier || item.message || '' }),
    ]);
  }
  function addFeed(items) { var body = $('feed'); items.forEach(function (item) { body.insertBefore(feedRow(item), body.firstChild); }); limitRows(body, 200); }
  function addRequests(records) {
    var body = $('requests');
    records.forEach(function (r) {
      var path = r.path + (r.url.indexOf('?') >= 0 ? r.url.slice(r.url.indexOf('?')) : '');
      body.insertBefore(el('tr', { class: r.status >= 400 || r.status === 0 ? 'invalid' : '' }, [el('td', { text: time(r.at) }), el('td', { text: r.method }), el('td', { class: 'wrap', text: path }), el('td', { class: 'num', text: r.status === 0 ? 'none' : String(r.status) }), el('td', { text: r.requestId }), el('td', { text: r.idempotencyKey || '' }), el('td', { text: r.fault || '' })]), body.firstChild);
    });
    limitRows(body, 200);
  }
  function renderThin(events) {
    var list = $('thin');
    list.textContent = '';
    if (events.length === 0) list.appendChild(el('li', { class: 'muted', text: 'None yet.' }));
    events.slice().reverse().slice(0, 20).forEach(function (e) { list.appendChild(el('li', {}, [el('code', { text: e.id }), ' ' + e.type + ' · ' + e.data.reason.error_count + ' error(s) · ' + e.created])); });
  }

  function refresh() {
    return Promise.all([api('GET', '/_emulator/overview'), api('GET', '/_emulator/error_reports'), api('GET', '/_emulator/thin_events')]).then(function (r) {
      showClock(r[0].now); renderMeters(r[0]); renderReports(r[1].data); renderThin(r[2].data);
      if (state.meter === null) return;
      var query = '/_emulator/usage?meter=' + encodeURIComponent(state.meter) + '&window=' + state.window + (state.account ? '&account=' + encodeURIComponent(state.account) : '');
      return api('GET', query).then(renderUsage);
    }).catch(function (error) { $('usage-meter').textContent = String(error.message || error); });
  }
  function soon() { clearTimeout(state.refreshTimer); state.refreshTimer = setTimeout(refresh, 150); }

  document.querySelectorAll('[data-advance]').forEach(function (b) { b.addEventListener('click', function () { api('POST', '/_emulator/clock', { advance_seconds: Number(b.getAttribute('data-advance')) }).then(soon); }); });
  $('advance-form').addEventListener('submit', function (e) { e.preventDefault(); api('POST', '/_emulator/clock', { advance_seconds: Number($('advance-seconds').value) }).then(soon, function (err) { alert(err.message); }); });
  $('reset').addEventListener('click', function () { if (confirm('Forget every meter, event and report?')) api('POST', '/_emulator/reset').then(function () { state.meter = null; $('feed').textContent = ''; $('requests').textContent = ''; refresh(); }); });
  $('usage-window').addEventListener('change', function () { state.window = this.value; refresh(); });
  $('faults-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var rules;
    try { rules = JSON.parse($('faults-json').value); } catch (err) { $('faults-status').textContent = 'Not JSON: ' + err.message; return; }
    api('POST', '/_emulator/faults', { faults: rules }).then(function (r) { $('faults-status').textContent = r.faults.length + ' rule(s) in force.'; }, function (err) { $('faults-status').textContent = err.message; });
  });
  $('faults-clear').addEventListener('click', function () { $('faults-json').value = '[]'; api('POST', '/_emulator/faults', { faults: [] }).then(function () { $('faults-status').textContent = 'No faults.'; }); });

  api('GET', '/_emulator/faults').then(function (r) { $('faults-json').value = JSON.stringify(r.faults); });
  api('GET', '/_emulator/feed').then(function (r) { addFeed(r.data); });
  api('GET', '/_emulator/requests').then(function (r) { addRequests(r.data); });
  refresh();
  var live = new EventSource('/_emulator/live');
  live.addEventListener('feed', function (e) { addFeed(JSON.parse(e.data)); });
  live.addEventListener('requests', function (e) { addRequests(JSON.parse(e.data)); });
  live.addEventListener('change', function (e) { showClock(JSON.parse(e.data).now); soon(); });
  window.addEventListener('resize', soon);
})();
`;
