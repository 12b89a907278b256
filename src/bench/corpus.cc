#include "bench/corpus.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bench/metrics.h"
#include "core/words.h"

namespace parley::bench {

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

double num(const json& j, const char* key, double fallback = 0) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : fallback;
}
std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Rounds to the microsecond, as the trace writers print times.
double us(double v) { return std::round(v * 1e6) / 1e6; }

json awsEventJson(const engine::RecognizerEvent& ev) {
  json items = json::array();
  for (const auto& w : ev.words) {
    json it = {{"Content", w.text},
               {"StartTime", us(w.start)},
               {"EndTime", us(w.end)},
               {"Type", w.kind == engine::WordKind::kPunct ? "punctuation" : "pronunciation"}};
    if (w.stable) it["Stable"] = *w.stable;
    if (w.confidence) it["Confidence"] = us(*w.confidence);
    items.push_back(std::move(it));
  }
  json result = {{"ResultId", ev.result_id},
                 {"IsPartial", ev.is_partial},
                 {"StartTime", us(ev.start)},
                 {"EndTime", us(ev.end)},
                 {"ChannelId", "ch_0"},
                 {"Alternatives",
                  json::array({{{"Transcript", engine::joinWords(ev.words)}, {"Items", items}}})}};
  return {{"TranscriptEvent", {{"Transcript", {{"Results", json::array({result})}}}}}};
}

}  // namespace

core::Result<CorpusItem> parseCorpusItem(const std::string& name, const std::string& text) {
  CorpusItem item;
  item.name = name;
  std::istringstream in(text);
  std::vector<ingest::LineError> errors;
  auto header = ingest::readTrace(
      in, [&](const ingest::TraceItem& t) { item.items.push_back(t); },
      [&](const ingest::LineError& e) { errors.push_back(e); });
  if (!errors.empty()) {
    return core::Error::invalid(name + ": line " + std::to_string(errors.front().line) + ": " +
                                errors.front().reason);
  }
  if (!header) return core::Error::invalid(name + ": no trace header");
  item.source = header->source;
  json extra = json::parse(header->extra_json, nullptr, false);
  if (!extra.is_object() || !extra.contains("bench") || !extra["bench"].is_object()) {
    return core::Error::invalid(name + ": the trace header has no \"bench\" object");
  }
  const json& b = extra["bench"];
  item.kind = str(b, "kind");
  if (item.kind != "real" && item.kind != "synth") {
    return core::Error::invalid(name + ": bench.kind must be \"real\" or \"synth\"");
  }
  item.reference = str(b, "reference");
  item.voice = str(b, "voice");
  item.speed_wpm = static_cast<int>(num(b, "speed_wpm"));
  item.pause_seconds = num(b, "pause_seconds");
  item.audio_seconds = num(b, "audio_seconds");
  item.compute_seconds = num(b, "compute_seconds");
  item.chunk_ms = static_cast<int>(num(b, "chunk_ms", 100));
  if (auto g = b.find("gold"); g != b.end() && g->is_array()) {
    for (const auto& w : *g) {
      if (!w.is_array() || w.size() != 3 || !w[0].is_string() || !w[1].is_number() ||
          !w[2].is_number()) {
        return core::Error::invalid(name + ": bench.gold entries must be [text, start, end]");
      }
      item.gold.push_back({w[0].get<std::string>(), w[1].get<double>(), w[2].get<double>()});
    }
  }
  return item;
}

std::string formatCorpusItem(const CorpusItem& item) {
  json b = {{"kind", item.kind},
            {"reference", item.reference},
            {"audio_seconds", us(item.audio_seconds)},
            {"compute_seconds", us(item.compute_seconds)},
            {"chunk_ms", item.chunk_ms}};
  if (!item.voice.empty()) {
    b["voice"] = item.voice;
    b["speed_wpm"] = item.speed_wpm;
    b["pause_seconds"] = item.pause_seconds;
  }
  if (!item.gold.empty()) {
    json g = json::array();
    for (const auto& w : item.gold) g.push_back({w.text, us(w.start), us(w.end)});
    b["gold"] = std::move(g);
  }
  ingest::TraceHeader h;
  h.source = item.source;
  h.extra_json = json{{"bench", b}}.dump();
  std::string out = ingest::formatHeaderLine(h);
  const bool aws = item.source == "aws-transcribe";
  for (const auto& t : item.items) {
    if (aws && t.type == ingest::TraceItem::Type::kEvent) {
      out += "{\"t\":" + ingest::formatNumber(t.t) + ",\"event\":" + awsEventJson(t.event).dump() +
             "}\n";
    } else {
      out += ingest::formatItemLine(t);
    }
  }
  return out;
}

