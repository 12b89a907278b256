"""The automatic-rollback drill (docs/alarms.md), on a real server with the real speech stack.

A `parley serve` runs with the real apertium pipeline plus one extra stage that can delay every
translation request (slow_translator_stage.py, driven by a control file), and a short controller
window. The flag is at 100%. Two speakers stream LibriVox speech at real time, each with a Spanish
and an English listener. After a healthy phase (the controller must not act), the translator is
slowed down: captions fall behind, end-to-end latency rises, and the controller must reduce the
rollout within one evaluation window, writing why to the flag history. Sessions whose bucket is
now out of the rollout switch to final-only. Throughout, no session may lose a word: no audio
dropped, every source segment reaches the Spanish captions (coalesced while the translator is
behind), seq without gap or repeat, and the durable transcript equals what listeners received.

Usage: server_rollback_drill.py PARLEY SOURCE_DIR"""

import asyncio
import atexit
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import websockets

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_common import (LIBRIVOX, Listener, Server, check, percentile, read_wav, silence,  # noqa: E402
                           speaker_connection, stream_realtime)

APERTIUM_MODE = "/usr/share/apertium/modes/eng-spa.mode"
STAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "slow_translator_stage.py")
CLIPS = ["sense_and_sensibility_01_austen_64kb-%s.wav" % n for n in ("0870", "0880", "0890", "0920", "0930")]
HEALTHY_S = 10.0         # stream seconds before the translator is slowed down
SLOW_DELAY_S = 1.5       # per translation request afterwards (apertium's stall timeout is 2 s)
INTERVAL_S = 2           # controller evaluation interval
WINDOW_S = 10            # controller window
THRESHOLD_S = 3.0        # latency_reduce_seconds: p95 above it -> 50%
ADMIN = "drill-admin-token"


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def session_audio(order):
    return b"".join(read_wav(os.path.join(LIBRIVOX, CLIPS[i])) + silence(0.5) for i in order)


async def speak(created, pcm, t0):
    async with speaker_connection(created["speak_url"]) as ws:
        async def drain():
            try:
                async for _ in ws:
                    pass
            except websockets.ConnectionClosed:
                pass
        reader = asyncio.ensure_future(drain())
        await stream_realtime(ws, pcm, t0)
        await ws.send(json.dumps({"type": "end"}))
        await asyncio.wait_for(reader, 120)


def controller_entries(server):
    status, history = server.http("GET", "/api/flags/history?limit=100",
                                  headers={"Authorization": "Bearer " + ADMIN})
    assert status == 200, (status, history)
    return [h for h in history if h.get("actor") == "rollout-controller"]


