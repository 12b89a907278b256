"""A real browser against a running server: headless Debian chromium with a fake microphone
playing LibriVox speech opens /speak and starts a session (getUserMedia -> AudioWorklet ->
/ws/speak); a second page opens the listen URL; Spanish captions must appear in the listener
page's DOM. Driven through the DevTools protocol with python3-websockets. With
PARLEY_UPDATE_SCREENSHOTS=1 the three pages are captured to docs/img/{speak,listen,ops}.png.

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

    async def screenshot(self, session, path):
        r = await self.call("Page.captureScreenshot", {"format": "png"}, session)
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


async def main(parley, source_dir):
    server = Server(parley, source_dir).start()
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
        listen, "Array.from(document.querySelectorAll('#captions .caption')).map(e => e.textContent).join('')", 90)
    check(bool(text and text.strip()), "Spanish captions appear in the listener page: %r" % (text or "")[:200])
    lang = await browser.eval(listen, "document.getElementById('lang').value")
    check(lang == "es", "the listener page shows Spanish (lang=%s)" % lang)
    status, info = server.http("GET", "/api/sessions/" + sid)
    check(info["listeners"]["es"] >= 1 and info["speaker_connected"], "server sees the browser speaker and listener")
    source = await browser.wait_for(speak, "document.getElementById('source').textContent.trim()", 30)
    check(bool(source), "the speaker page shows the live source captions: %r" % (source or "")[:120])

    if os.environ.get("PARLEY_UPDATE_SCREENSHOTS") == "1":
        await asyncio.sleep(3)  # a few more captions
        img = os.path.join(source_dir, "docs", "img")
        os.makedirs(img, exist_ok=True)
        await browser.screenshot(speak, os.path.join(img, "speak.png"))
        await browser.screenshot(listen, os.path.join(img, "listen.png"))
        ops = await browser.open(server.base + "/ops")
        await browser.eval(ops, "localStorage.setItem('parleyAdminToken', 'e2e-admin-token'); location.reload()")
        await asyncio.sleep(4)
        await browser.screenshot(ops, os.path.join(img, "ops.png"))
        print("screenshots written to " + img)

    await browser.eval(speak, "document.getElementById('end').click()")
    ended = await browser.wait_for(listen, "document.getElementById('status').textContent.includes('ended')", 60)
    check(bool(ended), "the listener page shows that the session ended")
    browser.close()
    check(server.stop() == 0, "graceful shutdown")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
