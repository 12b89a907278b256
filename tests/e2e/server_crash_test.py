"""kill -9 of the server in the middle of a session, then a restart on the same data directory:
the transcript holds every caption a listener had received (acknowledged) before the kill, the
session is known again (active), and its speaker can continue with seq following on.

Usage: server_crash_test.py PARLEY SOURCE_DIR"""

import asyncio
import atexit
import json
import os
import sys
import time


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_common import (LIBRIVOX, Listener, Server, check, read_wav, silence,  # noqa: E402
                           connect_speaker, speaker_connection, stream_realtime)


async def main(parley, source_dir):
    server = Server(parley, source_dir).start()
    atexit.register(server.kill9)
    created = server.create_session()
    sid = created["session_id"]
    listener = Listener(server, sid, "es").start()
    await asyncio.wait_for(listener.connected.wait(), 60)
    speaker = await connect_speaker(created["speak_url"])
    first = read_wav(os.path.join(LIBRIVOX, "sense_and_sensibility_01_austen_64kb-0870.wav")) + silence(1.5)
    await stream_realtime(speaker, first)
    # Keep talking until a final has been received, then kill the server mid-stream.
    more = read_wav(os.path.join(LIBRIVOX, "sense_and_sensibility_01_austen_64kb-0920.wav"))
    sending = asyncio.ensure_future(stream_realtime(speaker, more))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not any(m["kind"] == "final" for _, m in listener.captions):
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)
    received = [m for _, m in listener.captions]
    server.kill9()
    sending.cancel()
    finals = [m for m in received if m["kind"] == "final"]
    check(len(finals) >= 1, "a final caption was received before the kill (%d captions)" % len(received))
    await asyncio.sleep(0.2)

    server.start(port=server.port)
    status, tr = server.http("GET", "/api/sessions/%s/transcript?lang=es" % sid,
                             headers={"Authorization": "Bearer " + created["speaker_token"]})
    check(status == 200, "transcript readable after the restart")
    stored = {e["seq"]: e for e in tr["languages"].get("es", [])}
    missing = [m["seq"] for m in received if m["seq"] not in stored or stored[m["seq"]]["text"] != m["text"]]
    check(not missing, "every caption received before the kill is in the transcript (missing %s)" % missing)
    check(all(f["seq"] in stored for f in finals), "every acknowledged final is durable")
    status, info = server.http("GET", "/api/sessions/" + sid)
    check(status == 200 and info["state"] == "active", "the restarted server knows the session (active)")

    # A listener rejoining gets the last captions; the speaker continues; seq follows on.
    rejoin = Listener(server, sid, "es").start()
    await asyncio.wait_for(rejoin.connected.wait(), 60)
    async with speaker_connection(created["speak_url"]) as sp:
        clip = read_wav(os.path.join(LIBRIVOX, "sense_and_sensibility_01_austen_64kb-0880.wav")) + silence(1.0)
        await stream_realtime(sp, clip)
        await sp.send(json.dumps({"type": "end"}))
        try:
            await asyncio.wait_for(sp.wait_closed(), 60)
        except asyncio.TimeoutError:
            pass
    await asyncio.wait_for(rejoin.task, 60)
    seqs = rejoin.seqs()
    check(seqs == list(range(seqs[0], seqs[0] + len(seqs))) if seqs else False,
          "after the restart, seq continues without gaps: %s" % seqs)
    last_before = max(stored) if stored else 0
    check(seqs and seqs[-1] > last_before, "new captions follow the stored ones (last stored %d)" % last_before)
    check(server.stop() == 0, "graceful shutdown")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
