"""HTTPS and wss:// without a proxy (docs/security.md, "HTTPS without a proxy"): a self-signed
certificate for 127.0.0.1/localhost is made here with the openssl CLI and `parley serve
--tls-cert --tls-key` serves everything over TLS:
  wrong TLS files are refused at start with exit 2 naming the file (a key that is not PEM, a
  key of another certificate, a certificate without its key);
  /healthz over HTTPS with a context trusting that certificate; a client that does not trust it
  fails its handshake; plain HTTP to the TLS port gets nothing in clear; keep-alive, the
  speaker page and a 413 (the refused body is discarded) over TLS;
  POST /api/sessions hands out https:// and wss:// links; a listener and a speaker over wss get
  {"type":"ready"}, a little speech streamed by the speaker reaches the listener as captions
  and synthesized speech (WAV frames larger than a TLS record), and the session ends with close
  1000;
  a client that never starts the handshake is dropped after 10 s; the failed handshakes are
  counted in parley_connections_rejected_total{reason="tls_handshake"}; SIGTERM exits 0.

Usage: server_tls_test.py PARLEY SOURCE_DIR"""

import asyncio
import atexit
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_common import (LIBRIVOX, Server, check, connect_listener, connect_speaker,  # noqa: E402
                           read_wav, silence, stream_realtime)

