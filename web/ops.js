// Operations page: flag status and history, rollout changes with a reason, kill switch, the
// automatic rollback controller (on/off, thresholds, cool-downs, promotion, its decisions),
// active sessions with their sticky decision, alarms, and a live latency chart. Admin calls
// carry the token typed in the header (kept in localStorage) as "Authorization: Bearer <token>".
(() => {
  const $ = (id) => document.getElementById(id);
  $('token').value = localStorage.getItem('parleyAdminToken') || '';
  $('token').onchange = () => { localStorage.setItem('parleyAdminToken', $('token').value); refresh(); };

  const esc = (s) => String(s ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
  async function api(path, options = {}) {
    options.headers = Object.assign({ 'Content-Type': 'application/json' }, options.headers || {});
    if ($('token').value) options.headers.Authorization = 'Bearer ' + $('token').value;
    const res = await fetch(path, options);
    let body = null;
    try { body = await res.json(); } catch (e) { /* empty */ }
    return { status: res.status, body };
  }

  function pill(text, cls) { return '<span class="pill ' + cls + '">' + esc(text) + '</span>'; }

  async function refreshFlag() {
    const r = await api('/api/flags');
    if (r.status !== 200) {
      $('flag').innerHTML = '<span class="error">' + esc(r.body ? r.body.message : 'HTTP ' + r.status) + '</span>';
      return;
    }
    const f = r.body;
    $('flag').innerHTML = pill(f.enabled ? 'enabled' : 'disabled', f.enabled ? 'on' : 'off') + ' ' +
        pill(f.rollout_percentage + '%', 'warn') + ' ' + esc(f.meaning) + ' &middot; version ' + f.version +
        (f.kill_switch ? ' ' + pill('KILL SWITCH ACTIVE', 'off') : '') +
        (f.reason ? ' &middot; <span class="muted">' + esc(f.actor) + ': ' + esc(f.reason) + '</span>' : '');
    if (document.activeElement !== $('percentage')) $('percentage').value = f.rollout_percentage;
    if (document.activeElement !== $('enabled')) $('enabled').checked = f.enabled;
    const h = await api('/api/flags/history?limit=20');
    if (h.status === 200) {
      $('history').innerHTML = h.body.slice().reverse().map((v) => '<tr><td>' + v.version + '</td><td>' +
          esc(v.time_iso) + '</td><td>' + esc(v.actor) + '</td><td><code>' + esc(JSON.stringify(v.value)) +
          '</code></td><td>' + esc(v.reason) + '</td></tr>').join('');
    }
  }

  async function refreshSessions() {
    const r = await api('/api/sessions');
    if (r.status !== 200) { $('sessions').innerHTML = '<tr><td colspan="7" class="muted">admin token required</td></tr>'; return; }
    $('sessions').innerHTML = r.body.sessions.map((s) => '<tr><td><a href="/listen/' + esc(s.session_id) + '">' +
        esc(s.session_id) + '</a></td><td>' + pill(s.mode, s.mode === 'partial' ? 'on' : 'off') + '</td><td>' +
        esc(s.decision.bucket) + '</td><td>' + esc(s.decision.reason) + '</td><td>' + esc(s.listener_total) +
        '</td><td>' + s.latency.p50_ms + ' / ' + s.latency.p95_ms + ' ms</td><td>' +
        (s.speaker_connected ? 'connected' : '-') + '</td></tr>').join('') ||
        '<tr><td colspan="7" class="muted">no active sessions</td></tr>';
  }

  async function refreshAlarms() {
    const r = await api('/api/alarms');
    if (r.status !== 200) return;
    $('alarms').innerHTML = r.body.alarms.map((a) => '<tr><td>' + esc(a.name) + '</td><td>' + esc(a.decision) +
        '</td><td>' + pill(a.state, a.state === 'OK' ? 'on' : 'off') + '</td><td class="muted">' +
        esc(a.summary) + '</td></tr>').join('');
  }

  async function refreshLatency() {
    const r = await api('/api/latency?window=300');
    if (r.status !== 200) return;
    const pts = r.body.points;
    const maxMs = Math.max(2000, ...pts.map((p) => p[1]));
    const x = (t) => 600 + t * 2;  // t is negative seconds, 300 s across
    const y = (v) => 155 - (v / maxMs) * 145;
    let svg = '';
    for (const g of [1000, 2000, 5000]) {
      if (g <= maxMs) svg += '<line x1="0" x2="600" y1="' + y(g) + '" y2="' + y(g) + '" stroke="#333" />' +
          '<text x="4" y="' + (y(g) - 2) + '" fill="#9aa3ad" font-size="10">' + g / 1000 + ' s</text>';
    }
    svg += '<polyline fill="none" stroke="#3fa7ff" stroke-width="2" points="' +
        pts.map((p) => x(p[0]).toFixed(1) + ',' + y(p[1]).toFixed(1)).join(' ') + '" />';
    $('chart').innerHTML = svg;
    $('latency-summary').textContent = r.body.count + ' captions · p50 ' + r.body.p50_ms + ' ms · p95 ' +
        r.body.p95_ms + ' ms';
  }

  // Elements built from data without innerHTML: strings become text nodes.
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    for (const c of children) {
      if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }
  const pillEl = (text, cls) => el('span', { class: 'pill ' + cls }, text);
  // Configured durations: "45 s", "5 min", "1 h".
  function duration(s) {
    if (s >= 3600 && s % 3600 === 0) return s / 3600 + ' h';
    if (s >= 60 && s % 60 === 0) return s / 60 + ' min';
    return Math.round(s * 10) / 10 + ' s';
  }
  // Time left or elapsed: "42 s", "4 min 10 s".
  function span(s) {
    if (s < 90) return Math.ceil(s) + ' s';
    if (s < 5400) return Math.floor(s / 60) + ' min ' + Math.round(s % 60) + ' s';
    return (s / 3600).toFixed(1) + ' h';
  }
  const percent = (rate) => Math.round(rate * 1000) / 10 + '%';
  const clockTime = (unix) => new Date(unix * 1000).toLocaleTimeString();
  const actionClass = { disable: 'off', set_percentage: 'warn', hold: 'warn', none: 'on' };
  function actionPill(d) {
    const text = d.action === 'set_percentage' ? 'set ' + d.percentage + '%' : d.action;
    return pillEl(d.alert ? text + ' + alert' : text, d.action === 'hold' && !d.alert ? 'muted-pill' : actionClass[d.action] || '');
  }
  function decisionTime(d) {
    return d.repeats > 1 ? clockTime(d.at) + ' (\u00d7' + d.repeats + ' since ' + clockTime(d.first_at) + ')' : clockTime(d.at);
  }
  function reasonCell(d) {
    return el('td', {}, d.reason, d.error ? el('div', { class: 'error' }, 'not applied: ' + d.error) : null);
  }

  async function refreshController() {
    const r = await api('/api/rollout/controller');
    const panel = $('controller');
    if (r.status !== 200 || !r.body) {
      $('controller-summary').replaceChildren(el('span', { class: 'error' }, r.body && r.body.message ? r.body.message : 'HTTP ' + r.status));
      return;
    }
    const s = r.body;
    const c = s.config;
    panel.dataset.state = s.enabled ? 'on' : 'off';
    const summary = [pillEl(s.enabled ? 'on' : 'off', s.enabled ? 'on' : 'off')];
    if (!c) {
      // The server runs without the controller: say why and show nothing stale.
      summary.push(el('span', { class: 'muted' }, s.reason || 'automatic rollback is off'));
      $('controller-summary').replaceChildren(...summary);
      for (const id of ['controller-thresholds', 'controller-recent', 'controller-promotion', 'controller-last', 'controller-window']) $(id).replaceChildren();
      return;
    }
    if (s.interval_s !== null) summary.push(el('span', { id: 'controller-interval' }, 'evaluates every ' + duration(s.interval_s)));
    if (s.enabled && !s.running) summary.push(pillEl('loop not running', 'warn'));
    summary.push(el('span', { class: 'muted' }, s.last_evaluation_s_ago === null ? 'not evaluated yet'
        : 'last evaluation ' + span(s.last_evaluation_s_ago) + ' ago'));
    const cooling = Object.entries(s.cooling_down || {});
    for (const [family, left] of cooling) summary.push(pillEl(family + ' cooling down ' + span(left), 'warn'));
    if (s.enabled && cooling.length === 0) summary.push(el('span', { class: 'muted' }, 'no cool-down running'));
    if (s.last_action) {
      summary.push(el('span', {}, 'last action: ', actionPill(s.last_action), ' at ' + clockTime(s.last_action.at)));
    }
    $('controller-summary').replaceChildren(...summary);

    const other = c.other_cooldown_s;
    const rows = [
      ['latency p95', '> ' + c.latency_reduce_s + ' s \u2192 ' + c.reduce_to + '%', '> ' + c.latency_disable_s + ' s', 'latency', c.latency_cooldown_s],
      ['error rate', '> ' + percent(c.error_reduce_rate) + ' \u2192 ' + c.reduce_to + '%', '> ' + percent(c.error_disable_rate), 'errors', c.error_cooldown_s],
      ['dropped / min', '> ' + c.dropped_reduce_per_min + ' \u2192 ' + c.reduce_to + '%', '\u2014', 'dropped', other],
      ['orphaned / session', '> ' + c.orphaned_alert_per_session + ': hold and alert', '\u2014', 'orphaned', other],
      ['complaining listeners / hour (at least ' + c.complaints_min_listeners + ')', '> ' + c.complaints_reduce_per_hour + ' \u2192 ' + c.complaints_reduce_to + '%', '\u2014', 'complaints', other],
    ];
    $('controller-thresholds').replaceChildren(...rows.map(([metric, reduce, disable, family, cooldown]) => {
      const left = (s.cooling_down || {})[family];
      return el('tr', {}, el('td', {}, metric), el('td', {}, reduce), el('td', {}, disable),
          el('td', {}, left !== undefined ? pillEl(span(left) + ' left', 'warn') : el('span', { class: 'muted' }, duration(cooldown))));
    }));
    $('controller-window').textContent = 'acts with at least ' + c.min_samples + ' canary sessions in the window of ' +
        duration(c.window_s) + ' (complaints: ' + duration(c.complaints_window_s) + '); held when the baseline breaches too';

    const promotion = [];
    if (c.promotion.length === 0) {
      promotion.push(el('span', { class: 'muted' }, 'no schedule: the controller never raises the percentage'));
    } else {
      promotion.push(el('div', {}, c.promotion.map((p) => p.percentage + '%' + (p.bake_s > 0 ? ' (bake ' + duration(p.bake_s) + ')' : ''))
          .join(' \u2192 ')));
      promotion.push(s.promotion_halted ? pillEl('halted after a rollback', 'off') : pillEl('active', 'on'));
      if (s.healthy_s !== null) promotion.push(el('span', { class: 'muted' }, ' healthy for ' + span(s.healthy_s)));
    }
    $('controller-promotion').replaceChildren(...promotion);

    const last = s.last;
    $('controller-last').replaceChildren(last === null ? el('span', { class: 'muted' }, 'none yet')
        : el('div', {}, actionPill(last), ' ' + decisionTime(last) + ' \u00b7 ', el('span', { class: 'muted' }, last.reason),
            last.error ? el('div', { class: 'error' }, 'not applied: ' + last.error) : null));

    $('controller-recent').replaceChildren(...(s.recent.length === 0
        ? [el('tr', {}, el('td', { colspan: '4', class: 'muted' }, 'no holds or actions yet'))]
        : s.recent.map((d) => el('tr', {}, el('td', {}, decisionTime(d)), el('td', {}, actionPill(d)),
            el('td', {}, d.action === 'set_percentage' ? d.percentage + '%' : ''), reasonCell(d)))));
  }

  async function refresh() {
    $('status').textContent = new Date().toLocaleTimeString();
    await Promise.all([refreshFlag(), refreshController(), refreshSessions(), refreshAlarms(), refreshLatency()]);
  }

  $('change').onsubmit = async (e) => {
    e.preventDefault();
    const r = await api('/api/flags', { method: 'POST', body: JSON.stringify({
      enabled: $('enabled').checked, rollout_percentage: Number($('percentage').value), reason: $('reason').value }) });
    $('change-result').textContent = r.status === 200 ? 'written as version ' + r.body.version : (r.body ? r.body.message : 'HTTP ' + r.status);
    refresh();
  };
  const kill = async (active) => {
    const r = await api('/api/flags/kill-switch', { method: 'POST', body: JSON.stringify({
      active, reason: $('reason').value || (active ? 'kill switch from the ops page' : 'released from the ops page') }) });
    $('change-result').textContent = r.status === 200 ? 'kill switch ' + (r.body.kill_switch ? 'ACTIVE' : 'released') : (r.body ? r.body.message : 'HTTP ' + r.status);
    refresh();
  };
  $('kill').onclick = () => kill(true);
  $('unkill').onclick = () => kill(null);
  refresh();
  setInterval(refresh, 2000);
})();
