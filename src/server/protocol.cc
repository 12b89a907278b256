#include "server/protocol.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace parley::server::protocol {

using Json = nlohmann::json;

std::string caption(const Caption& c) {
  Json j = {{"type", "caption"},
            {"seq", c.seq},
            {"lang", c.lang},
            {"kind", c.kind},
            {"source_text", c.source_text},
            {"text", c.text},
            {"audio_start", c.audio_start},
            {"audio_end", c.audio_end}};
  j["latency_ms"] = c.latency_s ? Json(std::lround(*c.latency_s * 1000.0)) : Json(nullptr);
  return j.dump();
}

std::string caption(const storage::TranscriptEntry& e, bool is_source) {
  Caption c;
  c.seq = e.seq;
  c.lang = e.lang;
  c.kind = e.kind;
  c.source_text = e.source_text;
  c.text = e.text;
  c.audio_start = e.audio_start;
  c.audio_end = e.audio_end;
  if (!is_source) c.latency_s = e.latency_s;
  return caption(c);
}

std::string line(const storage::LineEntry& e, bool final, long long stable_chars) {
  Json j = {{"type", "line"},
            {"lang", e.lang},
            {"line", e.line},
            {"rev", e.rev},
            {"text", e.text},
            {"stable_chars", stable_chars},
            {"final", final},
            {"confirmed", e.confirmed},
            {"source_text", e.source_text},
            {"audio_start", e.audio_start},
            {"audio_end", e.audio_end},
            {"latency_ms", std::lround(e.latency_s * 1000.0)}};
  return j.dump();
}

std::string lineAudioHeader(std::string_view lang, long long line, long long rev) {
  return Json({{"type", "audio"}, {"lang", lang}, {"line", line}, {"rev", rev}}).dump();
}

std::string complaintReceived(bool counted, std::string_view reason) {
  Json j = {{"type", "complaint_received"}, {"counted", counted}};
  if (!counted) j["reason"] = reason;
  return j.dump();
}

std::string audioHeader(long long seq, std::string_view lang) {
  return Json({{"type", "audio"}, {"seq", seq}, {"lang", lang}}).dump();
}

std::string speakerReady(std::string_view session_id) {
  return Json({{"type", "ready"}, {"session_id", session_id}}).dump();
}

std::string listenerReady(std::string_view session_id, std::string_view lang,
                          std::string_view listener_key) {
  return Json({{"type", "ready"},
               {"session_id", session_id},
               {"lang", lang},
               {"listener_key", listener_key}})
      .dump();
}

std::string state(bool paused) { return Json({{"type", "state"}, {"paused", paused}}).dump(); }

std::string error(std::string_view message) {
  return Json({{"type", "error"}, {"message", message}}).dump();
}

std::string sessionEnded(std::string_view reason) {
  return Json({{"type", "session_ended"}, {"reason", reason}}).dump();
}

std::string serverShutdown() { return Json({{"type", "server_shutdown"}}).dump(); }

}  // namespace parley::server::protocol