core::Result<std::vector<CorpusItem>> loadCorpus(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return core::Error::notFound("no corpus directory " + dir);
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_regular_file() && e.path().extension() == ".jsonl") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) return core::Error::notFound("no *.jsonl traces in " + dir);
  std::vector<CorpusItem> items;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) return core::Error::notFound("cannot read " + f.string());
    std::stringstream ss;
    ss << in.rdbuf();
    auto item = parseCorpusItem(f.stem().string(), ss.str());
    if (!item) return item.error();
    items.push_back(std::move(*item));
  }
  return items;
}

core::Status saveCorpusItem(const std::string& dir, const CorpusItem& item) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  const std::string path = dir + "/" + item.name + ".jsonl";
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return core::Error::unavailable("cannot write " + path);
  out << formatCorpusItem(item);
  out.flush();
  if (!out) return core::Error::unavailable("writing " + path + " failed");
  return core::okStatus();
}

std::string traceText(const CorpusItem& item, bool ideal_timing) {
  CorpusItem copy;
  const CorpusItem* src = &item;
  if (ideal_timing) {
    copy = item;
    double audio = 0;
    for (auto& t : copy.items) {
      if (t.type == ingest::TraceItem::Type::kAudio) {
        audio = t.audio_time;
      } else if (t.type == ingest::TraceItem::Type::kEvent) {
        t.t = std::max(audio, t.event.end);
      }
    }
    src = &copy;
  }
  return formatCorpusItem(*src);
}

std::vector<engine::Word> finalWords(const CorpusItem& item) {
  std::vector<engine::Word> out;
  for (const auto& t : item.items) {
    if (t.type != ingest::TraceItem::Type::kEvent || t.event.is_partial) continue;
    for (const auto& w : t.event.words) {
      if (w.kind == engine::WordKind::kWord) out.push_back(w);
    }
  }
  return out;
}

namespace {
std::vector<std::string> tokens(const engine::RecognizerEvent& ev) {
  std::vector<std::string> out;
  for (const auto& w : ev.words) {
    if (w.kind != engine::WordKind::kWord) continue;
    std::string t = core::normalizeWord(w.text);
    if (!t.empty()) out.push_back(std::move(t));
  }
  return out;
}
}  // namespace

std::vector<std::vector<std::vector<std::string>>> hypothesesByResult(const CorpusItem& item) {
  std::vector<std::string> ids;
  std::vector<std::vector<std::vector<std::string>>> out;
  for (const auto& t : item.items) {
    if (t.type != ingest::TraceItem::Type::kEvent) continue;
    auto it = std::find(ids.begin(), ids.end(), t.event.result_id);
    std::size_t k = static_cast<std::size_t>(it - ids.begin());
    if (it == ids.end()) {
      ids.push_back(t.event.result_id);
      out.emplace_back();
    }
    out[k].push_back(tokens(t.event));
  }
  return out;
}

