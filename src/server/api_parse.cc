#include "server/api_parse.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/json_depth.h"

namespace parley::server {

namespace {

using Json = nlohmann::json;

constexpr const char* kNotAnObject = "the request body must be a JSON object";

template <typename T>
Parsed<T> problem(std::string code, std::string message) {
  Parsed<T> p;
  p.problem = ParseProblem{std::move(code), std::move(message)};
  return p;
}

template <typename T>
Parsed<T> invalid(std::string message) {
  return problem<T>("invalid_input", std::move(message));
}

// A body as a JSON object (empty text: {}), or a discarded value when it is not one.
Json parseBodyObject(std::string_view body) {
  if (body.empty()) return Json::object();
  return Json::parse(body, nullptr, false);
}

// Reads `names` of a complaint object with their types; returns the problem, empty when the
// fields are valid.
std::string readComplaint(const Json& j, std::initializer_list<const char*> names,
                          ComplaintFields* out) {
  for (const char* name : names) {
    auto it = j.find(name);
    if (it == j.end()) continue;
    std::string_view n = name;
    if (n == "last_seq") {
      if (!it->is_number_integer() || it->get<long long>() < 0) {
        return "last_seq must be an integer >= 0";
      }
      out->last_seq = it->get<long long>();
    } else if (!it->is_string()) {
      return std::string(name) + " must be a string";
    } else if (n == "listener_key") {
      out->listener_key = it->get<std::string>();
    } else if (n == "text") {
      out->text = it->get<std::string>();
    }  // lang: accepted and ignored (the listener's language is known from its key)
  }
  return {};
}

// A JSON integer that fits T: nlohmann's get<T>() would wrap a larger one silently (4294967346
// read as an int is 50, 2^64-1 read as a long long is -1).
template <typename T>
std::optional<T> integerAs(const Json& j) {
  if (j.is_number_unsigned()) {
    auto v = j.get<std::uint64_t>();
    if (v > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) return std::nullopt;
    return static_cast<T>(v);
  }
  if (!j.is_number_integer()) return std::nullopt;
  auto v = j.get<std::int64_t>();
  if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max()) return std::nullopt;
  return static_cast<T>(v);
}

}  // namespace

Parsed<SessionRequest> parseSessionBody(std::string_view text) {
  Json body = parseBodyObject(text);
  if (!body.is_object()) return problem<SessionRequest>("invalid_json", kNotAnObject);
  Parsed<SessionRequest> out;
  SessionRequest& request = out.value;
  for (auto& [key, value] : body.items()) {
    if (key == "source_language") {
      if (!value.is_string()) return invalid<SessionRequest>("source_language must be a string");
      request.source_language = value.get<std::string>();
    } else if (key == "targets") {
      bool ok = value.is_array() && std::all_of(value.begin(), value.end(),
                                                [](const Json& x) { return x.is_string(); });
      if (!ok) return invalid<SessionRequest>("targets must be an array of language codes");
      request.targets = value.get<std::vector<std::string>>();
    } else if (key == "public_transcript") {
      if (!value.is_boolean()) {
        return invalid<SessionRequest>("public_transcript must be true or false");
      }
      request.public_transcript = value.get<bool>();
    } else {
      return invalid<SessionRequest>("unknown key \"" + key +
                                     "\" (known: source_language, targets, public_transcript)");
    }
  }
  return out;
}

Parsed<ComplaintFields> parseComplaintBody(std::string_view text) {
  Json body = parseBodyObject(text);
  if (!body.is_object()) return problem<ComplaintFields>("invalid_json", kNotAnObject);
  Parsed<ComplaintFields> out;
  std::string p = readComplaint(body, {"listener_key", "text", "lang", "last_seq"}, &out.value);
  if (!p.empty()) return invalid<ComplaintFields>(std::move(p));
  return out;
}

std::optional<Parsed<ComplaintFields>> parseListenerMessage(std::string_view text) {
  Json j = Json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  auto type = j.find("type");
  if (type == j.end() || !type->is_string() || type->get<std::string>() != "complaint") {
    return std::nullopt;
  }
  Parsed<ComplaintFields> out;
  std::string p = readComplaint(j, {"text", "last_seq"}, &out.value);
  if (!p.empty()) return invalid<ComplaintFields>(std::move(p));
  return out;
}

std::optional<std::string> parseSpeakerMessage(std::string_view text) {
  Json j = Json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) return std::nullopt;
  return j["type"].get<std::string>();
}

Parsed<FlagsBody> parseFlagsBody(FlagsEndpoint endpoint, std::string_view text) {
  // "set" values are printed back to text (dump()), which recurses once per level.
  if (core::jsonNestedDeeperThan(text)) {
    return problem<FlagsBody>("invalid_json", "the request body is nested deeper than " +
                                                  std::to_string(core::kMaxJsonNesting) +
                                                  " levels");
  }
  Json body = parseBodyObject(text);
  if (!body.is_object()) return problem<FlagsBody>("invalid_json", kNotAnObject);
  Parsed<FlagsBody> out;
  FlagsBody& b = out.value;
  if (!body.contains("reason") || !body["reason"].is_string() ||
      body["reason"].get<std::string>().empty()) {
    return invalid<FlagsBody>("reason is required (a non-empty string)");
  }
  b.reason = body["reason"].get<std::string>();
  switch (endpoint) {
    case FlagsEndpoint::kKillSwitch:
      if (!body.contains("active") || !(body["active"].is_boolean() || body["active"].is_null())) {
        return invalid<FlagsBody>("active must be true, false or null (null: environment)");
      }
      if (body["active"].is_boolean()) b.active = body["active"].get<bool>();
      break;
    case FlagsEndpoint::kRevert:
      if (!body.contains("version") || !integerAs<long long>(body["version"])) {
        return invalid<FlagsBody>("version must be an integer");
      }
      b.version = *integerAs<long long>(body["version"]);
      break;
    case FlagsEndpoint::kChange:
      if (body.contains("enabled")) {
        if (!body["enabled"].is_boolean())
          return invalid<FlagsBody>("enabled must be true or false");
        b.change.enabled = body["enabled"].get<bool>();
      }
      if (body.contains("rollout_percentage")) {
        auto percentage = integerAs<int>(body["rollout_percentage"]);
        if (!percentage) {
          return invalid<FlagsBody>("rollout_percentage must be an integer in [0, 100]");
        }
        b.change.rollout_percentage = *percentage;
      }
      if (body.contains("set")) {
        if (!body["set"].is_object())
          return invalid<FlagsBody>("set must be an object of key: value");
        for (auto& [k, v] : body["set"].items()) {
          b.change.json_sets.emplace_back(k, v.dump());  // typed strictly: "5" is no integer
        }
      }
      break;
    case FlagsEndpoint::kOther:
      break;
  }
  return out;
}

}  // namespace parley::server
