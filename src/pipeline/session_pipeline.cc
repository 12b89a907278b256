#include "pipeline/session_pipeline.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <variant>

#include "asr/arrival_model.h"
#include "asr/recognizer.h"
#include "asr/recognizer_worker.h"
#include "audio/audio.h"
#include "core/log.h"
#include "engine/driver.h"
#include "pipeline/timed_recognizer.h"
#include "translate/translator.h"
#include "tts/synthesizer.h"

namespace parley::pipeline {

// --- Services defaults ------------------------------------------------------------------------

core::Result<std::unique_ptr<asr::Recognizer>> Services::createRecognizer(const std::string&) {
  return core::Error::unavailable("these services provide no recognizer");
}

core::Result<std::shared_ptr<translate::Translator>> Services::translator(const std::string& lang) {
  return core::Error::unavailable("these services provide no translator (for " + lang + ")");
}

core::Result<tts::Synthesizer*> Services::synthesizer() {
  return core::Error::unavailable("these services provide no synthesizer");
}

namespace {

constexpr const char* kSourceLanguage = "en";
constexpr int kCaptionRate = 16000;  // Caption::audio

// The end time of a segment's last spoken word (punctuation has the time of its word).
double lastWordEnd(const engine::Segment& seg) {
  for (auto it = seg.words.rbegin(); it != seg.words.rend(); ++it) {
    if (it->kind == engine::WordKind::kWord) return it->end;
  }
  return seg.words.empty() ? seg.audio_end : seg.words.back().end;
}

struct SetModeCommand {
  engine::Mode mode;
};
struct AddTargetCommand {
  std::string lang;
};
struct RemoveTargetCommand {
  std::string lang;
};
struct SetLineConfigCommand {
  lines::LineConfig config;
};
using Command =
    std::variant<SetModeCommand, AddTargetCommand, RemoveTargetCommand, SetLineConfigCommand>;

// What the segments produced by one piece of delivery-thread work share.
struct WorkContext {
  double asr_s = 0;
  double queue_s = 0;
  double engine_s = 0;
};

// A segment on its way to the caption stage, with the targets it is captioned into.
struct PendingSegment {
  engine::Segment segment;
  WorkContext ctx;
  std::vector<std::string> targets;
  double queued_at = 0;  // clock_.now() when queued (live timing)
  int segments = 1;      // engine segments in `segment` (> 1: merged while the queue was full)
};

// Source-line updates on their way to the caption stage, with the targets at that time.
struct PendingLines {
  std::vector<lines::SourceLine> updates;
  std::vector<std::string> targets;
  lines::LineConfig config;  // the session's line settings when the updates were made
};

// The newest update of each line, in line order: while the translator is behind, a line's
// intermediate updates are skipped (its final never is: it is always the line's last update).
std::vector<lines::SourceLine> newestPerLine(std::vector<lines::SourceLine> updates) {
  std::vector<lines::SourceLine> out;
  for (auto& u : updates) {
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const lines::SourceLine& o) { return o.line == u.line; });
    if (it == out.end()) {
      out.push_back(std::move(u));
    } else {
      *it = std::move(u);
    }
  }
  std::stable_sort(
      out.begin(), out.end(),
      [](const lines::SourceLine& a, const lines::SourceLine& b) { return a.line < b.line; });
  return out;
}

void addLineStats(lines::LineStats& into, const lines::LineStats& s) {
  into.lines += s.lines;
  into.revisions += s.revisions;
  into.erased_tokens += s.erased_tokens;
  into.final_tokens += s.final_tokens;
  into.settled_changes += s.settled_changes;
  into.spoken_pieces += s.spoken_pieces;
  into.spoken_mismatches += s.spoken_mismatches;
  into.translations += s.translations;
  into.translated_chars += s.translated_chars;
  into.untranslated += s.untranslated;
}

// A coalesced caption never grows beyond this much source text; apertium takes 8 KiB.
constexpr std::size_t kMaxCoalescedBytes = 2000;

// One segment standing for several consecutive ones: their words and text in order, the
// audio span of all, and the seq, kind and reason of the last.
engine::Segment mergeSegments(const std::vector<const engine::Segment*>& parts) {
  engine::Segment merged = *parts.back();
  if (parts.size() == 1) return merged;
  merged.text.clear();
  merged.words.clear();
  merged.audio_start = parts.front()->audio_start;
  for (const engine::Segment* part : parts) {
    if (part->text.empty()) continue;
    merged.text += (merged.text.empty() ? "" : " ") + part->text;
    merged.words.insert(merged.words.end(), part->words.begin(), part->words.end());
  }
  return merged;
}

