"""Helpers shared by the server end-to-end tests: start/stop a `parley serve` on a free port
with its own data directory, HTTP calls, WebSocket speaker and listener clients (Debian's
python3-websockets, a third-party implementation), and real-time streaming of WAV files."""

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import wave

import websockets

LIBRIVOX = "/usr/share/pocketsphinx/test/data/librivox"
CHUNK_SAMPLES = 1600  # 100 ms at 16 kHz


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A `parley serve` process. Killed on exit (atexit + the test's trap)."""

    def __init__(self, parley, source_dir, data_dir=None, extra_args=(), env=None, wrapper=(),
                 ssl_context=None):
        """`wrapper`: a command the server is started through, e.g. ("prlimit", "--nofile=256:256")
        (it must exec the server, so that proc.pid is the server's). `ssl_context`: the server
        serves TLS (--tls-cert/--tls-key in extra_args) and this client context trusts it; base
        and ws_base are then https:// and wss://."""
        self.parley = parley
        self.ssl_context = ssl_context
        self.wrapper = list(wrapper)
        self.source_dir = source_dir
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="parley_server_e2e_")
        self.extra_args = list(extra_args)
        self.env = dict(os.environ)
        self.env.setdefault("PARLEY_ADMIN_TOKEN", "e2e-admin-token")
        self.env["PARLEY_STORE"] = "sqlite:" + os.path.join(self.data_dir, "parley.db")
        self.env.update(env or {})
        self.proc = None
        self.port = None

    def start(self, port=None, timeout=120):
        self.port = port or free_port()
        log = open(os.path.join(self.data_dir, "server.log"), "ab")
        self.proc = subprocess.Popen(
            self.wrapper + [self.parley, "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--data", self.data_dir, "--web", os.path.join(self.source_dir, "web")]
            + self.extra_args,
            stdout=log, stderr=subprocess.STDOUT, env=self.env, cwd=self.source_dir)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited with %s; log:\n%s" % (self.proc.returncode, self.log()))
            try:
                status, _ = self.http("GET", "/readyz")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("server not ready after %ss; log:\n%s" % (timeout, self.log()))

    def log(self):
        try:
            with open(os.path.join(self.data_dir, "server.log"), "rb") as f:
                return f.read().decode("utf-8", "replace")[-6000:]
        except OSError:
            return ""

    def kill9(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self, timeout=60):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill9()
                raise
        return self.proc.returncode if self.proc else None

    @property
    def base(self):
        return "%s://127.0.0.1:%d" % ("https" if self.ssl_context else "http", self.port)

    @property
    def ws_base(self):
        return "%s://127.0.0.1:%d" % ("wss" if self.ssl_context else "ws", self.port)

    def http(self, method, path, body=None, headers=None, raw=False):
        data = None
        hdrs = dict(headers or {})
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=60, context=self.ssl_context) as res:
                payload = res.read()
                status = res.status
        except urllib.error.HTTPError as e:
            payload = e.read()
            status = e.code
        if raw:
            return status, payload.decode("utf-8", "replace")
        try:
            return status, json.loads(payload) if payload else None
        except ValueError:
            return status, payload.decode("utf-8", "replace")

    def create_session(self, targets=("es",)):
        status, body = self.http("POST", "/api/sessions",
                                 {"source_language": "en", "targets": list(targets)})
        assert status == 201, (status, body)
        return body


def read_wav(path):
    with wave.open(path) as w:
        assert w.getframerate() == 16000 and w.getnchannels() == 1 and w.getsampwidth() == 2
        return w.readframes(w.getnframes())


def silence(seconds):
    return b"\0\0" * int(16000 * seconds)


async def stream_realtime(ws, pcm, t0=None, chunk=CHUNK_SAMPLES):
    """Sends s16le PCM in 100 ms frames paced at real time. Returns the start time t0 (audio
    second s is sent at t0 + s)."""
    step = chunk * 2
    t0 = t0 if t0 is not None else time.monotonic()
    sent_s = 0.0
    for i in range(0, len(pcm), step):
        target = t0 + sent_s
        delay = target - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        frame = pcm[i:i + step]
        await ws.send(frame)
        sent_s += len(frame) / 32000.0
    return t0


