"""A real browser against a running server: headless Debian chromium with a fake microphone
playing LibriVox speech opens /speak and starts a session (getUserMedia -> AudioWorklet ->
/ws/speak); a second page opens the listen URL; Spanish captions must appear in the listener
page's DOM. The automatic rollback controller's state is served without a token at
/api/rollout/controller and shown on /ops (on, its interval, thresholds, last decision). Driven
through the DevTools protocol with python3-websockets. With PARLEY_UPDATE_SCREENSHOTS=1 the three
pages are captured to docs/img/{speak,listen,ops}.png and the controller panel to
docs/img/ops-controller.png.

Usage: server_browser_test.py PARLEY SOURCE_DIR"""

import asyncio
import atexit
import base64
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import wave

import websockets

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_common import LIBRIVOX, Server, check, read_wav, silence  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class Browser:
    def __init__(self, wav):
        self.profile = tempfile.mkdtemp(prefix="parley_chromium_")
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--user-data-dir=" + self.profile, "--remote-debugging-port=0",
             "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
             "--use-file-for-fake-audio-capture=" + wav, "--autoplay-policy=no-user-gesture-required",
             "--window-size=1000,760", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        atexit.register(self.close)
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.time() + 30
        while not os.path.exists(port_file) and time.time() < deadline:
            time.sleep(0.1)
        with open(port_file) as f:
            port = int(f.readline())
        with urllib.request.urlopen("http://127.0.0.1:%d/json/version" % port) as r:
            self.ws_url = json.load(r)["webSocketDebuggerUrl"]
        self.ids = itertools.count(1)
        self.pending = {}

    async def connect(self):
        self.ws = await websockets.connect(self.ws_url, max_size=None, ping_interval=None)
        self.reader = asyncio.ensure_future(self._read())

    async def _read(self):
        async for msg in self.ws:
            m = json.loads(msg)
            fut = self.pending.pop(m.get("id"), None)
            if fut and not fut.done():
                fut.set_result(m)

    async def call(self, method, params=None, session=None):
        i = next(self.ids)
        msg = {"id": i, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        fut = asyncio.get_event_loop().create_future()
        self.pending[i] = fut
        await self.ws.send(json.dumps(msg))
        m = await asyncio.wait_for(fut, 60)
        if "error" in m:
            raise RuntimeError("%s: %s" % (method, m["error"]))
        return m["result"]

    async def open(self, url):
        target = (await self.call("Target.createTarget", {"url": url}))["targetId"]
        session = (await self.call("Target.attachToTarget", {"targetId": target, "flatten": True}))["sessionId"]
        await self.call("Runtime.enable", session=session)
        return session

    async def eval(self, session, expr):
        r = await self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True,
                                                 "awaitPromise": True, "userGesture": True}, session)
        return r["result"].get("value")

    async def wait_for(self, session, expr, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            v = await self.eval(session, expr)
            if v:
                return v
            await asyncio.sleep(0.25)
        return None

    async def screenshot(self, session, path, element_id=None):
        params = {"format": "png"}
        if element_id:  # just that element, even below the fold
            rect = await self.eval(session, "(r => ({x: r.left + scrollX, y: r.top + scrollY, "
                                   "width: r.width, height: r.height}))(document.getElementById(%s)"
                                   ".getBoundingClientRect())" % json.dumps(element_id))
            params.update(clip=dict(rect, scale=1), captureBeyondViewport=True)
        r = await self.call("Page.captureScreenshot", params, session)
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


ROLLBACK_INTERVAL_S = 2  # short, so the controller has evaluated before the /ops checks


async def check_controller_panel(browser, server):
    """The controller's state from the API (no token) and on the ops page. Returns the page."""
    status, ctl = server.http("GET", "/api/rollout/controller")
    check(status == 200 and isinstance(ctl, dict),
          "GET /api/rollout/controller answers without a token (HTTP %s)" % status)
    check(ctl.get("enabled") is True and "config" in ctl,
          "the automatic rollback is on in parley serve (ServerDeps.rollback_driver set): %r"
          % (ctl if "config" not in ctl else True))
    check(ctl["running"] and ctl["interval_s"] == ROLLBACK_INTERVAL_S,
          "the controller's loop runs every %s s: %r" % (ROLLBACK_INTERVAL_S, ctl["interval_s"]))
    check(ctl["config"]["latency_disable_s"] == 7 and ctl["config"]["reduce_to"] == 50,
          "the controller reports the runbook's thresholds")
    deadline = time.time() + 10 * ROLLBACK_INTERVAL_S
    while ctl["last"] is None and time.time() < deadline:
        time.sleep(0.5)
        ctl = server.http("GET", "/api/rollout/controller")[1]
    check(ctl["last"] is not None and ctl["last_evaluation_s_ago"] is not None,
          "the controller has evaluated: %r" % ctl["last"])
    status, _ = server.http("POST", "/api/rollout/controller", {})
    check(status == 405, "the controller endpoint is read-only (POST -> %s)" % status)

    ops = await browser.open(server.base + "/ops")  # no admin token in this profile yet
    state = await browser.wait_for(ops, "document.getElementById('controller').dataset.state", 15)
    check(state == "on", "the ops page's controller panel says on (%r)" % state)
    summary = await browser.wait_for(
        ops, "(t => t.includes('every 2 s') && t)(document.getElementById('controller-summary').textContent)", 15)
    check(bool(summary), "the panel shows the interval: %r" % summary)
    check("last evaluation" in summary, "the panel shows when it last evaluated: %r" % summary)
    thresholds = await browser.eval(ops, "document.getElementById('controller-thresholds').textContent")
    check("> 7 s" in thresholds and "> 5 s \u2192 50%" in thresholds and "> 5%" in thresholds,
          "the panel shows the thresholds: %r" % thresholds)
    last = await browser.wait_for(
        ops, "document.querySelector('#controller-last .pill') && document.getElementById('controller-last').textContent", 15)
    reasons = {ctl["last"]["reason"], server.http("GET", "/api/rollout/controller")[1]["last"]["reason"]}
    check(bool(last) and any(r in last for r in reasons),
          "the panel shows the last decision %r: %r" % (reasons, last))
    recent = await browser.eval(ops, "document.getElementById('controller-recent').rows.length")
    check(recent >= 1, "the recent decisions table is drawn (%s rows)" % recent)
    return ops


async def check_controller_off(browser, parley, source_dir):
    """The other side of the off switch: the panel says off, and why."""
    server = Server(parley, source_dir, extra_args=["--no-auto-rollback"]).start()
    try:
        status, ctl = server.http("GET", "/api/rollout/controller")
        check(status == 200 and ctl.get("enabled") is False and "no-auto-rollback" in ctl.get("reason", ""),
              "with --no-auto-rollback the endpoint says off and why: %r" % ctl)
        ops = await browser.open(server.base + "/ops")
        state = await browser.wait_for(ops, "document.getElementById('controller').dataset.state", 15)
        check(state == "off", "the ops page's controller panel says off (%r)" % state)
        summary = await browser.eval(ops, "document.getElementById('controller-summary').textContent")
        check("--no-auto-rollback" in summary, "the panel says why it is off: %r" % summary)
        rows = await browser.eval(ops, "document.getElementById('controller-thresholds').rows.length")
        check(rows == 0, "no thresholds are shown for a controller that does not run (%s rows)" % rows)
    finally:
        server.kill9()


async def main(parley, source_dir):
    server = Server(parley, source_dir,
                    extra_args=["--rollback-interval", str(ROLLBACK_INTERVAL_S)]).start()
    atexit.register(server.kill9)
    wav_path = os.path.join(server.data_dir, "mic.wav")
    pcm = b"".join(read_wav(os.path.join(LIBRIVOX, c)) + silence(1.0) for c in
                   ["sense_and_sensibility_01_austen_64kb-0870.wav",
                    "sense_and_sensibility_01_austen_64kb-0890.wav"])
    with wave.open(wav_path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(pcm)

    browser = Browser(wav_path)
    await browser.connect()
    speak = await browser.open(server.base + "/speak")
    check(await browser.wait_for(speak, "document.readyState === 'complete' && !!window.parleySpeaker", 30),
          "speaker page loaded")
    await browser.eval(speak, "document.getElementById('start').click()")
    sid = await browser.wait_for(speak, "window.parleySpeaker.session && window.parleySpeaker.session.session_id", 30)
    check(bool(sid), "the speaker page created session %s" % sid)
    check(await browser.wait_for(speak, "document.getElementById('status').textContent.startsWith('live')", 30),
          "the speaker page is streaming")
    check(await browser.wait_for(speak, "document.querySelector('#qr svg') !== null", 5), "QR code drawn")
    listen_url = await browser.eval(speak, "document.getElementById('listen-link').href")
    listen = await browser.open(listen_url)
    text = await browser.wait_for(
        listen, "Array.from(document.querySelectorAll('#captions .line')).map(e => e.textContent).join('')", 90)
    check(bool(text and text.strip()), "Spanish caption lines appear in the listener page: %r" % (text or "")[:200])
    # A line revised in place: the same element, a later revision (data-rev counts them).
    revised = await browser.wait_for(
        listen, "(() => { const e = Array.from(document.querySelectorAll('#captions .line'))"
                ".find(e => Number(e.dataset.rev) >= 2); return e ? Number(e.dataset.line) : 0; })()", 90)
    check(bool(revised), "a line is revised in place in the listener page (line %s)" % revised)
    lang = await browser.eval(listen, "document.getElementById('lang').value")
    check(lang == "es", "the listener page shows Spanish (lang=%s)" % lang)
    status, info = server.http("GET", "/api/sessions/" + sid)
    check(info["listeners"]["es"] >= 1 and info["speaker_connected"], "server sees the browser speaker and listener")
    source = await browser.wait_for(speak, "document.getElementById('source').textContent.trim()", 30)
    check(bool(source), "the speaker page shows the live source captions: %r" % (source or "")[:120])
    ops = await check_controller_panel(browser, server)

    if os.environ.get("PARLEY_UPDATE_SCREENSHOTS") == "1":
        await asyncio.sleep(3)  # a few more captions
        img = os.path.join(source_dir, "docs", "img")
        os.makedirs(img, exist_ok=True)
        await browser.screenshot(speak, os.path.join(img, "speak.png"))
        await browser.screenshot(listen, os.path.join(img, "listen.png"))
        await browser.eval(ops, "localStorage.setItem('parleyAdminToken', 'e2e-admin-token'); location.reload()")
        await asyncio.sleep(4)
        await browser.screenshot(ops, os.path.join(img, "ops.png"))
        await browser.screenshot(ops, os.path.join(img, "ops-controller.png"), "controller")
        print("screenshots written to " + img)

    await browser.eval(speak, "document.getElementById('end').click()")
    ended = await browser.wait_for(listen, "document.getElementById('status').textContent.includes('ended')", 60)
    check(bool(ended), "the listener page shows that the session ended")
    # Every line on the page ends as its final revision: the text the transcript holds.
    shown = await browser.eval(
        listen, "Array.from(document.querySelectorAll('#captions .line')).map(e => "
                "[Number(e.dataset.line), e.classList.contains('final'), e.textContent])")
    status, tr = server.http("GET", "/api/sessions/%s/transcript?lang=es" % sid,
                             headers={"Authorization": "Bearer e2e-admin-token"})
    finals = {e["line"]: e["text"] for e in tr["lines"]["es"]}
    check(shown and all(final and finals.get(n) == t for n, final, t in shown),
          "each line on the page shows its final translation: %r vs %r" % (shown[:3], list(finals.items())[:3]))
    check(revised in finals, "the revised line %s got its final revision" % revised)
    check(server.stop() == 0, "graceful shutdown")
    await check_controller_off(browser, parley, source_dir)
    browser.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