class PipelineImpl final : public SessionPipeline {
 public:
  PipelineImpl(PipelineOptions options, Services& services, const core::Clock& clock,
               SegmentCallback on_segment, CaptionCallback on_caption)
      : options_(std::move(options)),
        services_(services),
        clock_(clock),
        on_segment_(std::move(on_segment)),
        on_caption_(std::move(on_caption)),
        driver_(options_.session_id, options_.engine, options_.mode),
        targets_(options_.targets) {
    if (options_.on_line) tracker_.emplace(options_.line_config);
  }

  ~PipelineImpl() override { finish(); }

  core::Status start(std::unique_ptr<asr::Recognizer> recognizer) {
    auto timed = std::make_unique<TimedRecognizer>(
        std::move(recognizer), [this](RecognizerStep step) { postStep(std::move(step)); });
    asr::WorkerConfig config;
    config.max_queued_chunks = static_cast<int>(options_.audio_queue_chunks);
    worker_ = std::make_unique<asr::RecognizerWorker>(std::move(timed), config, nullptr);
    if (auto st = worker_->start(); !st.ok()) return st;
    delivery_ = std::thread([this] { deliveryLoop(); });
    if (options_.timing == Timing::kClock) captioner_ = std::thread([this] { captionLoop(); });
    core::log::info("pipeline_started", options_.session_id, "session pipeline started",
                    {{"mode", engine::modeName(options_.mode)},
                     {"timing", options_.timing == Timing::kClock ? "clock" : "arrival_model"}});
    return core::okStatus();
  }

  core::Status pushAudio(std::span<const std::int16_t> pcm) override {
    {
      std::lock_guard lock(push_mu_);
      if (finished_) return core::Error::usage("pushAudio() after finish()");
      const double now = clock_.now();
      if (!audio_started_) {
        // The first chunk arrives once it has been spoken: session time starts its duration
        // earlier, so that session time and stream (audio) time share their origin.
        audio_started_ = true;
        t0_ = now - static_cast<double>(pcm.size()) / asr::kSampleRate;
      }
      samples_pushed_ += static_cast<long long>(pcm.size());
      push_times_.push_back({static_cast<double>(samples_pushed_) / asr::kSampleRate, now - t0_});
    }
    core::Status st = worker_->push(pcm);
    std::lock_guard lock(stats_mu_);
    ++stats_.audio_chunks;
    if (!st.ok() && st.error().code == core::ErrorCode::kUnavailable) {
      ++stats_.audio_chunks_dropped;
    }
    return st;
  }

  void setMode(engine::Mode mode) override { post(SetModeCommand{mode}); }
  void addTarget(const std::string& lang) override { post(AddTargetCommand{lang}); }
  void setLineConfig(const lines::LineConfig& config) override {
    post(SetLineConfigCommand{config});
  }
  void removeTarget(const std::string& lang) override { post(RemoveTargetCommand{lang}); }

  void finish() override {
    {
      std::lock_guard lock(push_mu_);
      if (finished_) return;
      finished_ = true;
    }
    if (worker_) {
      if (auto st = worker_->finish(); !st.ok()) {
        core::log::error("recognizer_failed", options_.session_id, st.error().message);
      }
    }
    {
      std::lock_guard lock(mu_);
      input_done_ = true;
    }
    cv_.notify_all();
    if (delivery_.joinable()) delivery_.join();
    {
      std::lock_guard lock(caption_mu_);
      captions_done_ = true;
    }
    caption_cv_.notify_all();
    if (captioner_.joinable()) captioner_.join();
    const PipelineStats s = stats();
    core::log::info("pipeline_finished", options_.session_id, "session pipeline finished",
                    {{"segments", s.segments},
                     {"captions", s.captions},
                     {"untranslated_captions", s.untranslated_captions},
                     {"captions_coalesced", s.captions_coalesced},
                     {"captions_queue_merged", s.captions_queue_merged},
                     {"audio_chunks_dropped", s.audio_chunks_dropped}});
  }

