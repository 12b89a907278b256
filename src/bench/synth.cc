#include "bench/synth.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "tts/espeak/espeak_synthesizer.h"

namespace parley::bench {

namespace {

constexpr const char* kVoices[] = {"en-us", "en", "en-US-nyc", "en-GB-x-rp", "en-029"};
constexpr int kSpeeds[] = {150, 175, 135, 195};
constexpr double kPauses[] = {0.0, 0.8, 1.6};

std::string collapse(const std::string& s) {
  std::string out;
  std::istringstream in(s);
  std::string w;
  while (in >> w) out += (out.empty() ? "" : " ") + w;
  return out;
}

}  // namespace

core::Result<std::vector<std::string>> readTalks(const std::string& path) {
  std::ifstream in(path);
  if (!in) return core::Error::notFound("cannot read the text set " + path);
  std::vector<std::string> talks;
  std::string para, line;
  auto flush = [&] {
    std::string t = collapse(para);
    if (!t.empty()) talks.push_back(std::move(t));
    para.clear();
  };
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '#') continue;
    if (line.find_first_not_of(" \t\r") == std::string::npos) {
      flush();
      continue;
    }
    para += " " + line;
  }
  flush();
  if (talks.empty()) return core::Error::invalid(path + ": no paragraphs");
  return talks;
}

std::vector<std::string> splitSentences(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (std::size_t i = 0; i < text.size(); ++i) {
    cur.push_back(text[i]);
    const char c = text[i];
    if ((c == '.' || c == '?' || c == '!') && (i + 1 == text.size() || text[i + 1] == ' ')) {
      std::string s = collapse(cur);
      if (!s.empty()) out.push_back(std::move(s));
      cur.clear();
    }
  }
  std::string rest = collapse(cur);
  if (!rest.empty()) out.push_back(std::move(rest));
  return out;
}

std::vector<SynthPlan> synthPlan(std::size_t talks) {
  std::vector<SynthPlan> plan;
  for (std::size_t i = 0; i < talks; ++i) {
    SynthPlan p;
    p.talk = i;
    p.voice = kVoices[i % std::size(kVoices)];
    p.words_per_minute = kSpeeds[i % std::size(kSpeeds)];
    p.pause_seconds = kPauses[i % std::size(kPauses)];
    char name[96];
    std::snprintf(name, sizeof name, "synth-%02zu-%s-%d-p%d", i + 1, p.voice.c_str(),
                  p.words_per_minute, static_cast<int>(std::lround(p.pause_seconds * 1000)));
    p.name = name;
    plan.push_back(std::move(p));
  }
  return plan;
}

core::Result<SynthAudio> synthesizeTalk(tts::EspeakSynthesizer& synthesizer,
                                        const std::string& text, const SynthPlan& plan) {
  SynthAudio out;
  out.reference = text;
  const auto pause = static_cast<std::size_t>(std::lround(plan.pause_seconds * tts::kSpeechRate));
  for (const auto& sentence : splitSentences(text)) {
    auto speech = synthesizer.synthesizeWithTimings(sentence, plan.voice, plan.words_per_minute);
    if (!speech.ok()) return speech.error();
    const double offset = static_cast<double>(out.samples.size()) / tts::kSpeechRate;
    for (const auto& w : speech->words) {
      out.gold.push_back({w.text, offset + w.start, offset + w.end});
    }
    out.samples.insert(out.samples.end(), speech->samples.begin(), speech->samples.end());
    out.samples.insert(out.samples.end(), pause, 0);
  }
  return out;
}

}  // namespace parley::bench