CorpusItem awsStableStream(const CorpusItem& ps, int k) {
  CorpusItem aws = ps;
  aws.name = ps.name + "-aws";
  aws.source = "aws-transcribe";
  // Indices of each result's events, in order.
  std::vector<std::string> ids;
  std::vector<std::vector<std::size_t>> by_result;
  for (std::size_t i = 0; i < aws.items.size(); ++i) {
    const auto& t = aws.items[i];
    if (t.type != ingest::TraceItem::Type::kEvent) continue;
    auto it = std::find(ids.begin(), ids.end(), t.event.result_id);
    if (it == ids.end()) {
      ids.push_back(t.event.result_id);
      by_result.emplace_back();
      it = ids.end() - 1;
    }
    by_result[static_cast<std::size_t>(it - ids.begin())].push_back(i);
  }
  for (const auto& events : by_result) {
    for (std::size_t e = 0; e < events.size(); ++e) {
      auto& ev = aws.items[events[e]].event;
      if (!ev.is_partial) {
        for (auto& w : ev.words) w.stable = true;
        continue;
      }
      // Length of the prefix shared with each of the next k hypotheses.
      std::size_t stable = ev.words.size();
      const std::size_t last = std::min(events.size() - 1, e + static_cast<std::size_t>(k));
      if (last == e) stable = 0;  // no later hypothesis to confirm anything
      for (std::size_t f = e + 1; f <= last; ++f) {
        const auto& later = aws.items[events[f]].event.words;
        std::size_t lcp = 0;
        while (lcp < stable && lcp < later.size() && later[lcp].text == ev.words[lcp].text) ++lcp;
        stable = lcp;
      }
      for (std::size_t w = 0; w < ev.words.size(); ++w) ev.words[w].stable = w < stable;
    }
  }
  return aws;
}

CorpusItem frontierStableStream(const CorpusItem& ps, double lag, int min_hypotheses) {
  CorpusItem out = ps;
  out.items.clear();
  struct Open {
    engine::RecognizerEvent hyp;
    std::vector<int> agree;  // consecutive hypotheses each position has stood unchanged
    std::size_t stable = 0;  // leading Stable run last sent
  };
  std::vector<Open> open;
  double last_audio = 0;
  double prev_audio = 0;
  auto stableRun = [&](const Open& o, double frontier) {
    std::size_t n = 0;
    while (n < o.hyp.words.size() && o.agree[n] >= min_hypotheses &&
           frontier - o.hyp.words[n].end >= lag - 1e-9) {
      ++n;
    }
    return std::max(n, std::min(o.stable, o.hyp.words.size()));
  };
  auto flag = [](engine::RecognizerEvent& ev, std::size_t n) {
    for (std::size_t i = 0; i < ev.words.size(); ++i) ev.words[i].stable = i < n;
  };
  for (const auto& item : ps.items) {
    if (item.type == ingest::TraceItem::Type::kAudio) {
      prev_audio = last_audio;
      last_audio = item.audio_time;
      out.items.push_back(item);
      for (auto& o : open) {
        std::size_t n = stableRun(o, prev_audio);
        if (n <= o.stable) continue;
        o.stable = n;
        ingest::TraceItem resend;
        resend.type = ingest::TraceItem::Type::kEvent;
        resend.t = item.t;
        resend.event = o.hyp;
        flag(resend.event, n);
        out.items.push_back(std::move(resend));
      }
      continue;
    }
    if (item.type != ingest::TraceItem::Type::kEvent) {
      out.items.push_back(item);
      continue;
    }
    ingest::TraceItem ev = item;
    auto it = std::find_if(open.begin(), open.end(),
                           [&](const Open& o) { return o.hyp.result_id == ev.event.result_id; });
    if (!ev.event.is_partial) {
      for (auto& w : ev.event.words) w.stable = true;
      if (it != open.end()) open.erase(it);
      out.items.push_back(std::move(ev));
      continue;
    }
    if (it == open.end()) {
      open.push_back({});
      it = open.end() - 1;
    }
    Open& o = *it;
    const auto& words = ev.event.words;
    std::size_t lcp = 0;
    while (lcp < o.hyp.words.size() && lcp < words.size() &&
           o.hyp.words[lcp].text == words[lcp].text) {
      ++lcp;
    }
    std::vector<int> agree(words.size(), 1);
    for (std::size_t i = 0; i < lcp; ++i) agree[i] = o.agree[i] + 1;
    o.hyp = ev.event;
    o.agree = std::move(agree);
    o.stable = std::min(o.stable, lcp);
    o.stable = stableRun(o, last_audio);
    flag(ev.event, o.stable);
    out.items.push_back(std::move(ev));
  }
  return out;
}

}  // namespace parley::bench