  PipelineStats stats() const override {
    PipelineStats s;
    {
      std::lock_guard lock(stats_mu_);
      s = stats_;
    }
    if (worker_) s.max_audio_queue_depth = worker_->stats().max_queue_depth;
    return s;
  }

 private:
  // Session clock of the live timing: seconds since the first pushAudio().
  double sessionNow() const {
    std::lock_guard lock(push_mu_);
    return audio_started_ ? clock_.now() - t0_ : 0.0;
  }

  // When the audio that ends at `audio_time` was pushed (session clock); drops older entries.
  double pushedAt(double audio_time) {
    std::lock_guard lock(push_mu_);
    while (push_times_.size() > 1 && push_times_.front().first < audio_time - 1e-9) {
      push_times_.pop_front();
    }
    return push_times_.empty() ? 0.0 : push_times_.front().second;
  }

  void post(Command command) {
    {
      std::lock_guard lock(mu_);
      commands_.push_back(std::move(command));
    }
    cv_.notify_all();
  }

  // Recognizer thread: waits for room (backpressure), never drops a step.
  void postStep(RecognizerStep step) {
    std::unique_lock lock(mu_);
    room_cv_.wait(lock, [&] { return steps_.size() < options_.step_queue; });
    steps_.push_back(std::move(step));
    lock.unlock();
    cv_.notify_all();
  }

  void deliveryLoop() {
    double last_tick = 0;
    for (;;) {
      std::deque<RecognizerStep> steps;
      std::deque<Command> commands;
      bool done = false;
      {
        std::unique_lock lock(mu_);
        auto ready = [&] { return !steps_.empty() || !commands_.empty() || input_done_; };
        if (options_.timing == Timing::kClock) {
          double due = last_tick + options_.tick_interval_s;
          if (auto d = driver_.nextDeadline()) due = std::min(due, *d);
          // At least 1 ms: a deadline the engine cannot move must not spin this thread.
          const double wait = std::max(0.001, due - sessionNow());
          cv_.wait_for(lock, std::chrono::duration<double>(wait), ready);
        } else {
          cv_.wait(lock, ready);
        }
        steps.swap(steps_);
        commands.swap(commands_);
        done = input_done_ && steps.empty();
      }
      room_cv_.notify_all();

      for (auto& command : commands) apply(command);
      for (auto& step : steps) handleStep(step);
      if (options_.timing == Timing::kClock) {
        const double now = sessionNow();
        if (auto d = driver_.nextDeadline();
            (d && *d <= now) || now - last_tick >= options_.tick_interval_s) {
          runEngine(WorkContext{}, [&] { driver_.advanceTo(now); });
          last_tick = now;
        }
      }
      if (done) break;
    }
    const double end = options_.timing == Timing::kClock ? sessionNow() : driver_.now();
    runEngine(WorkContext{}, [&] { driver_.finish(end); });
    if (tracker_) {
      appendLines(tracker_->finish());  // open lines close unconfirmed
      flushLines();
    }
  }

  void apply(const Command& command) {
    const double now = options_.timing == Timing::kClock ? sessionNow() : driver_.now();
    if (const auto* m = std::get_if<SetModeCommand>(&command)) {
      if (m->mode != driver_.engine().mode()) {
        core::log::info("pipeline_mode", options_.session_id, "session mode changed",
                        {{"mode", engine::modeName(m->mode)}});
      }
      runEngine(WorkContext{}, [&] { driver_.setMode(m->mode, now); });
    } else if (const auto* a = std::get_if<AddTargetCommand>(&command)) {
      if (std::find(targets_.begin(), targets_.end(), a->lang) == targets_.end()) {
        targets_.push_back(a->lang);
      }
    } else if (const auto* r = std::get_if<RemoveTargetCommand>(&command)) {
      targets_.erase(std::remove(targets_.begin(), targets_.end(), r->lang), targets_.end());
    } else if (const auto* c = std::get_if<SetLineConfigCommand>(&command)) {
      // From the next line on: the tracker here, the views with the next updates.
      line_config_ = c->config;
      if (tracker_) tracker_->setConfig(line_config_);
    }
  }