async def main(parley, source_dir):
    work = tempfile.mkdtemp(prefix="parley_drill_")
    control = os.path.join(work, "translator_delay_seconds")
    write(control, "0")
    modes = os.path.join(work, "modes")
    os.makedirs(modes)
    with open(APERTIUM_MODE) as f:
        write(os.path.join(modes, "eng-spa.mode"), "%s | %s %s\n" % (f.read().strip(), STAGE, control))
    config = os.path.join(work, "parley.toml")
    write(config, "[server]\napertium_modes = \"%s\"\n\n[rollback]\ninterval_seconds = %d\n"
          "window_seconds = %d\nmin_samples = 2\nlatency_reduce_seconds = %s\n"
          "latency_disable_seconds = 60\n" % (modes, INTERVAL_S, WINDOW_S, THRESHOLD_S))

    server = Server(parley, source_dir, data_dir=work, extra_args=["--config", config, "--no-speech"],
                    env={"PARLEY_ADMIN_TOKEN": ADMIN, "STRUCTURED_LOGGING": "1"}).start()
    atexit.register(server.kill9)
    admin = {"Authorization": "Bearer " + ADMIN}
    status, body = server.http("POST", "/api/flags", {"enabled": True, "rollout_percentage": 100,
                                                      "reason": "drill: full rollout"}, headers=admin)
    check(status in (200, 201), "flag set to 100%% (%s %s)" % (status, body))
    for _ in range(100):
        _, flags = server.http("GET", "/api/flags", headers=admin)
        if flags.get("live", {}).get("rollout_percentage") == 100:
            break
        time.sleep(0.1)
    check(flags["live"]["rollout_percentage"] == 100, "the server uses the 100% rollout")

    # One session that stays in the reduced rollout (bucket < 50) and one that leaves it, so
    # that both paths are exercised: the others are deleted.
    sessions = [None, None]
    for _ in range(16):
        created = server.create_session()
        _, info = server.http("GET", "/api/sessions/" + created["session_id"])
        slot = 0 if info["decision"]["bucket"] < 50 else 1
        if sessions[slot] is None:
            sessions[slot] = created
        else:
            status, _ = server.http("DELETE", "/api/sessions/" + created["session_id"],
                                    headers={"Authorization": "Bearer " + created["speaker_token"]})
            check(status in (200, 202, 204), "spare session deleted (%s)" % status)
        if None not in sessions:
            break
    check(None not in sessions, "one session inside and one outside a 50% rollout")
    audio = [session_audio([0, 1, 2, 3, 4]), session_audio([3, 4, 0, 1, 2])]
    listeners = []
    for created in sessions:
        status, info = server.http("GET", "/api/sessions/" + created["session_id"])
        check(info["mode"] == "partial", "session %s starts in partial mode (bucket %d)"
              % (created["session_id"], info["decision"]["bucket"]))
        pair = (Listener(server, created["session_id"], "es").start(),
                Listener(server, created["session_id"], "en").start())
        listeners.append(pair)
        for l in pair:
            await asyncio.wait_for(l.connected.wait(), 60)

    # Watch the flag history while the sessions run.
    first_action = {}

    modes_after = {}

    async def watch():
        loop = asyncio.get_running_loop()
        while True:
            entries = await loop.run_in_executor(None, controller_entries, server)
            if entries and "t" not in first_action:
                first_action["t"] = time.monotonic()
                await asyncio.sleep(1.0)  # the flag watcher polls every 200 ms
                for c in sessions:
                    _, info = await loop.run_in_executor(None, server.http, "GET",
                                                         "/api/sessions/" + c["session_id"])
                    modes_after[c["session_id"]] = info.get("mode")
            await asyncio.sleep(0.25)

    async def slow_down():
        await asyncio.sleep(max(0.0, t0 + HEALTHY_S - time.monotonic()))
        first_action.setdefault("before_slowdown", list(controller_entries(server)))
        write(control, str(SLOW_DELAY_S))

    t0 = time.monotonic() + 0.5
    watcher = asyncio.ensure_future(watch())
    await asyncio.gather(slow_down(), *[speak(c, pcm, t0) for c, pcm in zip(sessions, audio)])
    for pair in listeners:
        for l in pair:
            await asyncio.wait_for(l.task, 120)
    # Give the controller a last evaluation if it has not acted yet (reported below).
    for _ in range(int(4 * INTERVAL_S)):
        if "t" in first_action:
            break
        await asyncio.sleep(0.5)
    watcher.cancel()
    write(control, "0")

    # 1. The controller stayed quiet while healthy, then reduced the rollout, saying why.
    check(first_action["before_slowdown"] == [], "no controller action while the translator was healthy")
    entries = controller_entries(server)
    check(len(entries) == 1, "exactly one controller action (%d): %s" % (len(entries), entries))
    action = entries[0]
    print("controller action: version %s, reason: %s" % (action["version"], action["reason"]))
    check(action["value"]["rollout_percentage"] == 50 and action["value"]["enabled"],
          "the controller set the rollout to 50%")
    check(re.fullmatch(r"auto-rollback: latency_p95_s [0-9.]+ > %g over %ds" % (THRESHOLD_S, WINDOW_S),
                       action["reason"]) is not None,
          "the history says which metric, value, threshold and window")

    status = json.loads(subprocess.run(
        [parley, "rollout", "--status", "--json", "--store", "sqlite:" + os.path.join(work, "parley.db")],
        capture_output=True, text=True, check=True).stdout)
    check(status["last_automatic_action"] and status["last_automatic_action"]["reason"] == action["reason"],
          "parley rollout --status shows the automatic action")
    _, ctl = server.http("GET", "/api/rollout/controller")
    check(ctl["last_action"]["action"] == "set_percentage" and ctl["last_action"]["percentage"] == 50,
          "/api/rollout/controller (the /ops panel) shows the action: %s" % ctl["last_action"]["reason"])

    # 2. Within one evaluation window of the latency breach seen by listeners.
    breach = None
    for es, _ in listeners:
        for t, m in es.captions:
            if t - (t0 + m["audio_end"]) > THRESHOLD_S and (breach is None or t < breach):
                breach = t
    check(breach is not None, "listeners saw the latency rise above %.1f s" % THRESHOLD_S)
    reaction = first_action["t"] - breach
    print("MEASURED: slowdown at stream %.1f s, first caption later than %.1f s at %.1f s, controller "
          "action at %.1f s: %.1f s after the breach (window %d s, interval %d s)"
          % (HEALTHY_S, THRESHOLD_S, breach - t0, first_action["t"] - t0, reaction, WINDOW_S, INTERVAL_S))
    check(reaction <= WINDOW_S, "the controller acted within one window of the breach")

    # 3. Sessions out of the new rollout switched to final-only; the others kept partial mode.
    # 4. No session lost a word.
    for created, (es, en) in zip(sessions, listeners):
        sid = created["session_id"]
        status, info = server.http("GET", "/api/sessions/" + sid)
        bucket = info["decision"]["bucket"]
        lat = [t - (t0 + m["audio_end"]) for t, m in es.captions]
        healthy = [x for (t, m), x in zip(es.captions, lat) if t < t0 + HEALTHY_S]
        slowed = [x for (t, m), x in zip(es.captions, lat) if t >= t0 + HEALTHY_S]
        mode = modes_after.get(sid)
        print("%s (bucket %d, then %s): %d es captions; latency healthy p50 %.2f p95 %.2f s, slowed p50 "
              "%.2f p95 %.2f s" % (sid, bucket, mode, len(es.captions), percentile(healthy, 0.5),
                                   percentile(healthy, 0.95), percentile(slowed, 0.5), percentile(slowed, 0.95)))
        expected_mode = "partial" if bucket < 50 else "final-only"
        check(mode == expected_mode, "%s: bucket %d -> %s after the reduction" % (sid, bucket, mode))
        for l in (es, en):
            check(l.seqs() == list(range(1, len(l.captions) + 1)), "%s/%s: seq 1..n, no gap or repeat" % (sid, l.url[-2:]))
        source = " ".join(m["text"] for _, m in en.captions).split()
        captioned = " ".join(m["source_text"] for _, m in es.captions).split()
        check(len(source) >= 20, "%s: %d words forwarded" % (sid, len(source)))
        check(captioned == source, "%s: every forwarded word reached the Spanish captions, once, in order" % sid)
        status, tr = server.http("GET", "/api/sessions/%s/transcript" % sid,
                                 headers={"Authorization": "Bearer " + ADMIN})
        check([e["text"] for e in tr["languages"]["es"]] == [m["text"] for _, m in es.captions],
              "%s: the durable transcript holds every Spanish caption sent" % sid)

    finished = []
    with open(os.path.join(work, "server.log")) as f:
        for line in f:
            if line.startswith("{"):
                rec = json.loads(line)
                if rec.get("event") == "pipeline_finished":
                    finished.append(rec)
    ids = [c["session_id"] for c in sessions]
    finished = [r for r in finished if r.get("session_id") in ids]
    check(len(finished) == 2, "pipeline_finished logged for each session")
    for rec in finished:
        check(rec.get("audio_chunks_dropped") == 0, "%s: the recognizer got every audio chunk" % rec.get("session_id"))
    print("captions coalesced while the translator was behind: %s"
          % {r.get("session_id"): r.get("captions_coalesced") for r in finished})
    _, metrics = server.http("GET", "/metrics", raw=True)
    coalesced = re.search(r'^parley_captions_coalesced_total\{decision="partial"\} (\S+)$', metrics, re.M)
    check(coalesced and float(coalesced.group(1)) > 0,
          "/metrics shows that captions were coalesced (%s)" % (coalesced and coalesced.group(1)))
    check(server.stop() == 0, "graceful shutdown")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
