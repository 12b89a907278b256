"""Bad input against a running server: each gets its documented HTTP status or WebSocket close
code (docs/protocol.md), and a session running meanwhile is unaffected.
  wrong speaker token 4401, unknown session 4404, missing parameters 4400, second speaker 4409,
  oversized frame 1009, text where PCM is expected 1003, odd-length PCM 1007, the listener
  beyond the limit 4429 (limit 3 here), bad JSON / unknown language 400, admin without token 401.
A bad parley.toml makes `parley serve` exit 2 naming every bad key.

Usage: server_bad_input_test.py PARLEY SOURCE_DIR"""

import asyncio
import atexit
import os
import subprocess
import sys
import tempfile


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_common import (LIBRIVOX, Listener, Server, check, connect_listener, connect_speaker,
                           expect_close,  # noqa: E402
                           read_wav, silence, stream_realtime, wait_speaker_gone)


def bad_config_is_refused(parley):
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
        f.write('[rollback]\nwindow_seconds = "300"\nmin_samples = 0\nbogus = 1\n')
    r = subprocess.run([parley, "serve", "--config", f.name, "--port", "0"],
                       capture_output=True, text=True, timeout=60)
    os.unlink(f.name)
    check(r.returncode == 2, "serve --config bad.toml exits 2 (%s)" % r.returncode)
    for text in ("rollback.window_seconds must be a number", "unknown key rollback.bogus",
                 "rollback.min_samples must be an integer >= 1"):
        check(text in r.stderr, "the error names: " + text)