  void handleStep(RecognizerStep& step) {
    WorkContext ctx;
    ctx.asr_s = step.compute_s;
    step.arrival = arrival_model_.chunkDone(step.audio_time, step.compute_s);
    double t = 0;
    if (options_.timing == Timing::kClock) {
      t = sessionNow();
      ctx.queue_s = std::max(0.0, t - pushedAt(step.audio_time) - step.compute_s);
    } else {
      t = step.arrival;
      ctx.queue_s = std::max(0.0, step.arrival - step.compute_s - step.audio_time);
    }
    step.received_at = t;
    runEngine(ctx, [&] {
      // The step's results first, then the audio they cover: onAudio means "the recognizer has
      // consumed audio up to here" (the frontier commit policy relies on it).
      for (const auto& e : step.events) {
        // The lines see each event before the engine does: a final closes its lines first.
        if (tracker_) appendLines(tracker_->onEvent(e));
        driver_.event(e, t);
      }
      driver_.audio(step.audio_time, t);
    });
    {
      std::lock_guard lock(stats_mu_);
      ++stats_.recognizer_steps;
      stats_.recognizer_events += static_cast<long long>(step.events.size());
      stats_.audio_seconds = step.audio_time;
      stats_.asr_compute_s += step.compute_s;
      stats_.session_time = t;
    }
    if (options_.on_step) options_.on_step(step);
  }

  // Runs engine work, then delivers what it produced: notices, segments, captions.
  template <typename F>
  void runEngine(WorkContext ctx, F&& work) {
    const double t0 = clock_.now();
    work();
    ctx.engine_s = clock_.now() - t0;
    engine::Output& out = driver_.output();
    for (auto& notice : out.notices) {
      notice.ts = core::wallTimeSeconds();
      if (notice.session_id.empty()) notice.session_id = options_.session_id;
      notice.fields.emplace_back("session_time", driver_.now());
      core::log::writeRecord(std::move(notice));
    }
    std::vector<engine::Segment> segments = std::move(out.segments);
    out.clear();
    {
      std::lock_guard lock(stats_mu_);
      stats_.segments += static_cast<long long>(segments.size());
      stats_.engine = driver_.engine().stats();
    }
    for (const auto& seg : segments) {
      deliver(seg, ctx);
      if (tracker_) appendLines(tracker_->onSegment(seg));
    }
    flushLines();
  }

  // Delivery thread: line updates gathered while the engine ran.
  void appendLines(std::vector<lines::SourceLine> updates) {
    for (auto& u : updates) line_updates_.push_back(std::move(u));
  }

  // To the caption thread (live timing), or revised right here (arrival model).
  void flushLines() {
    if (line_updates_.empty()) return;
    PendingLines pending{std::move(line_updates_), targets_, line_config_};
    line_updates_.clear();
    if (options_.timing != Timing::kClock) {
      reviseLines(pending);
      return;
    }
    {
      // While the caption stage is behind, the waiting updates are kept as one batch with the
      // newest update of each line (what that stage would revise anyway): the queue holds one
      // entry per open or unfinished line, however long the translator hangs, and never drops
      // a line's final (always its newest update).
      std::lock_guard lock(caption_mu_);
      if (lines_pending_.empty()) {
        lines_pending_.push_back(std::move(pending));
      } else {
        PendingLines& waiting = lines_pending_.back();
        for (auto& u : pending.updates) waiting.updates.push_back(std::move(u));
        waiting.updates = newestPerLine(std::move(waiting.updates));
        waiting.targets = std::move(pending.targets);
        waiting.config = pending.config;
      }
    }
    caption_cv_.notify_all();
  }

  // Caption stage: each source line update becomes a revision per language (when what a
  // listener sees changes), with the speech of its newly settled piece.
  void reviseLines(PendingLines& pending) {
    std::vector<std::string> langs = {kSourceLanguage};
    for (const auto& t : pending.targets) {
      if (std::find(langs.begin(), langs.end(), t) == langs.end()) langs.push_back(t);
    }
    if (pending.config != view_config_) {
      view_config_ = pending.config;
      for (auto& [lang, view] : views_) view.setConfig(view_config_);
    }
    for (const auto& update : newestPerLine(std::move(pending.updates))) {
      for (const auto& lang : langs) {
        // Shown about now (translation takes milliseconds): the token time to stable.
        const double now = options_.timing == Timing::kClock ? sessionNow() : driver_.now();
        auto rev = viewFor(lang).update(update, now);
        if (!rev) continue;
        LineMessage msg;
        msg.session_id = options_.session_id;
        msg.lang = lang;
        msg.revision = std::move(*rev);
        if (options_.speech_from_lines && options_.synthesize && !msg.revision.speak.empty()) {
          const std::string voice =
              services_.voiceFor(msg.revision.untranslated ? kSourceLanguage : lang);
          std::string why = speak(msg.revision.speak, voice, &msg.audio);
          if (!why.empty()) {
            core::log::warn("synthesis_failed", options_.session_id, "speech synthesis failed",
                            {{"lang", lang}, {"line", msg.revision.line}, {"error", why}});
          }
        }
        msg.ready_at = options_.timing == Timing::kClock ? sessionNow() : driver_.now();
        msg.latency_s = std::max(0.0, msg.ready_at - update.audio_end);
        {
          std::lock_guard lock(stats_mu_);
          ++stats_.line_revisions;
        }
        options_.on_line(msg);
      }
    }
    lines::LineStats sum;
    for (const auto& [lang, view] : views_) addLineStats(sum, view.stats());
    std::lock_guard lock(stats_mu_);
    stats_.lines = sum;
  }

