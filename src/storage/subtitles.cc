#include "storage/subtitles.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace parley::storage {
namespace {

struct Cue {
  double start;
  double end;
  const std::string* text;
};

std::vector<Cue> cuesOf(const std::vector<TranscriptEntry>& rows, double min_duration) {
  std::vector<Cue> cues;
  for (const auto& r : rows) {
    if (r.text.empty()) continue;
    cues.push_back({r.audio_start, std::max(r.audio_end, r.audio_start), &r.text});
  }
  for (std::size_t i = 0; i < cues.size(); ++i) {
    double want = cues[i].start + min_duration;
    if (cues[i].end < want) {
      double limit = i + 1 < cues.size() ? std::max(cues[i + 1].start, cues[i].end) : want;
      cues[i].end = std::min(want, limit);
    }
  }
  return cues;
}

}  // namespace

std::string formatCueTime(double seconds, char millis_separator) {
  long long ms = std::llround(std::max(0.0, seconds) * 1000.0);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld%c%03lld", ms / 3600000, (ms / 60000) % 60,
                (ms / 1000) % 60, millis_separator, ms % 1000);
  return buf;
}

std::string toSrt(const std::vector<TranscriptEntry>& rows, double min_duration) {
  std::string out;
  int n = 0;
  for (const auto& c : cuesOf(rows, min_duration)) {
    out += std::to_string(++n) + "\n" + formatCueTime(c.start, ',') + " --> " +
           formatCueTime(c.end, ',') + "\n" + *c.text + "\n\n";
  }
  return out;
}

std::string toVtt(const std::vector<TranscriptEntry>& rows, double min_duration) {
  std::string out = "WEBVTT\n\n";
  for (const auto& c : cuesOf(rows, min_duration)) {
    out +=
        formatCueTime(c.start, '.') + " --> " + formatCueTime(c.end, '.') + "\n" + *c.text + "\n\n";
  }
  return out;
}

}  // namespace parley::storage
