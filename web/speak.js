// Speaker page: creates a session, captures the microphone through an AudioWorklet (16 kHz s16le
// mono, 100 ms frames), streams it to /ws/speak, shows the level, the live source captions, the
// listen link and its QR code. Protocol: docs/protocol.md.
(() => {
  const $ = (id) => document.getElementById(id);
  let ws = null, ctx = null, stream = null, session = null, paused = false, ended = false;

  const setStatus = (t) => { $('status').textContent = t; };
  const showError = (t) => { $('error').textContent = t || ''; };

  function wsUrl(path) {
    return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + path;
  }

  function showShare(s) {
    const listen = location.origin + '/listen/' + s.session_id;
    $('share').hidden = false;
    $('session-id').textContent = s.session_id;
    $('listen-link').href = listen;
    $('listen-link').textContent = listen;
    // The transcript is private to the speaker (and the admin): the links carry the token.
    const base = '/api/sessions/' + s.session_id + '/transcript?token=' +
        encodeURIComponent(s.speaker_token);
    $('transcript-link').href = base;
    $('srt-link').href = base + '&format=srt';
    $('vtt-link').href = base + '&format=vtt';
    if (['localhost', '127.0.0.1', '[::1]'].includes(location.hostname)) {
      $('share-note').textContent = 'This page was opened on localhost: phones need the ' +
          'machine\'s LAN address (or start parley with --public-url).';
    }
    const qr = qrcode(0, 'M');
    qr.addData(listen);
    qr.make();
    $('qr').innerHTML = qr.createSvgTag({ cellSize: 4, margin: 2, scalable: true });
  }

  // What parley heard, as source lines revised in place (web/lines.js).
  const sourceLines = window.ParleyLines.create($('source'), { maxLines: 500 });

  async function start() {
    showError('');
    $('start').disabled = true;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true } });
      const headers = { 'Content-Type': 'application/json' };
      const key = $('speaker-key').value || sessionStorage.getItem('parleySpeakerKey') || '';
      if (key) headers.Authorization = 'Bearer ' + key;
      const res = await fetch('/api/sessions', {
        method: 'POST', headers,
        body: JSON.stringify({ source_language: 'en', targets: $('targets').value.split(',') }) });
      const body = await res.json();
      if (res.status === 401) {
        // The server requires its speaker key (docs/security.md): ask for it, then retry.
        sessionStorage.removeItem('parleySpeakerKey');
        $('key-row').hidden = false;
        $('speaker-key').focus();
        throw new Error(key ? 'wrong speaker key' : 'this server needs its speaker key to start a session');
      }
      if (res.status !== 201) throw new Error(body.message || ('HTTP ' + res.status));
      if (key) sessionStorage.setItem('parleySpeakerKey', key);
      session = body;
      showShare(session);
      ws = new WebSocket(wsUrl('/ws/speak?session=' + encodeURIComponent(session.session_id) +
                               '&token=' + encodeURIComponent(session.speaker_token)));
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => setStatus('live: ' + session.session_id);
      ws.onmessage = (ev) => {
        if (typeof ev.data !== 'string') return;
        const m = JSON.parse(ev.data);
        if (m.type === 'line') { if (sourceLines.update(m)) $('source').scrollTop = $('source').scrollHeight; }
        else if (m.type === 'state') { paused = m.paused; $('pause').textContent = paused ? 'Resume' : 'Pause'; }
        else if (m.type === 'error') showError(m.message);
        else if (m.type === 'session_ended') { ended = true; setStatus('session ended'); }
      };
      ws.onclose = (ev) => {
        setStatus(ended ? 'session ended' : 'disconnected (' + ev.code + (ev.reason ? ': ' + ev.reason : '') + ')');
        stopAudio();
        $('pause').disabled = true; $('end').disabled = true;
      };
      ctx = new AudioContext();
      await ctx.audioWorklet.addModule('/static/pcm-worklet.js');
      const src = ctx.createMediaStreamSource(stream);
      const node = new AudioWorkletNode(ctx, 'pcm-processor');
      node.port.onmessage = (ev) => {
        $('level').style.width = Math.min(100, Math.round(ev.data.level * 400)) + '%';
        if (ws && ws.readyState === WebSocket.OPEN && !paused) ws.send(ev.data.pcm);
      };
      src.connect(node);
      $('pause').disabled = false; $('end').disabled = false;
    } catch (e) {
      showError('Could not start: ' + e.message);
      $('start').disabled = false;
      stopAudio();
    }
  }

  function stopAudio() {
    if (stream) stream.getTracks().forEach((t) => t.stop());
    if (ctx) ctx.close();
    stream = null; ctx = null;
    $('level').style.width = '0';
  }

  $('start').onclick = start;
  $('pause').onclick = () => {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: paused ? 'resume' : 'pause' }));
  };
  $('end').onclick = () => {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'end' }));
    $('end').disabled = true;
    setStatus('ending...');
  };
  window.parleySpeaker = { get session() { return session; } };  // for tests
})();