  lines::LineView& viewFor(const std::string& lang) {
    auto it = views_.find(lang);
    if (it != views_.end()) return it->second;
    lines::TranslateFn translate;
    if (lang != kSourceLanguage) {
      translate = [this, lang](std::string_view text) -> core::Result<std::string> {
        auto translator = services_.translator(lang);
        if (!translator.ok()) return translator.error();
        return (*translator)->translate(text);
      };
    }
    return views_.emplace(lang, lines::LineView(view_config_, std::move(translate))).first->second;
  }

  // Live timing: the segment goes to the caption thread, so that a slow translator or
  // synthesizer never holds up the engine (and through it recognition and the audio queue).
  // Arrival-model timing: captioned right here, which keeps offline runs deterministic.
  void deliver(const engine::Segment& seg, const WorkContext& ctx) {
    PendingSegment pending{seg, ctx, targets_, clock_.now()};
    if (options_.timing != Timing::kClock) {
      std::vector<PendingSegment> one;
      one.push_back(std::move(pending));
      caption(one);
      return;
    }
    bool merged = false;
    {
      std::lock_guard lock(caption_mu_);
      if (captions_pending_.size() < options_.caption_queue) {
        captions_pending_.push_back(std::move(pending));
      } else {
        // The queue is full (the caption thread is far behind): the segment joins the newest
        // waiting one, so the queue never grows beyond caption_queue entries and no word is lost.
        PendingSegment& last = captions_pending_.back();
        last.segment = mergeSegments({&last.segment, &pending.segment});
        last.ctx = pending.ctx;
        last.segments += pending.segments;
        for (auto& lang : pending.targets) {
          if (std::find(last.targets.begin(), last.targets.end(), lang) == last.targets.end()) {
            last.targets.push_back(std::move(lang));
          }
        }
        merged = true;
      }
    }
    if (merged) {
      std::lock_guard lock(stats_mu_);
      ++stats_.captions_queue_merged;
    }
    caption_cv_.notify_all();
  }

  // Caption thread (live timing): takes everything queued at once, so that while the
  // translator is behind, the segments that piled up become one caption per language.
  void captionLoop() {
    for (;;) {
      std::vector<PendingSegment> batch;
      std::vector<PendingLines> line_batches;
      {
        std::unique_lock lock(caption_mu_);
        caption_cv_.wait(lock, [&] {
          return !captions_pending_.empty() || !lines_pending_.empty() || captions_done_;
        });
        if (captions_pending_.empty() && lines_pending_.empty()) return;
        batch.swap(captions_pending_);
        line_batches.swap(lines_pending_);
      }
      if (!batch.empty()) caption(batch);
      if (!line_batches.empty()) {
        // One batch: the newest update per line, translated once per language.
        PendingLines all{{}, line_batches.back().targets, line_batches.back().config};
        for (auto& b : line_batches) {
          for (auto& u : b.updates) all.updates.push_back(std::move(u));
        }
        reviseLines(all);
      }
    }
  }

