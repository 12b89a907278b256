#include "lines/feed.h"

#include <cmath>
#include <cstdio>
#include <utility>

#include "core/log.h"

namespace parley::lines {

LineFeed::LineFeed(LineConfig config, TranslateFn translate)
    : tracker_(config), view_(config, std::move(translate)) {}

std::vector<Revision> LineFeed::view(const std::vector<SourceLine>& lines) {
  std::vector<Revision> out;
  for (const auto& l : lines) {
    if (auto r = view_.update(l)) out.push_back(std::move(*r));
  }
  return out;
}

std::vector<Revision> LineFeed::onEvent(const engine::RecognizerEvent& event) {
  return view(tracker_.onEvent(event));
}

std::vector<Revision> LineFeed::onSegment(const engine::Segment& segment) {
  return view(tracker_.onSegment(segment));
}

std::vector<Revision> LineFeed::finish() { return view(tracker_.finish()); }

namespace {

std::string number(double value) {
  if (!std::isfinite(value)) return "null";
  char buf[400];
  std::snprintf(buf, sizeof buf, "%.6f", value);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

std::string quoted(std::string_view s) { return "\"" + core::log::jsonEscape(s) + "\""; }

}  // namespace

std::string formatRevisionJson(std::string_view lang, const Revision& r) {
  std::string out = "{\"type\":\"line\",\"lang\":" + quoted(lang);
  out += ",\"line\":" + std::to_string(r.line);
  out += ",\"rev\":" + std::to_string(r.rev);
  out += ",\"text\":" + quoted(r.text);
  out += ",\"stable_chars\":" + std::to_string(r.stable_chars);
  out += std::string(",\"final\":") + (r.final ? "true" : "false");
  out += std::string(",\"confirmed\":") + (r.confirmed ? "true" : "false");
  out += ",\"source_text\":" + quoted(r.source_text);
  out += ",\"audio_start\":" + number(r.audio_start);
  out += ",\"audio_end\":" + number(r.audio_end);
  out += '}';
  return out;
}

}  // namespace parley::lines
