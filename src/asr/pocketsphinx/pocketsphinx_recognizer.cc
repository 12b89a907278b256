#include "asr/pocketsphinx/pocketsphinx_recognizer.h"

#include <pocketsphinx.h>
#include <sphinxbase/err.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <utility>

namespace parley::asr::pocketsphinx {

namespace {

// pocketsphinx logs through one process-wide callback. parley silences it (library code never
// prints) but keeps the text of errors raised on this thread, so that a refused configuration
// can say why.
thread_local std::string t_last_error;

void captureLog(void* /*user_data*/, err_lvl_t level, const char* fmt, ...) {
  if (level < ERR_ERROR || t_last_error.size() > 2048) return;
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  t_last_error += buf;
}

void installLogCallback() {
  static std::once_flag once;
  std::call_once(once, [] {
    err_set_callback(captureLog, nullptr);
    err_set_logfp(nullptr);  // also silences the configuration dump written straight to the file
  });
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

bool isFile(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool isDirectory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void checkRange(std::vector<std::string>& problems, const char* field, int value, int min,
                int max) {
  if (value < min || value > max) {
    problems.push_back(std::string(field) + " must be an integer in [" + std::to_string(min) +
                       ", " + std::to_string(max) + "] (got " + std::to_string(value) + ")");
  }
}

class PocketsphinxRecognizer final : public Recognizer {
 public:
  PocketsphinxRecognizer(const PocketsphinxConfig& config, cmd_ln_t* cmdln, ps_decoder_t* ps)
      : config_(config),
        cmdln_(cmdln),
        ps_(ps),
        detector_(config.endpoint),
        frame_rate_(cmd_ln_int32_r(cmdln, "-frate")),
        confidences_(config.bestpath && config.grammar.empty()) {
    if (frame_rate_ <= 0) frame_rate_ = 100;
  }

  ~PocketsphinxRecognizer() override {
    if (utt_open_) ps_end_utt(ps_);
    ps_free(ps_);
    cmd_ln_free_r(cmdln_);
  }

  PocketsphinxRecognizer(const PocketsphinxRecognizer&) = delete;
  PocketsphinxRecognizer& operator=(const PocketsphinxRecognizer&) = delete;

  core::Status startStream() override {
    if (utt_open_) {
      ps_end_utt(ps_);
      utt_open_ = false;
    }
    if (ps_start_stream(ps_) < 0) return core::Error::internal("ps_start_stream failed");
    samples_ = 0;
    next_utterance_ = 1;
    partial_sent_ = false;
    last_partial_text_.clear();
    detector_.reset();
    streaming_ = true;
    return startUtterance();
  }

  core::Status accept(std::span<const int16_t> pcm,
                      std::vector<engine::RecognizerEvent>* out) override {
    if (!streaming_) return core::Error::usage("accept() outside a stream: call startStream()");
    if (pcm.empty()) return core::okStatus();
    if (ps_process_raw(ps_, pcm.data(), pcm.size(), FALSE, FALSE) < 0) {
      return core::Error::internal("ps_process_raw failed");
    }
    samples_ += static_cast<long long>(pcm.size());
    bool in_speech = ps_get_in_speech(ps_) != 0;
    if (detector_.update(in_speech, audioSeconds()) == EndpointDetector::Decision::kEndUtterance) {
      if (auto s = closeUtterance(out); !s.ok()) return s;
      return startUtterance();
    }
    emitPartialIfChanged(out);
    return core::okStatus();
  }

  core::Status finish(std::vector<engine::RecognizerEvent>* out) override {
    if (!streaming_) return core::Error::usage("finish() outside a stream: call startStream()");
    streaming_ = false;
    detector_.reset();
    return closeUtterance(out);
  }

  double audioSeconds() const override {
    return static_cast<double>(samples_) / static_cast<double>(kSampleRate);
  }

  std::string name() const override { return "pocketsphinx"; }

 private:
  core::Status startUtterance() {
    if (ps_start_utt(ps_) < 0) return core::Error::internal("ps_start_utt failed");
    utt_open_ = true;
    return core::okStatus();
  }

  std::string currentId() const { return "utt-" + std::to_string(next_utterance_); }

  // Words of the current best path. Confidences only on finals: pocketsphinx returns a
  // posterior of 1 for partials.
  std::vector<engine::Word> currentWords(bool with_confidence) {
    std::vector<engine::Word> words;
    logmath_t* lmath = ps_get_logmath(ps_);
    const double frame = 1.0 / frame_rate_;
    for (ps_seg_t* seg = ps_seg_iter(ps_); seg != nullptr; seg = ps_seg_next(seg)) {
      auto text = cleanWord(ps_seg_word(seg));
      if (!text) continue;
      int sf = 0;
      int ef = 0;
      ps_seg_frames(seg, &sf, &ef);
      engine::Word w;
      w.text = std::move(*text);
      w.start = sf * frame;
      w.end = (ef + 1) * frame;  // ef is inclusive
      if (with_confidence) {
        int32 ascr = 0;
        int32 lscr = 0;
        int32 lback = 0;
        double p = logmath_exp(lmath, ps_seg_prob(seg, &ascr, &lscr, &lback));
        w.confidence = std::clamp(p, 0.0, 1.0);
      }
      words.push_back(std::move(w));
    }
    return words;
  }

  engine::RecognizerEvent makeEvent(bool is_partial, std::vector<engine::Word> words) const {
    engine::RecognizerEvent e;
    e.result_id = currentId();
    e.is_partial = is_partial;
    if (words.empty()) {
      e.start = e.end = audioSeconds();
    } else {
      e.start = words.front().start;
      e.end = words.back().end;
    }
    e.words = std::move(words);
    return e;
  }

  void emitPartialIfChanged(std::vector<engine::RecognizerEvent>* out) {
    std::vector<engine::Word> words = currentWords(false);
    std::string text = engine::joinWords(words);
    if (text == last_partial_text_ || words.empty()) return;
    last_partial_text_ = std::move(text);
    partial_sent_ = true;
    out->push_back(makeEvent(true, std::move(words)));
  }

  core::Status closeUtterance(std::vector<engine::RecognizerEvent>* out) {
    if (!utt_open_) return core::okStatus();
    utt_open_ = false;
    if (ps_end_utt(ps_) < 0) return core::Error::internal("ps_end_utt failed");
    std::vector<engine::Word> words = currentWords(confidences_);
    // A final closes every result a listener has seen; an utterance that never produced a word
    // (noise, a cough) is dropped without using up an id.
    if (!words.empty() || partial_sent_) {
      out->push_back(makeEvent(false, std::move(words)));
      ++next_utterance_;
    }
    partial_sent_ = false;
    last_partial_text_.clear();
    return core::okStatus();
  }

  PocketsphinxConfig config_;
  cmd_ln_t* cmdln_;
  ps_decoder_t* ps_;
  EndpointDetector detector_;
  int frame_rate_;
  bool confidences_;
  bool streaming_ = false;
  bool utt_open_ = false;
  bool partial_sent_ = false;
  long long samples_ = 0;
  long long next_utterance_ = 1;
  std::string last_partial_text_;
};

}  // namespace

std::string PocketsphinxConfig::hmmPath() const { return hmm.empty() ? model_dir + "/en-us" : hmm; }
std::string PocketsphinxConfig::lmPath() const {
  return lm.empty() ? model_dir + "/en-us.lm.bin" : lm;
}
std::string PocketsphinxConfig::dictPath() const {
  return dict.empty() ? model_dir + "/cmudict-en-us.dict" : dict;
}

std::vector<std::string> PocketsphinxConfig::validate() const {
  std::vector<std::string> problems;
  if (model_dir.empty() && (hmm.empty() || dict.empty() || (lm.empty() && grammar.empty()))) {
    problems.emplace_back("model_dir must be set unless hmm, dict and lm (or grammar) are");
  }
  checkRange(problems, "max_hmm_per_frame", max_hmm_per_frame, 100, 100000);
  checkRange(problems, "max_words_per_frame", max_words_per_frame, 1, 100);
  checkRange(problems, "pl_window", pl_window, 0, 40);
  checkRange(problems, "vad_postspeech_frames", vad_postspeech_frames, 5, 300);
  for (auto& p : endpoint.validate()) problems.push_back("endpoint." + p);
  return problems;
}

std::vector<std::string> PocketsphinxConfig::decoderArgs() const {
  std::vector<std::string> args = {
      "-hmm",
      hmmPath(),
      "-dict",
      dictPath(),
      "-fwdflat",
      fwdflat ? "yes" : "no",
      "-bestpath",
      bestpath ? "yes" : "no",
      "-maxhmmpf",
      std::to_string(max_hmm_per_frame),
      "-maxwpf",
      std::to_string(max_words_per_frame),
      "-pl_window",
      std::to_string(pl_window),
      "-vad_postspeech",
      std::to_string(vad_postspeech_frames),
  };
  if (grammar.empty()) {
    args.insert(args.end(), {"-lm", lmPath()});
  } else {
    args.insert(args.end(), {"-jsgf", grammar});
  }
  return args;
}

core::Result<std::unique_ptr<Recognizer>> createRecognizer(const PocketsphinxConfig& config) {
  if (auto problems = config.validate(); !problems.empty()) {
    std::string msg = "invalid pocketsphinx configuration:";
    for (const auto& p : problems) msg += " " + p + ";";
    msg.pop_back();
    return core::Error::invalid(msg);
  }
  if (!isDirectory(config.hmmPath())) {
    return core::Error::notFound("acoustic model directory not found: " + config.hmmPath());
  }
  if (!isFile(config.dictPath())) {
    return core::Error::notFound("pronunciation dictionary not found: " + config.dictPath());
  }
  if (config.grammar.empty() && !isFile(config.lmPath())) {
    return core::Error::notFound("language model not found: " + config.lmPath());
  }
  if (!config.grammar.empty() && !isFile(config.grammar)) {
    return core::Error::notFound("grammar file not found: " + config.grammar);
  }

  installLogCallback();
  t_last_error.clear();
  std::vector<std::string> args = config.decoderArgs();
  args.insert(args.begin(), "parley");
  std::vector<char*> argv;
  argv.reserve(args.size());
  for (auto& a : args) argv.push_back(a.data());
  cmd_ln_t* cmdln =
      cmd_ln_parse_r(nullptr, ps_args(), static_cast<int32>(argv.size()), argv.data(), TRUE);
  if (cmdln == nullptr) {
    return core::Error::invalid("pocketsphinx rejected its arguments: " + trimmed(t_last_error));
  }
  ps_decoder_t* ps = ps_init(cmdln);
  if (ps == nullptr) {
    cmd_ln_free_r(cmdln);
    std::string why = trimmed(std::exchange(t_last_error, {}));
    return core::Error::invalid("pocketsphinx could not load the decoder" +
                                (why.empty() ? std::string() : ": " + why));
  }
  return std::unique_ptr<Recognizer>(new PocketsphinxRecognizer(config, cmdln, ps));
}

std::optional<std::string> cleanWord(std::string_view token) {
  if (token.empty()) return std::nullopt;
  char first = token.front();
  if (first == '<' || first == '[' || token.rfind("++", 0) == 0) return std::nullopt;
  // Pronunciation variants: "and(2)" -> "and".
  if (token.back() == ')') {
    if (auto open = token.rfind('('); open != std::string_view::npos && open > 0) {
      token = token.substr(0, open);
    }
  }
  return std::string(token);
}

}  // namespace parley::asr::pocketsphinx
