"""Listener complaints cannot be forged (security item 4), on a real `parley serve`.

Before, anonymous POSTs to /api/sessions/<id>/complaints were counted: 36 of them made the
automatic rollback controller cut the global rollout from 100% to 10%. Now a complaint counts only
from a listener connected to the session (on its WebSocket, or over HTTP with the listener_key of
its "ready" message), at most once per listener per complaint window, and the controller's
complaints row counts distinct listeners and needs `complaints_min_listeners` of them.

The server runs with a 1 s controller interval, min_samples 1, complaints_min_listeners 3 and
complaints_reduce_per_hour 1; the flag is at 100% and one session is in the rollout (canary).
  1. 40 anonymous POSTs: all 202 not_counted; after two evaluations that saw them the rollout is
     still 100%. Malformed complaints are 400 in our own words; an unknown session is 404.
  2. Wrong keys, another session's listener's key and a disconnected listener's key: not counted.
  3. Two listeners complain (WebSocket, HTTP with listener_key): counted; the controller holds,
     "insufficient data (2 < 3 listeners)"; a listener's second complaint is not counted.
  4. A third listener complains: the controller sets the rollout to 10%.
The rejected complaints are visible on /metrics by reason. Every wait polls a documented signal
(the controller's `evaluations` and `last`, the listener's "ready" and "complaint_received",
`listener_total`); nothing sleeps for luck.

Usage: server_complaints_test.py PARLEY SOURCE_DIR"""

import asyncio
import atexit
import json
import os
import re
import sys
import tempfile

import websockets

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_common import Server, check, wait_until  # noqa: E402

ADMIN = {"Authorization": "Bearer e2e-admin-token"}  # server_common's PARLEY_ADMIN_TOKEN
MIN_LISTENERS = 3


def controller(server):
    status, state = server.http("GET", "/api/rollout/controller")
    assert status == 200 and state.get("enabled") is True, (status, state)
    return state


def live_percentage(server):
    status, flags = server.http("GET", "/api/flags", headers=ADMIN)
    assert status == 200, (status, flags)
    return flags.get("live", {}).get("rollout_percentage")


async def wait_evaluations(server, count, what):
    """Waits until the controller has evaluated `count` more times than now: at least
    count - 1 of those evaluations started after everything the caller did before."""
    start = controller(server)["evaluations"]
    await wait_until(lambda: controller(server)["evaluations"] >= start + count,
                     "%d controller evaluations %s" % (count, what), timeout=90)


def metric(text, series):
    m = re.search(r"^%s (\S+)$" % re.escape(series), text, re.M)
    return float(m.group(1)) if m else None


async def connect(server, session_id, lang="es"):
    """A listener WebSocket and the listener_key of its {"type":"ready"} (the first message)."""
    ws = await websockets.connect("%s/ws/listen?session=%s&lang=%s" % (server.ws_base, session_id, lang),
                                  max_size=None, ping_interval=None)
    ready = json.loads(await asyncio.wait_for(ws.recv(), 60))
    assert ready["type"] == "ready", ready
    return ws, ready["listener_key"]


async def ws_complaint(ws, message):
    await ws.send(json.dumps(message))
    while True:
        msg = await asyncio.wait_for(ws.recv(), 60)
        if isinstance(msg, str):
            m = json.loads(msg)
            if m["type"] == "complaint_received":
                return m


def post_complaint(server, session_id, body, raw=False):
    """POST /api/sessions/<id>/complaints; `body` is JSON-encoded unless it is bytes."""
    return server.http("POST", "/api/sessions/%s/complaints" % session_id, body, raw=raw)


