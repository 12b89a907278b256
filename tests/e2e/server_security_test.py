"""The server against an attacker on the venue's network (docs/security.md), each check against a
running `parley serve`:
  static files only from the web root (percent-encoded and doubled slashes, dot segments);
  who may create sessions (trusted networks: the server trusts 127.0.0.2 only, so this client on
  127.0.0.1 stands for another machine; the speaker key; the admin token); the session cap (429);
  the per-client creation rate limit (429 + Retry-After); no recognizer before a speaker; unused
  sessions end; the admin lists and ends any session (API and `parley sessions`); transcripts
  need the speaker or admin token unless public; bad bodies are 400 with our own message.

Usage: server_security_test.py PARLEY SOURCE_DIR"""

import asyncio
import atexit
import http.client
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_common import (LIBRIVOX, Server, check, connect_speaker, read_wav, silence,  # noqa: E402
                           stream_realtime, wait_until)

ADMIN = {"Authorization": "Bearer e2e-admin-token"}


def http_from(server, source_ip, method, path, body=None, headers=None):
    """An HTTP request from a chosen loopback source address (127.0.0.2 is "the trusted host")."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60,
                                      source_address=(source_ip, 0))
    hdrs = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=hdrs)
    res = conn.getresponse()
    payload = res.read()
    conn.close()
    try:
        parsed = json.loads(payload) if payload else None
    except ValueError:
        parsed = payload.decode("utf-8", "replace")
    return res.status, parsed, res


def raw_get(server, target):
    """GET with the target sent exactly as written (no client-side normalisation)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    conn.putrequest("GET", target, skip_host=False, skip_accept_encoding=True)
    conn.endheaders()
    res = conn.getresponse()
    body = res.read()
    conn.close()
    return res.status, body


def static_files_stay_in_the_web_root(server):
    for target in ("/static//etc/passwd", "/static/%2fetc%2fpasswd", "/static/%2Fetc%2Fpasswd",
                   "/static/..%2f..%2f..%2fetc%2fpasswd", "/static/%2e%2e/%2e%2e/etc/passwd",
                   "/static/../../etc/passwd", "/static/./listen.js", "/static//proc/self/environ",
                   "/static/%2fproc%2fself%2fenviron", "/static/vendor//../listen.js",
                   "/static/listen.js%00.png", "/static/%252e%252e/etc/passwd", "//static//etc/passwd",
                   "/static/" + "/" * 5 + "etc/passwd"):
        status, body = raw_get(server, target)
        check(status in (400, 404) and b"root:" not in body and b"PARLEY_" not in body,
              "GET %s is refused (%s)" % (target, status))
    status, body = raw_get(server, "/static/listen.js")
    check(status == 200 and len(body) > 100, "a real static file is still served")
    status, _ = raw_get(server, "/static/%zz")
    check(status == 400, "a malformed escape is 400 (%s)" % status)


def creation_rules_without_key(server):
    body = {"source_language": "en", "targets": ["es"]}
    status, resp, _ = http_from(server, "127.0.0.1", "POST", "/api/sessions", body)
    check(status == 401 and resp["error"] == "speaker_key_required" and
          "PARLEY_SPEAKER_KEY" in resp["message"],
          "creation from an untrusted address without a key: 401 saying how to configure (%s)" % status)
    status, resp, _ = http_from(server, "127.0.0.2", "POST", "/api/sessions", body)
    check(status == 201, "creation from a trusted address: 201 (%s %s)" % (status, resp))
    status, resp, _ = http_from(server, "127.0.0.1", "POST", "/api/sessions", body, ADMIN)
    check(status == 201, "creation with the admin token from anywhere: 201 (%s)" % status)
    return resp


def bad_bodies(server):
    for body, needle in (({"targets": ["es", "es"]}, "listed twice"),
                         ({"targets": ["es"], "bogus": 1}, "unknown key"),
                         ({"public_transcript": "yes"}, "public_transcript"),
                         ({"targets": "es"}, "targets"),
                         ({"source_language": 5}, "source_language")):
        status, resp, _ = http_from(server, "127.0.0.2", "POST", "/api/sessions", body)
        check(status == 400 and needle in resp["message"] and "json.exception" not in resp["message"],
              "POST /api/sessions %s: 400 naming %s (%s %s)" % (body, needle, status, resp))