  // Source segments first, in order; then per target language the batch's segments as few
  // captions as kMaxCoalescedBytes allows (one per segment when the batch holds one).
  void caption(std::vector<PendingSegment>& batch) {
    for (const auto& p : batch) {
      if (on_segment_) on_segment_(p.segment);
    }
    std::vector<std::string> langs;
    for (const auto& p : batch) {
      for (const auto& lang : p.targets) {
        if (std::find(langs.begin(), langs.end(), lang) == langs.end()) langs.push_back(lang);
      }
    }
    const double picked_at = clock_.now();
    for (const auto& lang : langs) {
      std::vector<const PendingSegment*> group;
      std::size_t bytes = 0;
      auto flush = [&] {
        if (!group.empty()) captionGroup(lang, group, picked_at);
        group.clear();
        bytes = 0;
      };
      for (const auto& p : batch) {
        if (std::find(p.targets.begin(), p.targets.end(), lang) == p.targets.end()) continue;
        if (!group.empty() && bytes + p.segment.text.size() > kMaxCoalescedBytes) flush();
        group.push_back(&p);
        bytes += p.segment.text.size() + 1;
      }
      flush();
    }
  }

  void captionGroup(const std::string& lang, const std::vector<const PendingSegment*>& group,
                    double picked_at) {
    std::vector<const engine::Segment*> parts;
    for (const auto* p : group) parts.push_back(&p->segment);
    const PendingSegment& last = *group.back();
    Caption caption;
    caption.session_id = options_.session_id;
    caption.lang = lang;
    caption.segment = mergeSegments(parts);
    caption.segments = 0;
    for (const auto* p : group) caption.segments += p->segments;
    caption.timings.asr_s = last.ctx.asr_s;
    caption.timings.queue_s = last.ctx.queue_s + (picked_at - group.front()->queued_at);
    caption.timings.engine_s = last.ctx.engine_s;
    translateInto(caption);
    if (!options_.speech_from_lines) synthesizeInto(caption);
    if (options_.timing == Timing::kClock) {
      caption.ready_at = sessionNow();
    } else {
      caption.ready_at = std::max(caption.segment.emitted_at, last_ready_) +
                         caption.timings.translate_s + caption.timings.tts_s;
      last_ready_ = caption.ready_at;
    }
    caption.latency_s = caption.ready_at - lastWordEnd(caption.segment);
    {
      std::lock_guard lock(stats_mu_);
      ++stats_.captions;
      stats_.captions_coalesced += static_cast<long long>(group.size()) - 1;
      if (!caption.translated) ++stats_.untranslated_captions;
    }
    if (group.size() > 1) {
      core::log::debug("captions_coalesced", options_.session_id,
                       "translation is behind: segments merged into one caption",
                       {{"lang", lang},
                        {"segments", static_cast<long long>(group.size())},
                        {"waited_s", picked_at - group.front()->queued_at}});
    }
    if (on_caption_) on_caption_(caption);
  }

  void translateInto(Caption& caption) {
    const std::string& source = caption.segment.text;
    caption.text = source;
    caption.translated = true;
    if (caption.lang == kSourceLanguage || source.empty()) return;
    const double t0 = clock_.now();
    std::string why;
    auto translator = services_.translator(caption.lang);
    if (translator.ok()) {
      auto text = (*translator)->translate(source);
      if (text.ok()) {
        caption.text = std::move(*text);
      } else {
        why = text.error().message;
      }
    } else {
      why = translator.error().message;
    }
    caption.timings.translate_s = clock_.now() - t0;
    if (!why.empty()) {
      caption.translated = false;
      caption.text = source;
      core::log::warn("translation_failed", options_.session_id,
                      "translation failed; captioning in the source language",
                      {{"lang", caption.lang}, {"seq", caption.segment.seq}, {"error", why}});
    }
  }

  // Speech of `text` at kCaptionRate into *out; returns why it failed ("" when it did not).
  std::string speak(const std::string& text, const std::string& voice,
                    std::vector<std::int16_t>* out) {
    std::string why;
    auto synth = services_.synthesizer();
    if (synth.ok()) {
      auto speech = (*synth)->synthesize(text, voice);
      if (speech.ok() && speech->rate != kCaptionRate) {
        auto resampled = audio::resample(speech->samples, speech->rate, kCaptionRate);
        if (resampled.ok()) {
          *out = std::move(*resampled);
        } else {
          why = resampled.error().message;
        }
      } else if (speech.ok()) {
        *out = std::move(speech->samples);
      } else {
        why = speech.error().message;
      }
    } else {
      why = synth.error().message;
    }
    if (!why.empty()) {
      std::lock_guard lock(stats_mu_);
      ++stats_.synthesis_failures;
    }
    return why;
  }