async def main(parley, source_dir):
    work = tempfile.mkdtemp(prefix="parley_complaints_")
    config = os.path.join(work, "parley.toml")
    with open(config, "w") as f:
        f.write("[rollback]\nmin_samples = 1\ncomplaints_min_listeners = %d\n"
                "complaints_reduce_per_hour = 1\n" % MIN_LISTENERS)
    server = Server(parley, source_dir, data_dir=work,
                    extra_args=["--config", config, "--no-speech", "--rollback-interval", "1",
                                "--complaint-window", "600"]).start()
    atexit.register(server.kill9)

    status, body = server.http("POST", "/api/flags", {"enabled": True, "rollout_percentage": 100,
                                                      "reason": "e2e: full rollout"}, headers=ADMIN)
    check(status == 200, "flag set to 100%% (%s %s)" % (status, body))
    await wait_until(lambda: live_percentage(server) == 100, "the server uses the 100% rollout")
    state = controller(server)
    check(state["config"]["complaints_min_listeners"] == MIN_LISTENERS
          and state["config"]["complaints_reduce_per_hour"] == 1,
          "the controller runs with complaints_min_listeners %d, threshold 1/h" % MIN_LISTENERS)
    created = server.create_session()
    sid = created["session_id"]
    _, info = server.http("GET", "/api/sessions/" + sid)
    check(info["decision"]["enabled"] is True, "the session is in the rollout (canary)")

    # 1. Anonymous complaints: answered, never counted.
    answers = [post_complaint(server, sid, {"lang": "es", "text": "bad %d" % i, "last_seq": 0})
               for i in range(40)]
    check(all(s == 202 and b == {"status": "not_counted", "reason": "no_listener_key"} for s, b in answers),
          "40 anonymous complaints: 202 not_counted, no_listener_key (%s)" % (answers[0],))
    await wait_evaluations(server, 2, "after the anonymous complaints")
    state = controller(server)
    check(live_percentage(server) == 100 and state["last_action"] is None,
          "after 2 evaluations the rollout is still 100%% (last: %s)" % state["last"]["reason"])
    check(state["last"]["action"] == "none", "the controller sees nothing wrong: %s" % state["last"]["reason"])
    _, info = server.http("GET", "/api/sessions/" + sid)
    check(info["complaints"] == 0, "the session counted no complaint")

    status, body = post_complaint(server, sid, {"lang": 5})
    check(status == 400 and body["error"] == "invalid_input" and body["message"] == "lang must be a string",
          "{\"lang\":5}: 400 invalid_input in our words (%s)" % body)
    for bad in ({"listener_key": 7}, {"text": ["x"]}, {"last_seq": "3"}, {"last_seq": -1}):
        status, text = post_complaint(server, sid, bad, raw=True)
        check(status == 400 and "json" not in text.lower() and "exception" not in text.lower(),
              "%s: 400 without the JSON library's text (%s)" % (json.dumps(bad), text))
    status, body = post_complaint(server, sid, b"not json")
    check(status == 400 and body["error"] == "invalid_json", "a body that is not JSON: 400 invalid_json")
    status, body = post_complaint(server, "no-such-session-1", {"text": "x"})
    check(status == 404, "unknown session: 404 (%s)" % status)

    # 2. Keys that are not a connected listener of this session.
    other = server.create_session()
    other_ws, other_key = await connect(server, other["session_id"])
    status, body = post_complaint(server, sid, {"listener_key": other_key})
    check(status == 202 and body == {"status": "not_counted", "reason": "not_a_listener"},
          "another session's listener key: not counted (%s)" % body)
    status, body = post_complaint(server, sid, {"listener_key": "0" * 32})
    check(status == 202 and body["reason"] == "not_a_listener", "a made-up key: not counted")
    gone_ws, gone_key = await connect(server, sid)
    check(re.fullmatch(r"[0-9a-f]{32}", gone_key) is not None, "ready carries a 128-bit hex listener_key")
    await gone_ws.close()

    def listeners():
        return server.http("GET", "/api/sessions/" + sid)[1]["listener_total"]
    await wait_until(lambda: listeners() == 0, "the closed listener released")
    status, body = post_complaint(server, sid, {"listener_key": gone_key})
    check(status == 202 and body["reason"] == "not_a_listener", "a disconnected listener's key: not counted")

    # 3. Two listeners complain: counted, but fewer than complaints_min_listeners.
    ws1, key1 = await connect(server, sid)
    ws2, key2 = await connect(server, sid)
    m = await ws_complaint(ws1, {"type": "complaint", "text": "captions lag", "last_seq": 0})
    check(m == {"type": "complaint_received", "counted": True}, "listener 1 over the WebSocket: counted (%s)" % m)
    status, body = post_complaint(server, sid, {"listener_key": key2, "text": "wrong words", "lang": "es"})
    check(status == 202 and body == {"status": "recorded"}, "listener 2 over HTTP with its key: counted (%s)" % body)
    m = await ws_complaint(ws1, {"type": "complaint", "text": "again"})
    check(m == {"type": "complaint_received", "counted": False, "reason": "repeated"},
          "listener 1's second complaint within the window: not counted (%s)" % m)
    status, body = post_complaint(server, sid, {"listener_key": key1})
    check(status == 202 and body["reason"] == "repeated", "nor over HTTP with its key")
    m = await ws_complaint(ws2, {"type": "complaint", "last_seq": "x"})
    check(m == {"type": "complaint_received", "counted": False, "reason": "invalid_input"},
          "a malformed WebSocket complaint: not counted (%s)" % m)
    _, info = server.http("GET", "/api/sessions/" + sid)
    check(info["complaints"] == 2, "the session counted 2 complaints")

    insufficient = "insufficient data (2 < %d listeners)" % MIN_LISTENERS
    await wait_until(lambda: insufficient in (controller(server)["last"] or {}).get("reason", ""),
                     "the controller's hold: " + insufficient, timeout=90)
    check(live_percentage(server) == 100, "2 complaining listeners: the rollout stays 100%")

    # 4. A third listener: the controller acts.
    ws3, _ = await connect(server, sid)
    m = await ws_complaint(ws3, {"type": "complaint", "text": "no sound"})
    check(m["counted"] is True, "listener 3: counted")
    await wait_until(lambda: live_percentage(server) == 10, "the rollout reduced to 10%", timeout=90)
    action = controller(server)["last_action"]
    check(action["action"] == "set_percentage" and action["percentage"] == 10
          and action["metric"] == "complaints_per_hour",
          "the controller's action: %s" % action["reason"])
    status, history = server.http("GET", "/api/flags/history?limit=10", headers=ADMIN)
    check(status == 200 and any(h.get("actor") == "rollout-controller" and "complaints_per_hour" in h.get("reason", "")
                                for h in history),
          "the flag history says why")

    # The rejected ones are visible on /metrics, by reason.
    status, text = server.http("GET", "/metrics", raw=True)
    name = "parley_listener_complaints_rejected_total"
    got = {r: metric(text, '%s{decision="partial",reason="%s"}' % (name, r))
           for r in ("no_listener_key", "not_a_listener", "repeated", "invalid_input")}
    check(got["no_listener_key"] == 40 and got["not_a_listener"] == 3 and got["repeated"] == 2
          and got["invalid_input"] == 7,
          "/metrics counts the rejected complaints by reason: %s" % got)
    check(metric(text, 'parley_listener_complaints_total{decision="partial"}') == 3,
          "and exactly the 3 counted ones")

    for ws in (ws1, ws2, ws3, other_ws):
        await ws.close()
    check(server.stop() == 0, "graceful shutdown")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