async def main(parley, source_dir):
    bad_config_is_refused(parley)
    server = Server(parley, source_dir, extra_args=["--max-listeners", "3"]).start()
    atexit.register(server.kill9)
    ws = server.ws_base

    # A healthy session runs while the bad input arrives.
    good = server.create_session()
    good_listener = Listener(server, good["session_id"], "es").start()
    await asyncio.wait_for(good_listener.connected.wait(), 60)
    good_speaker = await connect_speaker(good["speak_url"])
    pcm = read_wav(os.path.join(LIBRIVOX, "sense_and_sensibility_01_austen_64kb-0880.wav")) + silence(1.0)
    streaming = asyncio.ensure_future(stream_realtime(good_speaker, pcm))

    victim = server.create_session()
    vid, token = victim["session_id"], victim["speaker_token"]

    code = await expect_close("%s/ws/speak?session=%s&token=%s" % (ws, vid, "0" * 32),
                              lambda w: w.send(b"\0\0" * 1600))
    check(code == 4401, "wrong speaker token closes with 4401 (%s)" % code)
    status, info = server.http("GET", "/api/sessions/" + vid)
    check(info["audio_seconds"] == 0, "nothing was processed for the wrong token")
    code = await expect_close("%s/ws/speak?session=no-such-123&token=%s" % (ws, token))
    check(code == 4404, "speaker for an unknown session: 4404 (%s)" % code)
    code = await expect_close("%s/ws/listen?session=no-such-123&lang=es" % ws)
    check(code == 4404, "listener for an unknown session: 4404 (%s)" % code)
    code = await expect_close("%s/ws/listen?session=%s" % (ws, vid))
    check(code == 4400, "listener without lang: 4400 (%s)" % code)
    code = await expect_close("%s/ws/listen?session=%s&lang=de" % (ws, vid))
    check(code == 4400, "listener for a language the session does not offer: 4400 (%s)" % code)

    async def big(w):
        await w.send(b"\0" * (65536 + 2))
    code = await expect_close("%s/ws/speak?session=%s&token=%s" % (ws, vid, token), big)
    check(code == 1009, "oversized frame closes with 1009 (%s)" % code)
    await wait_speaker_gone(server, vid)

    async def text(w):
        await w.send("hello, this is not audio")
    code = await expect_close("%s/ws/speak?session=%s&token=%s" % (ws, vid, token), text)
    check(code == 1003, "text where PCM is expected closes with 1003 (%s)" % code)
    await wait_speaker_gone(server, vid)

    async def odd(w):
        await w.send(b"\0" * 3201)
    code = await expect_close("%s/ws/speak?session=%s&token=%s" % (ws, vid, token), odd)
    check(code == 1007, "odd-length PCM frame closes with 1007 (%s)" % code)
    await wait_speaker_gone(server, vid)

    code = await expect_close(good["speak_url"])
    check(code == 4409, "a second speaker for a session is refused with 4409 (%s)" % code)

    # Listener limit (3 in this test); the 4th is refused, the first three stay connected.
    # Each is attached once its "ready" arrived; only then does the 4th meet a full session.
    first = [await connect_listener("%s/ws/listen?session=%s&lang=es" % (ws, vid)) for _ in range(3)]
    code = await expect_close("%s/ws/listen?session=%s&lang=es" % (ws, vid))
    check(code == 4429, "listener beyond the limit closes with 4429 (%s)" % code)
    status, info = server.http("GET", "/api/sessions/" + vid)
    check(info["listeners"]["es"] == 3, "the first three listeners are still connected")
    for w in first:
        await w.close()

    # HTTP errors.
    status, body = server.http("POST", "/api/sessions", b"{not json")
    check(status == 400 and body["error"] == "invalid_json", "bad JSON body: 400")
    status, body = server.http("POST", "/api/sessions", {"source_language": "en", "targets": ["xx"]})
    check(status == 400 and "xx" in body["message"], "unknown target language: 400 naming it")
    status, _ = server.http("DELETE", "/api/sessions/" + vid)
    check(status == 401, "DELETE without the speaker token: 401")
    status, _ = server.http("DELETE", "/api/sessions/" + vid, headers={"Authorization": "Bearer nope"})
    check(status == 401, "DELETE with a wrong token: 401")
    status, _ = server.http("GET", "/api/flags")
    check(status == 401, "admin endpoint without token: 401")
    status, _ = server.http("GET", "/api/sessions/no-such-123")
    check(status == 404, "unknown session: 404")
    status, _ = server.http("GET", "/metrics", raw=True)
    check(status == 200, "/metrics needs no token")
    status, _ = server.http("DELETE", "/api/sessions/" + vid, headers={"Authorization": "Bearer " + token})
    check(status == 200, "DELETE with the speaker token ends the session")
    status, info = server.http("GET", "/api/sessions/" + vid)
    check(info["state"] == "ended", "the ended session reports state ended")

    # Admin API with the token.
    admin = {"Authorization": "Bearer e2e-admin-token"}
    status, body = server.http("POST", "/api/flags", {"rollout_percentage": 150, "reason": "x"}, headers=admin)
    check(status == 400 and "rollout_percentage" in body["message"], "invalid rollout change: 400 naming the field")
    # Flag types are strict (docs/flags.md): the string "5" is not an integer.
    status, body = server.http("POST", "/api/flags", {"set": {"max_rate_per_second": "5"}, "reason": "x"},
                               headers=admin)
    check(status == 400 and "max_rate_per_second" in body["message"],
          "a string for an integer key: 400 naming the key (%s %s)" % (status, body))
    status, body = server.http("POST", "/api/flags", {"rollout_percentage": 50}, headers=admin)
    check(status == 400 and "reason" in body["message"], "a change without a reason is refused")
    status, body = server.http("POST", "/api/flags", {"rollout_percentage": 50, "reason": "e2e canary"},
                               headers=admin)
    check(status == 200 and body["version"] >= 1, "rollout change with a reason is written")
    status, hist = server.http("GET", "/api/flags/history", headers=admin)
    check(status == 200 and "e2e canary" in str(hist), "history shows the change and its reason")

    # The healthy session was unaffected.
    await streaming
    await good_speaker.send('{"type":"end"}')
    try:
        await asyncio.wait_for(good_speaker.wait_closed(), 60)
    except asyncio.TimeoutError:
        pass
    await asyncio.wait_for(good_listener.task, 60)
    check(len(good_listener.captions) >= 1 and good_listener.ended,
          "the other session's listener got %d captions and session_ended" % len(good_listener.captions))
    check(good_listener.seqs() == list(range(1, len(good_listener.captions) + 1)), "its seq has no gap")
    status, _ = server.http("GET", "/healthz")
    check(status == 200, "server healthy after the bad input")
    check(server.stop() == 0, "graceful shutdown")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
