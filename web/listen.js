// Listener page: joins /ws/listen for the session in the URL (/listen/<id>) and the chosen
// language, shows caption lines revised in place (web/lines.js; ?lane=captions: the append-only
// captions, a new paragraph after a final or a sentence end), plays the synthesized speech (WAV
// frames announced by {"type":"audio"})
// unless muted, reconnects after network trouble (the server replays the last captions; seq
// makes that idempotent), and sends problem reports as {"type":"complaint"} on its WebSocket
// (or, while not connected, to /api/sessions/<id>/complaints with the listener_key the server
// gave this connection in its "ready" message): only a connected listener's report counts.
(() => {
  const $ = (id) => document.getElementById(id);
  const parts = location.pathname.split('/').filter(Boolean);
  const sessionId = parts.length >= 2 ? decodeURIComponent(parts[1]) : '';
  let ws = null, lang = null, lastSeq = 0, muted = true, audioCtx = null, nextPlay = 0;
  let pendingAudioSeq = null, para = null, retry = 0, finished = false, listenerKey = '';

  const setStatus = (t) => { $('status').textContent = t; };
  // Caption lines revised in place (default), or the append-only captions with ?lane=captions
  // (for comparison, or clients that cannot update text in place).
  const useLines = new URLSearchParams(location.search).get('lane') !== 'captions';
  const view = window.ParleyLines.create($('captions'), { maxLines: 200 });

  if (!sessionId) {
    $('join').hidden = false;
    setStatus('');
    $('join-form').onsubmit = (e) => {
      e.preventDefault();
      location.href = '/listen/' + encodeURIComponent(e.target.id.value.trim());
    };
    return;
  }

  function newParagraph() {
    if (para) para.classList.remove('new');
    para = document.createElement('p');
    para.className = 'new';
    $('captions').appendChild(para);
  }

  function addCaption(m) {
    if (m.seq <= lastSeq) return;  // replayed after a reconnect
    lastSeq = m.seq;
    if (!para) newParagraph();
    const span = document.createElement('span');
    span.className = 'caption';
    span.dataset.seq = m.seq;
    span.textContent = (para.textContent ? ' ' : '') + m.text;
    para.appendChild(span);
    if (m.kind === 'final' || /[.?!]$/.test(m.text)) newParagraph();
    while ($('captions').children.length > 200) $('captions').removeChild($('captions').firstChild);
    window.scrollTo(0, document.body.scrollHeight);
  }

  async function play(bytes) {
    if (muted || !audioCtx) return;
    try {
      const buf = await audioCtx.decodeAudioData(bytes);
      const src = audioCtx.createBufferSource();
      src.buffer = buf;
      src.connect(audioCtx.destination);
      nextPlay = Math.max(nextPlay, audioCtx.currentTime);
      src.start(nextPlay);
      nextPlay += buf.duration;
    } catch (e) { /* a damaged clip is skipped */ }
  }

  function connect() {
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host +
        '/ws/listen?session=' + encodeURIComponent(sessionId) + '&lang=' + encodeURIComponent(lang);
    ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => { retry = 0; setStatus(sessionId + ' · ' + lang); };
    ws.onmessage = (ev) => {
      if (typeof ev.data !== 'string') {
        if (pendingAudioSeq !== null) play(ev.data);
        pendingAudioSeq = null;
        return;
      }
      const m = JSON.parse(ev.data);
      pendingAudioSeq = null;
      if (m.type === 'line') { if (useLines && view.update(m)) window.scrollTo(0, document.body.scrollHeight); }
      else if (m.type === 'caption') { if (!useLines) addCaption(m); }
      else if (m.type === 'audio') pendingAudioSeq = m.seq !== undefined ? m.seq : m.line;
      else if (m.type === 'ready') listenerKey = m.listener_key || '';
      else if (m.type === 'complaint_received') reported(m.counted, m.reason);
      else if (m.type === 'session_ended') { finished = true; setStatus('the session has ended'); }
    };
    ws.onclose = (ev) => {
      if (finished || ev.code === 1000) { setStatus('the session has ended'); return; }
      if (ev.code === 4404 || ev.code === 4410) { setStatus('no such session'); return; }
      if (ev.code === 4429) { setStatus('this session is full'); return; }
      retry = Math.min(retry + 1, 6);
      setStatus('reconnecting...');
      setTimeout(connect, 500 * retry);
    };
  }

  async function init() {
    const res = await fetch('/api/sessions/' + encodeURIComponent(sessionId));
    if (res.status !== 200) { setStatus('no such session'); $('error').textContent = 'Unknown session ' + sessionId; return; }
    const info = await res.json();
    if (info.state === 'ended') { setStatus('the session has ended'); return; }
    const langs = info.targets.concat([info.source_language]);
    const names = { es: 'Español', ca: 'Català', gl: 'Galego', en: 'English (original)' };
    for (const l of langs) {
      const o = document.createElement('option');
      o.value = l; o.textContent = names[l] || l;
      $('lang').appendChild(o);
    }
    const wanted = new URLSearchParams(location.search).get('lang');
    lang = langs.includes(wanted) ? wanted : langs[0];
    $('lang').value = lang;
    $('lang').onchange = () => {
      lang = $('lang').value; lastSeq = 0; para = null; view.clear();
      if (ws) { ws.onclose = null; ws.close(); }
      connect();
    };
    connect();
  }

  $('mute').onclick = () => {
    muted = !muted;
    if (!muted && !audioCtx) audioCtx = new AudioContext();
    if (audioCtx && !muted) audioCtx.resume();
    $('mute').innerHTML = muted ? '&#128263; Sound off' : '&#128266; Sound on';
    $('mute').setAttribute('aria-pressed', String(muted));
  };
  function reported(counted, reason) {
    if (counted) setStatus('thanks, reported');
    else if (reason === 'repeated') setStatus('thanks, already reported recently');
    else setStatus('report not counted (' + (reason || 'error') + ')');
  }

  $('report').onclick = async () => {
    const text = prompt('What went wrong? (optional)');
    if (text === null) return;
    if (ws && ws.readyState === WebSocket.OPEN) {
      // Answered by {"type":"complaint_received"} (handled in onmessage).
      ws.send(JSON.stringify({ type: 'complaint', text, last_seq: lastSeq }));
      return;
    }
    try {
      const res = await fetch('/api/sessions/' + encodeURIComponent(sessionId) + '/complaints', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ listener_key: listenerKey, text, last_seq: lastSeq }) });
      const body = await res.json().catch(() => ({}));
      if (res.status === 202) reported(body.status === 'recorded', body.reason);
      else setStatus('report failed');
    } catch (e) { setStatus('report failed'); }
  };
  init();
})();
