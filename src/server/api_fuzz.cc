// Fuzz harness for every JSON body of the HTTP API and every WebSocket control message
// (server/api_parse.h): session creation, complaints (HTTP and listener frames), speaker control
// frames and the four flags endpoints. Each input goes through all of them. Never a crash;
// invariants: an accepted session request prints and parses back to itself, and every integer
// the flags API accepts is the integer that was sent (no silent truncation). docs/fuzzing.md.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "server/api_parse.h"

namespace {

using Json = nlohmann::json;
namespace server = parley::server;

// Whether JSON integer `j` is exactly `v`.
bool sameInteger(const Json& j, long long v) {
  if (j.is_number_unsigned())
    return v >= 0 && j.get<std::uint64_t>() == static_cast<std::uint64_t>(v);
  return j.is_number_integer() && j.get<std::int64_t>() == v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  auto session = server::parseSessionBody(text);
  if (session.ok()) {
    const auto& r = session.value;
    Json j = {{"source_language", r.source_language},
              {"targets", r.targets},
              {"public_transcript", r.public_transcript}};
    auto back = server::parseSessionBody(j.dump());
    if (!back.ok() || back.value.source_language != r.source_language ||
        back.value.targets != r.targets || back.value.public_transcript != r.public_transcript) {
      std::abort();
    }
  } else if (session.problem->code != "invalid_json" && session.problem->code != "invalid_input") {
    std::abort();
  }

  auto complaint = server::parseComplaintBody(text);
  if (complaint.ok() && complaint.value.last_seq < -1) std::abort();
  if (auto listener = server::parseListenerMessage(text)) {
    if (listener->ok() && listener->value.last_seq < -1) std::abort();
  }
  (void)server::parseSpeakerMessage(text);

  for (auto endpoint : {server::FlagsEndpoint::kChange, server::FlagsEndpoint::kKillSwitch,
                        server::FlagsEndpoint::kRevert, server::FlagsEndpoint::kOther}) {
    auto body = server::parseFlagsBody(endpoint, text);
    if (!body.ok()) continue;
    if (body.value.reason.empty()) std::abort();
    // Accepted integers are the ones in the body.
    Json j = Json::parse(text, nullptr, false);
    if (endpoint == server::FlagsEndpoint::kRevert &&
        !sameInteger(j["version"], body.value.version)) {
      std::abort();
    }
    const auto& pct = body.value.change.rollout_percentage;
    if (endpoint == server::FlagsEndpoint::kChange && pct &&
        !sameInteger(j["rollout_percentage"], *pct)) {
      std::abort();
    }
  }
  return 0;
}
