"""Streams LibriVox speech into /ws/speak at real time and checks what two Spanish listeners
(python3-websockets, a third-party client) receive: every caption, in order, seq 1..n with no
gap or repeat, identical for both, translated, and durably in the transcript (JSON, SRT, VTT).
Prints the end-to-end caption latency (audio word end -> listener receipt).

Usage: server_stream_test.py PARLEY SOURCE_DIR"""

import asyncio
import atexit
import json
import os
import sys

import websockets

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_common import (LIBRIVOX, Listener, Server, check, percentile, read_wav, silence,  # noqa: E402
                           check_lines, speaker_connection, stream_realtime)

CLIPS = ["sense_and_sensibility_01_austen_64kb-0870.wav",
         "sense_and_sensibility_01_austen_64kb-0890.wav"]


async def main(parley, source_dir):
    server = Server(parley, source_dir).start()
    atexit.register(server.kill9)
    created = server.create_session()
    sid = created["session_id"]
    check(created["speak_url"].endswith("/ws/speak?session=%s&token=%s"
                                        % (sid, created["speaker_token"])), "speak_url names the session and token")
    check(created["listen_url"].endswith("/listen/" + sid), "listen_url is the listener page")
    status, info = server.http("GET", "/api/sessions/" + sid)
    check(status == 200 and info["decision"]["bucket"] >= 0, "session reports its flag decision")

    listeners = [Listener(server, sid, "es").start(), Listener(server, sid, "es").start()]
    source = Listener(server, sid, "en").start()
    for l in listeners + [source]:
        await asyncio.wait_for(l.connected.wait(), 60)

    pcm = b"".join(read_wav(os.path.join(LIBRIVOX, c)) + silence(1.0) for c in CLIPS)
    speaker_msgs = []
    async with speaker_connection(created["speak_url"]) as ws:
        async def collect():
            try:
                async for m in ws:
                    if isinstance(m, str):
                        speaker_msgs.append(json.loads(m))
            except websockets.ConnectionClosed:
                pass
        collector = asyncio.ensure_future(collect())
        t0 = await stream_realtime(ws, pcm)
        await ws.send(json.dumps({"type": "end"}))
        await asyncio.wait_for(collector, 60)

    for l in listeners + [source]:
        await asyncio.wait_for(l.task, 60)

    a, b = listeners
    check(len(a.captions) >= 3, "listener received captions (%d)" % len(a.captions))
    check(a.seqs() == list(range(1, len(a.captions) + 1)), "seq is 1..n with no gap or repeat: %s" % a.seqs())
    check(a.seqs() == b.seqs(), "both Spanish listeners received the same captions")
    check([m["text"] for _, m in a.captions] == [m["text"] for _, m in b.captions], "same texts for both listeners")
    check(a.ended and b.ended, "listeners received session_ended")
    check(a.close_code == 1000, "listener closed with 1000 after the session ended (%s)" % a.close_code)
    translated = sum(1 for _, m in a.captions if m["text"] != m["source_text"])
    check(translated >= len(a.captions) // 2, "captions are translated (%d of %d differ from the source)"
          % (translated, len(a.captions)))
    check(all(m["kind"] in ("partial", "final", "orphan", "timeout", "overflow") for _, m in a.captions), "caption kinds")
    check(source.seqs() == list(range(1, len(source.captions) + 1)), "source-language listener seq 1..n")
    check(any(m.get("type") == "caption" for m in speaker_msgs), "speaker receives live source captions")
    spanish = " ".join(m["text"] for _, m in a.captions)
    english = " ".join(m["text"] for _, m in source.captions)
    print("english: " + english)
    print("spanish: " + spanish)
    check(len(a.audio) >= 1 and a.audio[0][1][:4] == b"RIFF", "speech arrives as WAV after an audio header")
    # The lines lane: revised in place, every line final at the end, the same for both listeners.
    revs = check_lines(a, "es listener")
    check(len(revs) >= 1 and sum(len(v) for v in revs.values()) > len(revs),
          "lines were revised (%d lines, %d revisions)" % (len(revs), sum(len(v) for v in revs.values())))
    check([m["text"] for _, m in a.lines] == [m["text"] for _, m in b.lines], "both listeners saw the same revisions")
    check_lines(source, "en listener")
    finals = a.final_lines()
    spoken_lines = {seq for seq, _ in a.audio}
    check(spoken_lines <= set(finals), "speech comes from lines (revise mode): %s" % sorted(spoken_lines))
    print("lines (es, final):", " | ".join(finals[n]["text"] for n in sorted(finals)))

    # Latency: audio word end (stream time) -> receipt at the listener.
    lat = [(t - (t0 + m["audio_end"])) for t, m in a.captions]
    print("caption latency through the server (audio word end -> listener receipt), %d captions: "
          "p50 %.2f s, p95 %.2f s, max %.2f s; server-reported latency_ms p50 %.0f"
          % (len(lat), percentile(lat, 0.5), percentile(lat, 0.95), max(lat),
             percentile([m["latency_ms"] for _, m in a.captions], 0.5)))

    # The durable transcript holds every caption sent.
    owner = {"Authorization": "Bearer " + created["speaker_token"]}  # transcripts are private
    status, tr = server.http("GET", "/api/sessions/%s/transcript" % sid, headers=owner)
    check(status == 200 and tr["state"] == "ended", "transcript of the ended session")
    check([e["text"] for e in tr["lines"]["es"]] == [finals[n]["text"] for n in sorted(finals)],
          "the transcript's lines are the final revisions the listeners got")
    es = tr["languages"]["es"]
    check([e["seq"] for e in es] == a.seqs() and [e["text"] for e in es] == [m["text"] for _, m in a.captions],
          "transcript equals what the listeners received")
    status, srt = server.http("GET", "/api/sessions/%s/transcript?format=srt" % sid, raw=True,
                              headers=owner)
    check(status == 200 and srt.startswith("1\n") and " --> " in srt, "SRT subtitles")
    status, vtt = server.http("GET", "/api/sessions/%s/transcript?format=vtt&lang=en&token=%s"
                              % (sid, created["speaker_token"]), raw=True)
    check(status == 200 and vtt.startswith("WEBVTT") and " --> " in vtt, "VTT subtitles of the source")
    status, metrics = server.http("GET", "/metrics", raw=True)
    check(status == 200 and "parley_word_latency_seconds" in metrics, "/metrics exposes word latency")
    status, alarms = server.http("GET", "/api/alarms")
    check(status == 200 and "alarms" in alarms, "/api/alarms")
    check("parley_caption_revisions_total" in metrics, "/metrics counts line revisions")
    await three_languages(server)
    rc = server.stop()
    check(rc == 0, "graceful shutdown on SIGTERM exits 0")