def transcript_access(server, parley):
    private = http_from(server, "127.0.0.2", "POST", "/api/sessions", {"targets": ["es"]})[1]
    public = http_from(server, "127.0.0.2", "POST", "/api/sessions",
                       {"targets": ["es"], "public_transcript": True})[1]
    check(public["public_transcript"] is True, "the creation reply says the transcript is public")
    path = "/api/sessions/%s/transcript" % private["session_id"]
    for suffix in ("", "?format=srt", "?format=vtt", "?lang=es"):
        status, _ = server.http("GET", path + suffix)
        check(status == 401, "transcript%s without a token: 401 (%s)" % (suffix, status))
    status, _ = server.http("GET", path, headers={"Authorization": "Bearer " + "0" * 32})
    check(status == 401, "transcript with a wrong token: 401")
    status, _ = server.http("GET", path, headers={"Authorization": "Bearer " + public["speaker_token"]})
    check(status == 401, "another session's token does not open it: 401")
    status, tr = server.http("GET", path, headers={"Authorization": "Bearer " + private["speaker_token"]})
    check(status == 200 and tr["session_id"] == private["session_id"], "with the speaker token: 200")
    status, _ = server.http("GET", path + "?format=srt&token=" + private["speaker_token"], raw=True)
    check(status == 200, "SRT with ?token=: 200")
    status, _ = server.http("GET", path, headers=ADMIN)
    check(status == 200, "with the admin token: 200")
    status, _ = server.http("GET", "/api/sessions/%s/transcript" % public["session_id"])
    check(status == 200, "a public transcript needs no token: 200")
    # The admin ends any session, through the API and the CLI.
    env = dict(os.environ, PARLEY_ADMIN_TOKEN="e2e-admin-token")
    url = "http://127.0.0.1:%d" % server.port
    r = subprocess.run([parley, "sessions", "list", "--server", url], capture_output=True, text=True,
                       env=env, timeout=60)
    check(r.returncode == 0 and private["session_id"] in r.stdout,
          "parley sessions list shows the sessions:\n" + r.stdout + r.stderr)
    r = subprocess.run([parley, "sessions", "list", "--server", url], capture_output=True, text=True,
                       env=dict(env, PARLEY_ADMIN_TOKEN="wrong"), timeout=60)
    check(r.returncode == 1 and "401" in r.stderr, "parley sessions list with a wrong token: exit 1, 401")
    r = subprocess.run([parley, "sessions", "end", private["session_id"], "--server", url],
                       capture_output=True, text=True, env=env, timeout=120)
    check(r.returncode == 0, "parley sessions end ends a session: " + r.stdout + r.stderr)
    status, info = server.http("GET", "/api/sessions/" + private["session_id"])
    check(info["state"] == "ended", "that session is ended")
    status, _ = server.http("DELETE", "/api/sessions/" + public["session_id"], headers=ADMIN)
    check(status == 200, "DELETE with the admin token ends any session: 200")


def full_log(server):
    with open(os.path.join(server.data_dir, "server.log"), "rb") as f:
        return f.read().decode("utf-8", "replace")


def pipelines_started(server):
    return full_log(server).count("pipeline_started")


async def lazy_recognizer_and_unused_sessions(server, key):
    created = server.http("POST", "/api/sessions", {"targets": ["es"]}, headers=key)[1]
    sid = created["session_id"]
    before = pipelines_started(server)
    check(before == 0, "creating sessions loaded no recognizer (%d pipeline_started)" % before)
    speaker = await connect_speaker(created["speak_url"].replace("localhost", "127.0.0.1"))
    pcm = read_wav(os.path.join(LIBRIVOX, "sense_and_sensibility_01_austen_64kb-0880.wav"))[:32000]
    await stream_realtime(speaker, pcm + silence(0.5))
    await wait_until(lambda: pipelines_started(server) >= 1, "the speaker's pipeline started")
    await speaker.close()
    # A session that never sees a speaker ends by itself (--unused-session 3 here).
    unused = server.http("POST", "/api/sessions", {"targets": ["es"]}, headers=key)[1]

    def ended():
        status, info = server.http("GET", "/api/sessions/" + unused["session_id"])
        return info.get("state") == "ended"
    await wait_until(ended, "the unused session ends by itself", timeout=90)
    status, info = server.http("GET", "/api/sessions/" + unused["session_id"])
    check(info["end_reason"] == "unused", "its end reason is unused (%s)" % info.get("end_reason"))
    status, info = server.http("GET", "/api/sessions/" + sid)
    check(info["state"] == "active", "the session that had a speaker is still active")