CLIP = "sense_and_sensibility_01_austen_64kb-0880.wav"  # about 3 s of speech
HANDSHAKE_TIMEOUT_S = 10


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def make_certificates(tmp):
    """A self-signed certificate for 127.0.0.1 and localhost with its key (the command of
    docs/security.md), a key of no certificate, and a key file that is not a key."""
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-days", "2", "-keyout", key, "-out", cert, "-subj", "/CN=parley",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-addext", "basicConstraints=critical,CA:FALSE",
            "-addext", "keyUsage=critical,digitalSignature", "-addext", "extendedKeyUsage=serverAuth")
    other = os.path.join(tmp, "other-key.pem")
    openssl("genpkey", "-algorithm", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", other)
    bad = os.path.join(tmp, "bad-key.pem")
    with open(bad, "w") as f:
        f.write("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    return cert, key, other, bad


def serve_fails(parley, source_dir, tmp, args):
    """Runs `parley serve ARGS` expecting it to refuse to start; returns (status, stderr)."""
    data = tempfile.mkdtemp(prefix="parley_tls_bad_", dir=tmp)
    env = dict(os.environ)
    env["PARLEY_STORE"] = "sqlite:" + os.path.join(data, "parley.db")
    p = subprocess.run([parley, "serve", "--host", "127.0.0.1", "--port", "0", "--data", data,
                        "--web", os.path.join(source_dir, "web")] + args,
                       capture_output=True, text=True, timeout=60, env=env)
    return p.returncode, p.stderr


def refused_at_start(parley, source_dir, tmp, cert, key, other, bad):
    status, err = serve_fails(parley, source_dir, tmp, ["--tls-cert", cert, "--tls-key", bad])
    check(status == 2 and "tls_key '%s'" % bad in err and "not an unencrypted PEM private key" in err,
          "a key file that is not a key: exit 2 naming it (%s: %s)" % (status, err.strip()))
    status, err = serve_fails(parley, source_dir, tmp, ["--tls-cert", cert, "--tls-key", other])
    check(status == 2 and "tls_key '%s' is not the private key of the certificate" % other in err,
          "a key of another certificate: exit 2 naming it (%s: %s)" % (status, err.strip()))
    status, err = serve_fails(parley, source_dir, tmp, ["--tls-cert", cert])
    check(status == 2 and "tls_cert and tls_key go together" in err,
          "--tls-cert without --tls-key: exit 2 (%s: %s)" % (status, err.strip()))
    missing = os.path.join(tmp, "missing.pem")
    status, err = serve_fails(parley, source_dir, tmp, ["--tls-cert", missing, "--tls-key", key])
    check(status == 2 and "tls_cert '%s' does not exist" % missing in err,
          "a certificate file that does not exist: exit 2 naming it (%s: %s)" % (status, err.strip()))


def rejected_handshakes(server):
    status, text = server.http("GET", "/metrics", raw=True)
    assert status == 200, status
    for line in text.splitlines():
        if line.startswith('parley_connections_rejected_total{decision="none",reason="tls_handshake"}'):
            return float(line.split()[-1])
    return None


def plain_http_gets_nothing(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        received = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                received += chunk
        except ConnectionResetError:
            pass
    check(b"HTTP/" not in received and b"status" not in received,
          "plain HTTP to the TLS port gets no HTTP in clear (%d bytes: %r)"
          % (len(received), received[:40]))
    try:
        urllib.request.urlopen("http://127.0.0.1:%d/healthz" % server.port, timeout=30)
        check(False, "urllib over plain HTTP to the TLS port fails")
    except (urllib.error.URLError, OSError, http.client.HTTPException) as e:
        check(True, "urllib over plain HTTP to the TLS port fails (%s)" % type(e).__name__)


def untrusting_client_fails(server):
    ctx = ssl.create_default_context()  # the system's CAs only: the self-signed cert is unknown
    try:
        urllib.request.urlopen(server.base + "/healthz", timeout=30, context=ctx)
        check(False, "a client that does not trust the certificate fails its handshake")
    except urllib.error.URLError as e:
        check(isinstance(e.reason, ssl.SSLCertVerificationError),
              "a client that does not trust the certificate fails its handshake (%s)" % e.reason)


def https_requests(server):
    status, body = server.http("GET", "/healthz")
    check(status == 200 and body == {"status": "ok"}, "GET https://.../healthz -> 200 (%s %s)"
          % (status, body))
    conn = http.client.HTTPSConnection("127.0.0.1", server.port, timeout=30,
                                       context=server.ssl_context)
    for path in ("/healthz", "/speak"):
        conn.request("GET", path)
        res = conn.getresponse()
        payload = res.read()
        check(res.status == 200, "GET %s over one kept-alive TLS connection -> 200" % path)
    check(b"<html" in payload.lower() and res.getheader("Content-Type", "").startswith("text/html"),
          "the speaker page is served over HTTPS")
    conn.close()
    # A body over 1 MiB: 413, read by the client although the server never read the body.
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as raw:
        with server.ssl_context.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            payload = b"x" * (2 << 20)
            s.sendall(b"POST /api/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                      b"application/json\r\nContent-Length: %d\r\n\r\n" % len(payload) + payload)
            received = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                received += chunk
    check(received.startswith(b"HTTP/1.1 413") and b"body_too_large" in received,
          "a 2 MB body over TLS gets 413 body_too_large (%r)" % received[:60])


async def live_session(server):
    created = server.create_session()
    sid = created["session_id"]
    port = server.port
    check(created["speak_url"].startswith("wss://127.0.0.1:%d/ws/speak?session=%s&token="
                                          % (port, sid)),
          "speak_url is wss:// (%s)" % created["speak_url"].split("token=")[0])
    check(created["listen_ws_url"].startswith("wss://127.0.0.1:%d/ws/listen?" % port),
          "listen_ws_url is wss://")
    check(created["listen_url"] == "https://127.0.0.1:%d/listen/%s" % (port, sid),
          "listen_url is https://")

    listener = await connect_listener(created["listen_ws_url"] + "es", ssl=server.ssl_context)
    check(True, "a listener over wss:// gets {\"type\":\"ready\"}")
    speaker = await connect_speaker(created["speak_url"], ssl=server.ssl_context)
    check(True, "the speaker over wss:// gets {\"type\":\"ready\"} (its recognizer is loaded)")

    captions, audio, ended = [], [], False

    async def listen():
        nonlocal ended
        async for msg in listener:
            if isinstance(msg, bytes):
                audio.append(msg)
            else:
                m = json.loads(msg)
                if m["type"] == "caption":
                    captions.append(m)
                elif m["type"] == "session_ended":
                    ended = True
    collector = asyncio.ensure_future(listen())
    await stream_realtime(speaker, read_wav(os.path.join(LIBRIVOX, CLIP)) + silence(1.0))
    await speaker.send(json.dumps({"type": "end"}))
    await asyncio.wait_for(collector, 60)
    check(captions, "the listener over wss:// received captions of the speech (%d: %s)"
          % (len(captions), " ".join(c["text"] for c in captions)))
    check(audio and audio[0][:4] == b"RIFF",
          "speech arrives over wss:// as WAV (%d messages, the largest %d bytes)"
          % (len(audio), max((len(a) for a in audio), default=0)))
    check(ended and listener.close_code == 1000,
          "the listener got session_ended and close 1000 over TLS (%s)" % listener.close_code)
    await speaker.close()


async def main(parley, source_dir):
    tmp = tempfile.mkdtemp(prefix="parley_tls_e2e_")
    atexit.register(shutil.rmtree, tmp, True)
    cert, key, other, bad = make_certificates(tmp)
    refused_at_start(parley, source_dir, tmp, cert, key, other, bad)

    ctx = ssl.create_default_context(cafile=cert)
    server = Server(parley, source_dir, extra_args=["--tls-cert", cert, "--tls-key", key],
                    ssl_context=ctx).start()
    atexit.register(server.kill9)
    check(server.base.startswith("https://"), "the server is up over HTTPS")

    # Connected now, never says a word: dropped by the handshake timeout (checked at the end).
    idle = socket.create_connection(("127.0.0.1", server.port), timeout=60)
    idle_since = time.monotonic()

    https_requests(server)
    before = rejected_handshakes(server)
    plain_http_gets_nothing(server)
    untrusting_client_fails(server)
    await live_session(server)

    try:
        eof = idle.recv(1) == b""
    except ConnectionResetError:
        eof = True
    waited = time.monotonic() - idle_since
    check(eof and waited >= HANDSHAKE_TIMEOUT_S - 1,
          "a client that never starts the TLS handshake is dropped (after %.1f s)" % waited)
    idle.close()
    after = rejected_handshakes(server)
    # Plain HTTP twice, the untrusting client, and the idle one (counted before `before` if the
    # session took longer than the timeout: then it is in both).
    check(after is not None and after >= before + 3 and after >= 4,
          "failed handshakes are counted: parley_connections_rejected_total{reason=\"tls_handshake\"}"
          " %s -> %s" % (before, after))
    check(server.stop() == 0, "SIGTERM: graceful exit 0 with TLS connections")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