async def three_languages(server):
    """Every language Debian 12 translates English to: one session serves es, ca and gl."""
    created = server.create_session(targets=("es", "ca", "gl"))
    check(created["targets"] == ["es", "ca", "gl"], "a session in Spanish, Catalan and Galician")
    listeners = {lang: Listener(server, created["session_id"], lang).start() for lang in ("ca", "gl")}
    for l in listeners.values():
        await asyncio.wait_for(l.connected.wait(), 60)
    pcm = read_wav(os.path.join(LIBRIVOX, "sense_and_sensibility_01_austen_64kb-0880.wav")) + silence(1.0)
    async with speaker_connection(created["speak_url"]) as ws:
        await stream_realtime(ws, pcm)
        await ws.send(json.dumps({"type": "end"}))
        await asyncio.wait_for(ws.wait_closed(), 60)
    for lang, l in listeners.items():
        await asyncio.wait_for(l.task, 60)
        check_lines(l, lang + " listener")
        finals = l.final_lines()
        text = " ".join(finals[n]["text"] for n in sorted(finals))
        source = " ".join(finals[n]["source_text"] for n in sorted(finals))
        check(finals and text.lower() != source.lower(), "%s lines are translated: %s" % (lang, text))
        check(len(l.audio) >= 1 and l.audio[0][1][:4] == b"RIFF", "%s speech arrives" % lang)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