def session_cap_and_rate_limit(server):
    # --max-sessions 6: fill up what is left, then one more is 429.
    status, listing = server.http("GET", "/api/sessions", headers=ADMIN)
    free = 6 - len(listing["sessions"])
    made = [http_from(server, "127.0.0.2", "POST", "/api/sessions", {})[1] for _ in range(free)]
    check(all("session_id" in m for m in made), "%d more sessions fit under the cap" % free)
    status, resp, _ = http_from(server, "127.0.0.2", "POST", "/api/sessions", {})
    check(status == 429 and resp["error"] == "too_many_sessions", "beyond max_sessions: 429 (%s)" % status)
    status, _ = server.http("DELETE", "/api/sessions/" + made[0]["session_id"], headers=ADMIN)
    status, resp, _ = http_from(server, "127.0.0.2", "POST", "/api/sessions", {})
    check(status == 201, "after one ended, a new session fits again (%s)" % status)
    # The rate limit counts every attempt of an address (a burst of 20 in this test's config,
    # then 10 a minute); the untrusted address has made 2 attempts so far.
    statuses = []
    for _ in range(25):
        status, resp, res = http_from(server, "127.0.0.1", "POST", "/api/sessions", {})
        statuses.append(status)
        if status == 429:
            check(resp["error"] == "rate_limited" and int(res.getheader("Retry-After")) >= 1,
                  "the rate limit answers 429 rate_limited with Retry-After %s" % res.getheader("Retry-After"))
            break
    check(statuses[-1] == 429 and 17 <= statuses.count(401) <= 19,
          "repeated creation attempts from one address hit the rate limit: %s" % statuses)
    status, _, _ = http_from(server, "127.0.0.2", "POST", "/api/sessions", {})
    check(status in (201, 429), "another address is limited separately")


async def speaker_key_rules(parley, source_dir):
    server = Server(parley, source_dir, env={"PARLEY_SPEAKER_KEY": "venue-key-123"},
                    extra_args=["--unused-session", "3"]).start()
    try:
        body = {"targets": ["es"]}
        status, resp = server.http("POST", "/api/sessions", body)
        check(status == 401 and resp["error"] == "speaker_key_required",
              "with a speaker key configured, even loopback needs it: 401 (%s)" % status)
        status, _ = server.http("POST", "/api/sessions", body, headers={"Authorization": "Bearer nope"})
        check(status == 401, "a wrong speaker key: 401")
        status, resp = server.http("POST", "/api/sessions", body,
                                   headers={"Authorization": "Bearer venue-key-123"})
        check(status == 201, "the speaker key creates a session: 201 (%s)" % status)
        status, _ = server.http("POST", "/api/sessions", body, headers=ADMIN)
        check(status == 201, "the admin token creates a session: 201")
        await lazy_recognizer_and_unused_sessions(server, {"Authorization": "Bearer venue-key-123"})
        log = full_log(server)
        check("venue-key-123" not in log and "e2e-admin-token" not in log,
              "no secret in the server's log")
    finally:
        check(server.stop() == 0, "graceful shutdown (speaker-key server)")


async def main(parley, source_dir):
    config = os.path.join(tempfile.mkdtemp(prefix="parley_security_"), "parley.toml")
    with open(config, "w") as f:
        f.write("[server]\nsession_create_burst = 20\n")
    server = Server(parley, source_dir,
                    extra_args=["--config", config, "--trusted-networks", "127.0.0.2/32",
                                "--max-sessions", "6"]).start()
    atexit.register(server.kill9)
    static_files_stay_in_the_web_root(server)
    creation_rules_without_key(server)
    bad_bodies(server)
    transcript_access(server, parley)
    session_cap_and_rate_limit(server)
    status, _ = server.http("GET", "/healthz")
    check(status == 200, "server healthy after all of it")
    check(server.stop() == 0, "graceful shutdown")
    await speaker_key_rules(parley, source_dir)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
