// The JSON messages the server sends over its WebSockets (docs/protocol.md), each built in one
// place, so that a message sent live and the same message replayed from storage (late joiners,
// restarts) cannot drift apart. Returns the serialized text; nlohmann/json stays in protocol.cc.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "storage/store.h"

namespace parley::server::protocol {

// {"type":"caption","seq","lang","kind","source_text","text","audio_start","audio_end",
// "latency_ms"}. latency_ms is null when the latency is unknown: source-language captions.
struct Caption {
  long long seq = 0;
  std::string_view lang;
  std::string_view kind;
  std::string_view source_text;
  std::string_view text;
  double audio_start = 0;
  double audio_end = 0;
  std::optional<double> latency_s;  // nullopt: latency_ms null
};
std::string caption(const Caption& c);
// A stored caption as it was sent: `is_source` (lang is the session's source language) gives
// latency_ms null, as live source captions have.
std::string caption(const storage::TranscriptEntry& e, bool is_source);

// {"type":"line","lang","line","rev","text","stable_chars","final","confirmed","source_text",
// "audio_start","audio_end","latency_ms"}: a caption line's revision (docs/lines.md). A stored
// line is final with every character stable: line(e, true, e.text.size()).
std::string line(const storage::LineEntry& e, bool final, long long stable_chars);
// {"type":"audio","lang","line","rev"}: the header of a line piece's WAV frame.
std::string lineAudioHeader(std::string_view lang, long long line, long long rev);
// {"type":"complaint_received","counted","reason"?}: the answer to a listener's complaint
// (`reason` only when not counted).
std::string complaintReceived(bool counted, std::string_view reason);
// {"type":"audio","seq","lang"}: the header of the WAV frame that follows.
std::string audioHeader(long long seq, std::string_view lang);
// {"type":"ready","session_id"}: the speaker's pipeline runs.
std::string speakerReady(std::string_view session_id);
// {"type":"ready","session_id","lang","listener_key"}: a listener is attached.
std::string listenerReady(std::string_view session_id, std::string_view lang,
                          std::string_view listener_key);
// {"type":"state","paused"}.
std::string state(bool paused);
// {"type":"error","message"}.
std::string error(std::string_view message);
// {"type":"session_ended","reason"}.
std::string sessionEnded(std::string_view reason);
// {"type":"server_shutdown"}.
std::string serverShutdown();

}  // namespace parley::server::protocol
