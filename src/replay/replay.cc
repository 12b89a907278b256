#include "replay/replay.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "engine/driver.h"
#include "flags/decision.h"
#include "flags/session_tracker.h"

namespace parley::replay {

using ingest::LineError;
using ingest::TraceHeader;
using ingest::TraceItem;

namespace {

using nlohmann::json;

// After the last line, the pending deadlines are ticked (at most this many) before finish().
constexpr int kMaxTrailingTicks = 1000;

std::string seconds(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3fs", v);
  return buf;
}

class Replayer {
 public:
  Replayer(const ReplayOptions& options, const ReplayCallbacks& callbacks, ReplayResult& result)
      : options_(options), callbacks_(callbacks), result_(result) {}

  void onHeader(const TraceHeader& header) { result_.header = header; }

  void onItem(const TraceItem& item) {
    engine::Driver& driver = ensureDriver();
    ++result_.items;
    const double t = std::max(item.t, driver.now());
    switch (item.type) {
      case TraceItem::Type::kEvent:
        ++result_.events;
        if (callbacks_.on_event) callbacks_.on_event(item.event, t);
        driver.event(item.event, t);
        break;
      case TraceItem::Type::kAudio:
        driver.audio(item.audio_time, t);
        break;
      case TraceItem::Type::kMode: {
        driver.advanceTo(t);
        auto mode = engine::parseMode(item.mode);
        if (!mode) {
          reject(item.line, mode.error().message);
          break;
        }
        requested_ = *mode;
        applyEffectiveMode(t);
        break;
      }
      case TraceItem::Type::kFlag:
        driver.advanceTo(t);
        applyFlag(item, t);
        break;
    }
  }

  void onError(const LineError& error) { reject(error.line, error.reason); }

  void finish() {
    engine::Driver& driver = ensureDriver();
    driver.tickPending(kMaxTrailingTicks);
    driver.finish(driver.now());
    result_.end_time = driver.now();
    result_.end_mode = effectiveMode();
    result_.stats = driver.engine().stats();
    result_.latency = core::summarize(std::move(latencies_));
  }

 private:
  engine::Driver& ensureDriver() {
    if (driver_) return *driver_;
    result_.session_id = !options_.session_id.empty() ? options_.session_id
                         : result_.header && !result_.header->session_id.empty()
                             ? result_.header->session_id
                             : "replay";
    // The session's decision, taken once at its start (as in `parley serve`): the trace's flag
    // starts at {"enabled":true,"rollout_percentage":100}.
    tracker_.emplace(flags::decide(flag_, result_.session_id, options_.kill_switch));
    result_.start_mode = effectiveMode();
    driver_.emplace(result_.session_id, options_.config, result_.start_mode);
    driver_->setOutputHandler([this](engine::Output& out) { take(out); });
    current_ = result_.start_mode;
    return *driver_;
  }

  // Partial only when both the trace's mode lines and the session's flag decision allow it.
  engine::Mode effectiveMode() const {
    const bool partial =
        requested_ == engine::Mode::kPartial && tracker_->mode() == engine::Mode::kPartial;
    return partial ? engine::Mode::kPartial : engine::Mode::kFinalOnly;
  }

  void applyEffectiveMode(double t) {
    engine::Mode mode = effectiveMode();
    if (mode == current_) return;
    current_ = mode;
    driver_->setMode(mode, t);
  }

  void applyFlag(const TraceItem& item, double t) {
    json patch = json::parse(item.flag_json, nullptr, false);
    if (!patch.is_object()) {
      reject(item.line, "flag must be a JSON object");
      return;
    }
    // parseTraceLine has checked the types; check again, this may come from elsewhere.
    if (auto it = patch.find("enabled"); it != patch.end()) {
      if (!it->is_boolean()) {
        reject(item.line, "flag.enabled must be true or false");
        return;
      }
      flag_.enabled = it->get<bool>();
    }
    if (auto it = patch.find("rollout_percentage"); it != patch.end()) {
      if (!it->is_number_integer() || it->get<long long>() < 0 || it->get<long long>() > 100) {
        reject(item.line, "flag.rollout_percentage must be an integer in [0, 100]");
        return;
      }
      flag_.rollout_percentage = static_cast<int>(it->get<long long>());
    }
    // Decisions are sticky (flags::SessionFlagTracker): a disable or a decrease that leaves the
    // session out turns it off for good; a later enable or increase does not turn it back on.
    if (tracker_->onSnapshot(flag_, options_.kill_switch)) applyEffectiveMode(t);
  }

  // The driver's output after each engine call (notices already stamped with the engine time
  // and the session ID).
  void take(engine::Output& out) {
    for (const auto& rec : out.notices) {
      if (callbacks_.on_notice) callbacks_.on_notice(rec);
    }
    for (auto& seg : out.segments) {
      ++result_.segment_count;
      for (const auto& w : seg.words) {
        if (w.kind == engine::WordKind::kWord) latencies_.push_back(seg.emitted_at - w.end);
      }
      if (callbacks_.on_segment) callbacks_.on_segment(seg);
      if (options_.collect_segments) result_.segments.push_back(std::move(seg));
    }
  }

  void reject(int line, std::string reason) {
    LineError error{line, std::move(reason)};
    if (callbacks_.on_error) callbacks_.on_error(error);
    result_.errors.push_back(std::move(error));
  }

  const ReplayOptions& options_;
  const ReplayCallbacks& callbacks_;
  ReplayResult& result_;
  std::optional<engine::Driver> driver_;
  engine::Mode requested_ = options_.mode;
  engine::Mode current_ = engine::Mode::kPartial;
  // The trace's flag value as flag lines patch it: an operator's change, so authoritative
  // (source CACHED, like a value read from the parameter store).
  flags::FlagSnapshot flag_ = [] {
    flags::FlagSnapshot s;
    s.source = flags::Source::kCached;
    return s;
  }();
  std::optional<flags::SessionFlagTracker> tracker_;
  std::vector<double> latencies_;
};

}  // namespace

ReplayResult replayTrace(std::istream& in, const ReplayOptions& options,
                         const ReplayCallbacks& callbacks) {
  ReplayResult result;
  Replayer replayer(options, callbacks, result);
  ingest::TraceCallbacks trace;
  trace.on_header = [&](const TraceHeader& h) { replayer.onHeader(h); };
  trace.on_item = [&](const TraceItem& item) { replayer.onItem(item); };
  trace.on_error = [&](const LineError& e) { replayer.onError(e); };
  ingest::readTrace(in, trace);
  replayer.finish();
  return result;
}

std::string formatReplaySummary(const ReplayResult& r) {
  std::string out = "replay: events=" + std::to_string(r.events) +
                    " segments=" + std::to_string(r.segment_count) +
                    " words=" + std::to_string(r.latency.count);
  if (r.latency.count > 0) {
    out += " latency_mean=" + seconds(r.latency.mean) + " p50=" + seconds(r.latency.p50) +
           " p95=" + seconds(r.latency.p95);
  } else {
    out += " latency_mean=n/a p50=n/a p95=n/a";
  }
  out += " (session " + r.session_id + ", mode " + engine::modeName(r.start_mode);
  if (r.end_mode != r.start_mode) out += std::string(" -> ") + engine::modeName(r.end_mode);
  out += ")";
  if (!r.errors.empty()) out += " rejected_lines=" + std::to_string(r.errors.size());
  return out;
}

}  // namespace parley::replay
