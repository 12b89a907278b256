// Internal to the server module: the JSON bodies of the HTTP API and the WebSocket control
// messages, parsed by pure functions (no registry, no store, no socket) so that the routes in
// http_server.cc only act on what these return, and fuzz harnesses (api_fuzz.cc) can reach every
// parser of outside input directly. Problems are reported in our own words, never the JSON
// library's; `code` is the API's error name.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "flags/rollout.h"
#include "server/session_registry.h"

namespace parley::server {

struct ParseProblem {
  std::string code;  // "invalid_json" (not a JSON object) or "invalid_input" (a field)
  std::string message;
};

// A parsed body: `value` when `problem` is empty.
template <typename T>
struct Parsed {
  T value{};
  std::optional<ParseProblem> problem;
  bool ok() const { return !problem.has_value(); }
};

// POST /api/sessions: {"source_language"?, "targets"?, "public_transcript"?}; empty: defaults.
// Unknown keys are refused. Languages are checked by the registry, not here.
Parsed<SessionRequest> parseSessionBody(std::string_view body);

// The fields of a complaint (HTTP body or listener WebSocket message), all optional.
struct ComplaintFields {
  std::string listener_key;
  std::string text;
  long long last_seq = -1;  // -1: not given
};

// POST /api/sessions/<id>/complaints: {"listener_key"?, "text"?, "lang"?, "last_seq"?}; empty: {}.
Parsed<ComplaintFields> parseComplaintBody(std::string_view body);

// A listener's text frame. nullopt: not {"type":"complaint",...}, ignored. Otherwise the
// complaint's fields ("text"?, "last_seq"?) or the problem with them.
std::optional<Parsed<ComplaintFields>> parseListenerMessage(std::string_view text);

// A speaker's text frame: the "type" of a JSON object {"type": "<string>", ...}, or nullopt when
// the frame is not one (the server closes the connection). What the type means is the registry's.
std::optional<std::string> parseSpeakerMessage(std::string_view text);

// POST /api/flags[/...]: the endpoint decides which fields are read. Every body needs a
// non-empty "reason"; kOther reads only that (the route answers 404 afterwards).
enum class FlagsEndpoint { kChange, kKillSwitch, kRevert, kOther };
struct FlagsBody {
  std::string reason;
  std::optional<bool> active;   // kKillSwitch: nullopt = back to the environment
  long long version = 0;        // kRevert
  flags::RolloutChange change;  // kChange: enabled, rollout_percentage, set (json_sets)
};
Parsed<FlagsBody> parseFlagsBody(FlagsEndpoint endpoint, std::string_view body);

}  // namespace parley::server