  void synthesizeInto(Caption& caption) {
    if (!options_.synthesize || caption.text.empty()) return;
    const double t0 = clock_.now();
    const std::string voice =
        services_.voiceFor(caption.translated ? caption.lang : kSourceLanguage);
    std::string why = speak(caption.text, voice, &caption.audio);
    caption.timings.tts_s = clock_.now() - t0;
    if (!why.empty()) {
      core::log::warn("synthesis_failed", options_.session_id, "speech synthesis failed",
                      {{"lang", caption.lang}, {"seq", caption.segment.seq}, {"error", why}});
    }
  }

  const PipelineOptions options_;
  Services& services_;
  const core::Clock& clock_;
  SegmentCallback on_segment_;
  CaptionCallback on_caption_;
  std::unique_ptr<asr::RecognizerWorker> worker_;
  std::thread delivery_;
  std::thread captioner_;  // live timing only

  // Audio input (transport thread), guarded by push_mu_.
  mutable std::mutex push_mu_;
  bool finished_ = false;
  bool audio_started_ = false;
  double t0_ = 0;
  long long samples_pushed_ = 0;
  std::deque<std::pair<double, double>> push_times_;  // (audio end, pushed at session time)

  // Recognizer -> delivery queue, guarded by mu_.
  std::mutex mu_;
  std::condition_variable cv_;       // steps, commands or end of input
  std::condition_variable room_cv_;  // the step queue has room
  std::deque<RecognizerStep> steps_;
  std::deque<Command> commands_;
  bool input_done_ = false;

  // Delivery -> caption thread queue (live timing), guarded by caption_mu_.
  std::mutex caption_mu_;
  std::condition_variable caption_cv_;
  std::vector<PendingSegment> captions_pending_;  // at most options_.caption_queue entries
  std::vector<PendingLines> lines_pending_;
  bool captions_done_ = false;

  // Delivery thread only.
  std::optional<lines::LineTracker> tracker_;
  lines::LineConfig line_config_ = options_.line_config;  // delivery thread
  lines::LineConfig view_config_ = options_.line_config;  // caption stage
  std::vector<lines::SourceLine> line_updates_;           // gathered while the engine runs
  engine::Driver driver_;
  std::vector<std::string> targets_;
  asr::ArrivalModel arrival_model_;
  double last_ready_ = 0;                         // caption stage
  std::map<std::string, lines::LineView> views_;  // caption stage: one per language

  mutable std::mutex stats_mu_;
  PipelineStats stats_;
};

}  // namespace

core::Result<std::unique_ptr<SessionPipeline>> SessionPipeline::start(PipelineOptions options,
                                                                      Services& services,
                                                                      const core::Clock& clock,
                                                                      SegmentCallback on_segment,
                                                                      CaptionCallback on_caption) {
  if (options.session_id.empty()) options.session_id = "session";
  if (auto problems = options.engine.validate(); !problems.empty()) {
    return core::Error::invalid("invalid engine configuration: " + problems.front());
  }
  if (options.audio_queue_chunks < 1 || options.audio_queue_chunks > 100000) {
    return core::Error::invalid("audio_queue_chunks must be in [1, 100000] (got " +
                                std::to_string(options.audio_queue_chunks) + ")");
  }
  if (options.step_queue < 1 || options.step_queue > 100000) {
    return core::Error::invalid("step_queue must be in [1, 100000] (got " +
                                std::to_string(options.step_queue) + ")");
  }
  if (options.caption_queue < 1 || options.caption_queue > 100000) {
    return core::Error::invalid("caption_queue must be in [1, 100000] (got " +
                                std::to_string(options.caption_queue) + ")");
  }
  if (!(options.tick_interval_s > 0 && options.tick_interval_s <= 10)) {
    return core::Error::invalid("tick_interval_s must be in (0, 10] seconds");
  }
  auto recognizer = services.createRecognizer(options.grammar_path);
  if (!recognizer.ok()) return recognizer.error();
  auto pipeline = std::make_unique<PipelineImpl>(std::move(options), services, clock,
                                                 std::move(on_segment), std::move(on_caption));
  if (auto st = pipeline->start(std::move(*recognizer)); !st.ok()) return st.error();
  return std::unique_ptr<SessionPipeline>(std::move(pipeline));
}

}  // namespace parley::pipeline
