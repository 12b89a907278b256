// Operations page: flag status and history, rollout changes with a reason, kill switch, active
// sessions with their sticky decision, alarms, and a live latency chart. Admin calls carry the
// token typed in the header (kept in localStorage) as "Authorization: Bearer <token>".
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

  async function refresh() {
    $('status').textContent = new Date().toLocaleTimeString();
    await Promise.all([refreshFlag(), refreshSessions(), refreshAlarms(), refreshLatency()]);
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