class Listener:
    """A listener WebSocket collecting captions (with their receipt time) until the session ends
    or the connection closes. `connected` is set when the server's {"type":"ready"} arrives (the
    listener is attached), or when the connection ends."""

    def __init__(self, server, session_id, lang="es"):
        self.url = "%s/ws/listen?session=%s&lang=%s" % (server.ws_base, session_id, lang)
        self.captions = []  # (receipt monotonic time, message)
        self.lines = []     # (receipt monotonic time, message): every line revision
        self.audio = []     # (seq or line, bytes)
        self.ended = False
        self.close_code = None
        self.task = None
        self.connected = asyncio.Event()

    async def run(self):
        try:
            async with websockets.connect(self.url, max_size=None, ping_interval=None) as ws:
                pending_audio_seq = None
                async for msg in ws:
                    now = time.monotonic()
                    if isinstance(msg, bytes):
                        self.audio.append((pending_audio_seq, msg))
                        pending_audio_seq = None
                        continue
                    m = json.loads(msg)
                    if m["type"] == "ready":
                        self.connected.set()  # attached: counted, receiving (docs/protocol.md)
                    elif m["type"] == "caption":
                        self.captions.append((now, m))
                    elif m["type"] == "line":
                        self.lines.append((now, m))
                    elif m["type"] == "audio":
                        pending_audio_seq = m.get("seq", m.get("line"))
                    elif m["type"] == "session_ended":
                        self.ended = True
                self.close_code = ws.close_code
        except websockets.ConnectionClosed as e:
            self.close_code = e.code
        finally:
            self.connected.set()

    def start(self):
        self.task = asyncio.ensure_future(self.run())
        return self

    def seqs(self):
        return [m["seq"] for _, m in self.captions]

    def final_lines(self):
        """{line: final revision message} of every line that got its final revision."""
        return {m["line"]: m for _, m in self.lines if m["final"]}


def check_lines(listener, what):
    """The lines lane's promises, as a listener that was there from the start sees them: lines
    1..n without a gap, each revised with rev 1, 2, 3, ... and ending in exactly one final."""
    revs = {}
    for _, m in listener.lines:
        revs.setdefault(m["line"], []).append(m)
    check(sorted(revs) == list(range(1, len(revs) + 1)), "%s: lines 1..%d without a gap" % (what, len(revs)))
    for n, ms in revs.items():
        if [m["rev"] for m in ms] != list(range(1, len(ms) + 1)):
            check(False, "%s: line %d revised with rev 1, 2, ... (%s)" % (what, n, [m["rev"] for m in ms]))
        if [m["final"] for m in ms].count(True) != 1 or not ms[-1]["final"]:
            check(False, "%s: line %d ends in exactly one final revision" % (what, n))
        if any(not 0 <= m["stable_chars"] <= len(m["text"].encode()) for m in ms):
            check(False, "%s: line %d: stable_chars within the text" % (what, n))
    check(True, "%s: every line revised with rev 1, 2, ..., ending in one final; stable_chars in range" % what)
    return revs


async def connect_listener(url, timeout=60, ssl=None):
    """Opens a listener WebSocket and returns it once the server said {"type":"ready"}: from
    then on the listener counts against the session's limit. Raises if it closes first. `ssl`:
    the client context for a wss:// URL."""
    ws = await websockets.connect(url, max_size=None, ping_interval=None, ssl=ssl)
    while True:
        msg = await asyncio.wait_for(ws.recv(), timeout)
        if isinstance(msg, str) and json.loads(msg).get("type") == "ready":
            return ws


async def connect_speaker(url, timeout=120, ssl=None):
    """Opens a speaker WebSocket and returns it once the server said {"type":"ready"}: the
    token was accepted, this connection is the session's speaker and its recognizer is loaded,
    so audio streamed from now on is not held in a buffer while the recognizer loads. `ssl`: the
    client context for a wss:// URL."""
    ws = await websockets.connect(url, max_size=None, ping_interval=None, ssl=ssl)
    while True:
        msg = await asyncio.wait_for(ws.recv(), timeout)
        if isinstance(msg, str) and json.loads(msg).get("type") == "ready":
            return ws


@contextlib.asynccontextmanager
async def speaker_connection(url, timeout=120):
    """`async with speaker_connection(url) as ws:` connect_speaker, closed on exit."""
    ws = await connect_speaker(url, timeout)
    try:
        yield ws
    finally:
        await ws.close()


async def wait_until(predicate, what, timeout=60, interval=0.05):
    """Polls `predicate()` (a plain function) until it is true; fails the test after `timeout`."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            check(False, "timed out after %ss waiting for: %s" % (timeout, what))
        await asyncio.sleep(interval)


async def wait_speaker_gone(server, session_id, timeout=60):
    """Waits until the server has released the session's speaker (`speaker_connected` false)."""
    def gone():
        status, info = server.http("GET", "/api/sessions/" + session_id)
        return status == 200 and not info["speaker_connected"]
    await wait_until(gone, "the speaker of %s released" % session_id, timeout)


async def expect_close(url, action=None, timeout=30):
    """Connects, optionally performs `action(ws)`, and returns the close code the server sent."""
    try:
        async with websockets.connect(url, max_size=None, ping_interval=None) as ws:
            if action:
                await action(ws)
            while True:
                await asyncio.wait_for(ws.recv(), timeout)
    except websockets.ConnectionClosed as e:
        return e.code
    except asyncio.TimeoutError:
        return None


def check(cond, message):
    if not cond:
        print("FAIL: " + message, file=sys.stderr)
        sys.exit(1)
    print("ok: " + message)


def percentile(values, q):
    if not values:
        return float("nan")
    v = sorted(values)
    k = max(0, min(len(v) - 1, int(round(q * (len(v) - 1)))))
    return v[k]
