#include "server/session_registry.h"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>

#include "audio/audio.h"
#include "core/hash.h"
#include "core/log.h"
#include "flags/report.h"
#include "flags/session_tracker.h"
#include "server/protocol.h"

namespace parley::server {

using Json = nlohmann::json;

namespace {

constexpr int kSampleRate = 16000;
constexpr std::size_t kLatencySamples = 2000;  // per session, for GET /api/sessions/<id>

struct LangState {
  long long seq = 0;  // last seq sent in this language
  std::deque<std::shared_ptr<const std::string>> history;
  // Caption lines: the last final lines, and the current revision of each open line.
  std::deque<std::shared_ptr<const std::string>> line_history;
  std::map<long long, std::shared_ptr<const std::string>> open_lines;
};

struct ListenerEntry {
  std::uint64_t id;
  std::string lang;
  std::shared_ptr<MessageSink> sink;
  std::string key;                     // listener_key of its "ready" message
  std::optional<double> last_counted;  // Monitor clock time of its last counted complaint
};

std::shared_ptr<const std::string> shared(std::string s) {
  return std::make_shared<const std::string>(std::move(s));
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto idx = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, idx == 0 ? 0 : idx - 1)];
}

Json latencySummary(const std::vector<double>& v) {
  Json j = Json::object();
  j["count"] = v.size();
  double sum = 0;
  for (double x : v) sum += x;
  j["mean_ms"] = v.empty() ? 0.0 : std::round(sum / static_cast<double>(v.size()) * 1000.0);
  j["p50_ms"] = std::round(percentile(v, 0.5) * 1000.0);
  j["p95_ms"] = std::round(percentile(v, 0.95) * 1000.0);
  return j;
}

// Rebuilds the sticky decision of a restored session from the JSON stored at creation.
flags::Decision decisionFromJson(const std::string& id, const std::string& text) {
  flags::Decision d;
  d.session_id = id;
  d.reason = flags::Reason::kStale;
  Json j = Json::parse(text, nullptr, false);
  if (!j.is_object()) return d;  // enabled=false: final-only, the safe side
  d.enabled = j.value("enabled", false);
  d.bucket = j.value("bucket", -1);
  d.rollout_percentage = j.value("rollout_percentage", 0);
  d.version = j.value("version", 0LL);
  if (j.contains("config") && j["config"].is_object()) {
    for (auto& [key, value] : j["config"].items()) {
      if (value.is_number()) {
        (void)engine::setConfigNumber(d.config, key, value.get<double>());
      } else if (value.is_string()) {
        (void)engine::setConfigValue(d.config, key, value.get<std::string>());
      }
    }
  }
  return d;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

struct Session {
  // Fixed at creation.
  std::string id;
  std::string token_hash;
  std::string source_language;
  std::vector<std::string> targets;
  double created_at = 0;  // Unix seconds
  bool public_transcript = false;
  flags::Decision decision;
  std::string decision_json;
  engine::Mode side = engine::Mode::kFinalOnly;

  mutable std::mutex mu;
  std::optional<flags::SessionFlagTracker> tracker;
  engine::Mode mode = engine::Mode::kFinalOnly;
  // The caption-line settings: from the session's decision at creation, then following flag
  // changes live (lines that start after a change follow it; engine keys stay as decided).
  lines::LineConfig line_config;
  std::shared_ptr<pipeline::SessionPipeline> pipeline;
  bool starting = false;
  std::condition_variable started_cv;                   // signalled when `starting` becomes false
  std::deque<std::vector<std::int16_t>> pending_audio;  // while the pipeline starts
  double pending_audio_s = 0;
  std::shared_ptr<MessageSink> speaker;
  std::uint64_t speaker_id = 0;
  std::map<std::string, LangState> langs;
  std::vector<ListenerEntry> listeners;
  bool paused = false;
  bool ending = false;
  double audio_offset = 0;    // session audio before the current pipeline (restarts, reconnects)
  long long line_offset = 0;  // lines of earlier pipelines: line numbers continue across them
  long long last_line = 0;    // highest line number sent (any language)
  double audio_pushed = 0;    // seconds pushed into the current pipeline
  // When each piece of session audio arrived: (session audio seconds at the end of a frame,
  // registry clock). Caption latency is measured against it: from the arrival of the speaker's
  // audio up to the caption's end to the moment the caption is sent.
  std::deque<std::pair<double, double>> arrivals;
  double audio_received = 0;  // session audio seconds received and kept
  std::vector<double> latencies;
  std::size_t latency_next = 0;
  engine::EngineStats last_stats;
  long long complaints = 0;
  long long dropped_audio_chunks = 0;
  // Idle limits, on the registry clock: since creation or restore, and since the speaker left.
  double idle_since = 0;
  bool had_speaker = false;

  bool allowsLang(std::string_view lang) const {
    return lang == source_language || contains(targets, lang);
  }
};

SessionRegistry::SessionRegistry(RegistryOptions options, storage::Store& store,
                                 flags::FlagSource& flags, obs::Monitor& monitor,
                                 PipelineStarter starter, RandomSource random,
                                 const core::Clock* clock)
    : options_(std::move(options)),
      store_(store),
      flags_(flags),
      monitor_(monitor),
      starter_(std::move(starter)),
      random_(std::move(random)),
      clock_(clock ? *clock : system_clock_) {}

SessionRegistry::~SessionRegistry() = default;

std::shared_ptr<Session> SessionRegistry::find(std::string_view id) const {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second;
}

bool SessionRegistry::exists(std::string_view id) const { return find(id) != nullptr; }

std::size_t SessionRegistry::activeCount() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

bool SessionRegistry::atSessionLimit() const { return activeCount() >= options_.max_sessions; }

std::shared_ptr<Session> SessionRegistry::load(const storage::SessionRecord& r) {
  auto s = std::make_shared<Session>();
  s->id = r.id;
  s->token_hash = r.token_hash;
  s->source_language = r.source_language;
  s->targets = r.targets;
  s->created_at = r.created_at;
  s->public_transcript = r.public_transcript;
  s->idle_since = clock_.now();
  s->decision_json = r.decision_json;
  s->decision = decisionFromJson(r.id, r.decision_json);
  s->side = s->decision.enabled ? engine::Mode::kPartial : engine::Mode::kFinalOnly;
  s->tracker.emplace(s->decision);
  s->mode = s->decision.mode();
  s->line_config = lines::lineConfigFrom(s->decision.config);
  s->langs[s->source_language];
  for (const auto& t : s->targets) s->langs[t];
  return s;
}

core::Status SessionRegistry::restore() {
  auto records = store_.sessions(true);
  if (!records.ok()) return records.error();
  double now = clock_.wallTime();
  for (const auto& r : *records) {
    if (now - r.created_at > options_.max_session_s) {
      (void)store_.endSession(r.id, "time_limit", now);
      continue;
    }
    auto s = load(r);
    auto seqs = store_.lastSeqs(r.id);
    if (!seqs.ok()) return seqs.error();
    for (const auto& [lang, seq] : *seqs) s->langs[lang].seq = seq;
    auto offset = store_.lastAudioEnd(r.id);
    if (!offset.ok()) return offset.error();
    s->audio_offset = *offset;
    s->audio_received = *offset;
    s->had_speaker = *offset > 0;  // its idle limit is the speaker's, counted from the restart
    auto last_line = store_.lastLine(r.id);
    if (!last_line.ok()) return last_line.error();
    s->last_line = *last_line;
    for (auto& [lang, state] : s->langs) {
      auto rows = store_.tail(r.id, lang, options_.history);
      if (!rows.ok()) return rows.error();
      for (const auto& e : *rows) {
        state.history.push_back(shared(protocol::caption(e, lang == s->source_language)));
      }
      auto finals = store_.lineTail(r.id, lang, options_.history);
      if (!finals.ok()) return finals.error();
      for (const auto& e : *finals) {
        state.line_history.push_back(
            shared(protocol::line(e, true, static_cast<long long>(e.text.size()))));
      }
    }
    monitor_.sessionStarted(s->side, s->id);
    core::log::info("session_restored", s->id, "session restored after restart",
                    {{"seq_es", s->langs.count("es") ? s->langs["es"].seq : 0LL},
                     {"audio_offset", s->audio_offset}});
    std::lock_guard lock(mu_);
    sessions_[s->id] = s;
  }
  return core::okStatus();
}

core::Result<CreatedSession> SessionRegistry::create(const SessionRequest& request) {
  const std::string& source_language = request.source_language;
  const auto& targets = request.targets;
  if (source_language != options_.source_language) {
    return core::Error::invalid("source_language must be \"" + options_.source_language +
                                "\" (got \"" + source_language + "\")");
  }
  if (targets.empty()) return core::Error::invalid("targets must list at least one language");
  std::vector<std::string> unique;
  for (const auto& t : targets) {
    if (!contains(options_.languages, t)) {
      std::string known;
      for (const auto& l : options_.languages) known += (known.empty() ? "" : ", ") + l;
      return core::Error::invalid("targets: language \"" + t +
                                  "\" is not available (available: " + known + ")");
    }
    if (contains(unique, t)) {
      return core::Error::invalid("targets: language \"" + t + "\" is listed twice");
    }
    unique.push_back(t);
  }
  storage::SessionRecord r;
  r.source_language = source_language;
  r.targets = unique;
  r.public_transcript = request.public_transcript;
  r.created_at = clock_.wallTime();
  CreatedSession created;
  created.token = makeToken(random_);
  r.token_hash = core::sha256Hex(created.token);
  for (int attempt = 0;; ++attempt) {
    if (attempt == 50) return core::Error::unavailable("could not find a free session ID");
    r.id = makeSessionId(random_);
    if (exists(r.id)) continue;
    flags::Decision d = flags_.decide(r.id);
    r.decision_json = flags::decisionJson(d);
    auto st = store_.createSession(r);
    if (!st.ok()) {
      if (st.error().code == core::ErrorCode::kInvalidInput) continue;  // ID used before
      monitor_.error("storage");
      return st.error();
    }
    auto s = load(r);
    s->decision = d;  // the live decision (reason CACHED, ...) rather than its JSON copy
    s->tracker.emplace(d);
    s->line_config = lines::lineConfigFrom(d.config);
    {
      std::lock_guard lock(mu_);
      if (sessions_.size() >= options_.max_sessions) {
        (void)store_.endSession(r.id, "session_limit", clock_.wallTime());
        return core::Error::unavailable("session limit reached (" +
                                        std::to_string(options_.max_sessions) + " active)");
      }
      sessions_[r.id] = s;
    }
    monitor_.sessionStarted(s->side, r.id);
    core::log::info(
        "session_created", r.id, "session created",
        {{"bucket", d.bucket}, {"enabled", d.enabled}, {"reason", flags::reasonName(d.reason)}});
    created.id = r.id;
    return created;
  }
}

bool SessionRegistry::checkToken(std::string_view id, std::string_view token) const {
  auto s = find(id);
  // Digests are compared, so the comparison's timing says nothing about the token itself.
  return s && !token.empty() && core::sha256Hex(token) == s->token_hash;
}

AttachResult SessionRegistry::attachSpeaker(std::string_view id, std::string_view token,
                                            std::shared_ptr<MessageSink> sink) {
  auto s = find(id);
  if (!s) return {kCloseNotFound, "unknown session", 0};
  if (token.empty() || core::sha256Hex(token) != s->token_hash) {
    core::log::warn("speaker_rejected", s->id, "speaker connection with a wrong token");
    return {kCloseUnauthorized, "wrong speaker token", 0};
  }
  std::lock_guard lock(s->mu);
  if (s->ending) return {kCloseGone, "session ended", 0};
  if (s->speaker) return {kCloseConflict, "a speaker is already connected", 0};
  std::uint64_t cid;
  {
    std::lock_guard rl(mu_);
    cid = next_connection_id_++;
  }
  s->speaker = std::move(sink);
  s->speaker_id = cid;
  s->paused = false;
  s->had_speaker = true;
  return {0, "", cid};
}

core::Status SessionRegistry::ensurePipeline(std::string_view id) {
  auto s = find(id);
  if (!s) return core::Error::notFound("unknown session");
  pipeline::PipelineOptions opts;
  {
    std::lock_guard lock(s->mu);
    if (s->pipeline || s->starting || s->ending) return core::okStatus();
    s->starting = true;
    opts.session_id = s->id;
    opts.engine = s->decision.config;
    opts.mode = s->mode;
    opts.targets = s->targets;
    opts.synthesize = options_.synthesize;
    opts.timing = pipeline::Timing::kClock;
    opts.line_config = s->line_config;
    opts.speech_from_lines = s->decision.config.caption_mode == engine::CaptionMode::kRevise;
    s->line_offset = s->last_line;  // a new pipeline numbers its lines from 1
  }
  std::weak_ptr<Session> weak = s;
  auto on_segment = [this, weak](const engine::Segment& seg) {
    if (auto sp = weak.lock()) deliverSegment(sp, seg);
  };
  auto on_caption = [this, weak](const pipeline::Caption& cap) {
    if (auto sp = weak.lock()) deliverCaption(sp, cap);
  };
  opts.on_line = [this, weak](const pipeline::LineMessage& line) {
    if (auto sp = weak.lock()) deliverLine(sp, line);
  };
  auto started = starter_(std::move(opts), on_segment, on_caption);
  if (!started.ok()) {
    std::lock_guard lock(s->mu);
    s->starting = false;
    s->pending_audio.clear();
    s->pending_audio_s = 0;
    s->started_cv.notify_all();
    monitor_.error(s->side, "asr");
    core::log::error("pipeline_start_failed", s->id, started.error().message);
    return started.error();
  }
  std::shared_ptr<pipeline::SessionPipeline> p = std::move(*started);
  // Audio that arrived during the start goes first, in order; new audio keeps being buffered
  // until the buffer is empty, then the pipeline is published under the lock.
  std::unique_lock lock(s->mu);
  if (s->mode != s->decision.mode()) p->setMode(s->mode);  // decided while starting
  s->audio_pushed = 0;
  while (!s->pending_audio.empty()) {
    std::deque<std::vector<std::int16_t>> pending;
    pending.swap(s->pending_audio);
    s->pending_audio_s = 0;
    lock.unlock();
    long long dropped = 0;
    double seconds = 0;
    for (const auto& chunk : pending) {
      if (!p->pushAudio(chunk).ok()) ++dropped;
      seconds += static_cast<double>(chunk.size()) / kSampleRate;
    }
    lock.lock();
    s->dropped_audio_chunks += dropped;
    s->audio_pushed += seconds;
  }
  s->pipeline = p;
  s->starting = false;
  s->started_cv.notify_all();
  lock.unlock();
  core::log::info("pipeline_started", s->id, "session pipeline started",
                  {{"mode", engine::modeName(s->mode)}});
  return core::okStatus();
}

void SessionRegistry::speakerAudio(std::string_view id, std::span<const std::int16_t> pcm) {
  auto s = find(id);
  if (!s || pcm.empty()) return;
  std::shared_ptr<pipeline::SessionPipeline> p;
  {
    std::lock_guard lock(s->mu);
    if (s->paused || s->ending) return;
    double seconds = static_cast<double>(pcm.size()) / kSampleRate;
    double now = clock_.now();
    auto arrived = [&] {
      s->audio_received += seconds;
      s->arrivals.emplace_back(s->audio_received, now);
      while (s->arrivals.size() > 1 && s->arrivals.front().second < now - 600) {
        s->arrivals.pop_front();
      }
    };
    if (!s->pipeline) {
      if (s->pending_audio_s + seconds <= options_.max_buffered_audio_s) {
        s->pending_audio.emplace_back(pcm.begin(), pcm.end());
        s->pending_audio_s += seconds;
        arrived();
      } else {
        ++s->dropped_audio_chunks;
      }
      return;
    }
    p = s->pipeline;
    s->audio_pushed += seconds;
    arrived();
  }
  if (!p->pushAudio(pcm).ok()) {
    std::lock_guard lock(s->mu);
    ++s->dropped_audio_chunks;
  }
}

core::Status SessionRegistry::speakerControl(std::string_view id, std::string_view type) {
  auto s = find(id);
  if (!s) return core::Error::notFound("unknown session");
  std::shared_ptr<MessageSink> speaker;
  {
    std::lock_guard lock(s->mu);
    if (type == "pause") {
      s->paused = true;
    } else if (type == "resume") {
      s->paused = false;
    } else {
      return core::Error::invalid("unknown control message type \"" + std::string(type) +
                                  "\" (expected pause, resume or end)");
    }
    speaker = s->speaker;
    if (speaker) speaker->send({shared(protocol::state(s->paused)), false, false});
  }
  return core::okStatus();
}

void SessionRegistry::speakerGone(std::string_view id, std::uint64_t connection_id) {
  auto s = find(id);
  if (!s) return;
  std::shared_ptr<pipeline::SessionPipeline> p;
  {
    std::lock_guard lock(s->mu);
    if (s->speaker_id != connection_id) return;
    s->speaker.reset();
    s->speaker_id = 0;
    s->idle_since = clock_.now();
    if (s->ending) return;  // end() drains the pipeline
    p = s->pipeline;
    s->pending_audio.clear();
    s->pending_audio_s = 0;
  }
  if (!p) return;
  p->finish();  // the last captions are delivered before it returns
  std::lock_guard lock(s->mu);
  if (s->pipeline == p) {
    s->audio_offset += s->audio_pushed;
    s->audio_pushed = 0;
    s->audio_received = s->audio_offset;
    s->arrivals.clear();
    s->pipeline.reset();
  }
}

AttachResult SessionRegistry::attachListener(std::string_view id, std::string_view lang,
                                             std::shared_ptr<MessageSink> sink) {
  auto s = find(id);
  if (!s) return {kCloseNotFound, "unknown session", 0};
  std::lock_guard lock(s->mu);
  if (s->ending) return {kCloseGone, "session ended", 0};
  if (!s->allowsLang(lang)) return {kCloseBadRequest, "language not offered by this session", 0};
  if (s->listeners.size() >= options_.max_listeners) {
    return {kCloseTooMany, "listener limit reached", 0};
  }
  std::uint64_t cid;
  {
    std::lock_guard rl(mu_);
    cid = next_connection_id_++;
  }
  // "ready" first: the documented signal that the listener is attached (counted against the
  // limit, receiving). Then, for a late joiner, the history before any new caption (same lock
  // as delivery).
  // listener_key names this listener in HTTP complaints while it is connected.
  std::string key = makeToken(random_);  // 128 bits from the OS CSPRNG
  sink->send({shared(protocol::listenerReady(s->id, lang, key)), false, false});
  LangState& ls = s->langs[std::string(lang)];
  for (const auto& msg : ls.history) sink->send({msg, false, false});
  for (const auto& msg : ls.line_history) sink->send({msg, false, false});
  for (const auto& [n, msg] : ls.open_lines) sink->send({msg, false, false});
  s->listeners.push_back({cid, std::string(lang), std::move(sink), std::move(key), std::nullopt});
  monitor_.listenerJoined(s->side);
  return {0, "", cid};
}

void SessionRegistry::listenerGone(std::string_view id, std::uint64_t connection_id) {
  auto s = find(id);
  if (!s) return;
  std::lock_guard lock(s->mu);
  auto it = std::find_if(s->listeners.begin(), s->listeners.end(),
                         [&](const ListenerEntry& l) { return l.id == connection_id; });
  if (it == s->listeners.end()) return;
  s->listeners.erase(it);
  monitor_.listenerLeft(s->side);
}

void SessionRegistry::deliverSegment(const std::shared_ptr<Session>& s,
                                     const engine::Segment& seg) {
  std::lock_guard lock(s->mu);
  double off = s->audio_offset;
  publish(*s, s->source_language, seg.seq, engine::segmentKindName(seg.kind), seg.text, seg.text,
          seg.audio_start + off, seg.audio_end + off, -1, nullptr);
}

// Called with s.mu held. Latency from the arrival of the audio up to `audio_end` (session
// audio seconds) to now; `fallback` (the pipeline's own figure) when that audio arrived before
// a restart.
double SessionRegistry::latencySince(const Session& s, double audio_end, double fallback) const {
  auto it =
      std::lower_bound(s.arrivals.begin(), s.arrivals.end(), audio_end - 1e-6,
                       [](const std::pair<double, double>& a, double t) { return a.first < t; });
  if (it == s.arrivals.end()) return std::max(0.0, fallback);
  return std::max(0.0, clock_.now() - it->second);
}

// Caption lines: a final revision is appended durably before it is sent (a failed append sends
// nothing); open lines are kept for late joiners, final ones as history.
void SessionRegistry::deliverLine(const std::shared_ptr<Session>& s,
                                  const pipeline::LineMessage& msg) {
  std::lock_guard lock(s->mu);
  const lines::Revision& r = msg.revision;
  const double off = s->audio_offset;
  const long long line = r.line + s->line_offset;
  const double latency = latencySince(*s, r.audio_end + off, msg.latency_s);
  storage::LineEntry e;
  e.session_id = s->id;
  e.lang = msg.lang;
  e.line = line;
  e.rev = r.rev;
  e.text = r.text;
  e.source_text = r.source_text;
  e.confirmed = r.confirmed;
  e.audio_start = r.audio_start + off;
  e.audio_end = r.audio_end + off;
  e.latency_s = latency;
  e.written_at = clock_.wallTime();
  if (r.final) {
    if (auto st = store_.appendLine(e); !st.ok()) {
      monitor_.error(s->side, "storage");
      core::log::error("line_append_failed", s->id, st.error().message,
                       {{"lang", msg.lang}, {"line", line}});
      return;
    }
  }
  auto text = shared(protocol::line(e, r.final, static_cast<long long>(r.stable_chars)));
  s->last_line = std::max(s->last_line, line);
  LangState& ls = s->langs[msg.lang];
  if (r.final) {
    ls.open_lines.erase(line);
    ls.line_history.push_back(text);
    while (ls.line_history.size() > static_cast<std::size_t>(options_.history)) {
      ls.line_history.pop_front();
    }
  } else {
    ls.open_lines[line] = text;
  }
  obs::LineRevisionFigures figures;
  figures.erased_tokens = r.erased_tokens;
  figures.settled_changed = r.settled_changed;
  figures.spoken_mismatch = r.spoken_mismatch;
  if (r.final)
    figures.final_tokens = static_cast<long long>(lines::comparisonTokens(r.text).size());
  figures.time_to_stable = r.time_to_stable;
  monitor_.lineRevision(s->side, figures);
  std::shared_ptr<const std::string> audio_head, wav;
  if (!msg.audio.empty() && options_.synthesize) {
    audio_head = shared(protocol::lineAudioHeader(msg.lang, line, r.rev));
    wav = shared(::parley::audio::encodeWav(msg.audio, kSampleRate));
  }
  for (const auto& l : s->listeners) {
    if (l.lang != msg.lang) continue;
    l.sink->send({text, false, false});
    if (wav) {
      l.sink->send({audio_head, false, true});
      l.sink->send({wav, true, true});
    }
  }
  if (msg.lang == s->source_language && s->speaker) s->speaker->send({text, false, false});
}

void SessionRegistry::deliverCaption(const std::shared_ptr<Session>& s,
                                     const pipeline::Caption& cap) {
  if (cap.lang == s->source_language) return;  // source text goes out with the segment
  std::lock_guard lock(s->mu);
  double off = s->audio_offset;
  double audio_end = cap.segment.audio_end + off;
  double latency = latencySince(*s, audio_end, cap.latency_s);
  publish(*s, cap.lang, cap.segment.seq, engine::segmentKindName(cap.segment.kind), cap.text,
          cap.segment.text, cap.segment.audio_start + off, audio_end, latency,
          cap.audio.empty() ? nullptr : &cap.audio);
  if (cap.segments > 1) monitor_.captionsCoalesced(s->side, cap.segments - 1);
  if (!s->targets.empty() && cap.lang == s->targets.front()) {
    monitor_.observeWordLatency(s->side, latency);
    if (s->latencies.size() < kLatencySamples) {
      s->latencies.push_back(latency);
    } else {
      s->latencies[s->latency_next++ % kLatencySamples] = latency;
    }
    std::lock_guard ll(latency_mu_);
    double now = clock_.wallTime();
    latencies_.emplace_back(now, latency);
    while (!latencies_.empty() && latencies_.front().first < now - 600) latencies_.pop_front();
  }
}

// Called with s.mu held: append durably, then send. A failed append sends nothing (what a
// listener received is always in the transcript) and does not use up the seq.
void SessionRegistry::publish(Session& s, const std::string& lang, long long source_seq,
                              const std::string& kind, const std::string& text,
                              const std::string& source_text, double audio_start, double audio_end,
                              double latency_s, const std::vector<std::int16_t>* audio) {
  if (text.empty()) return;
  LangState& ls = s.langs[lang];
  storage::TranscriptEntry e;
  e.session_id = s.id;
  e.lang = lang;
  e.seq = ls.seq + 1;
  e.source_seq = source_seq;
  e.kind = kind;
  e.text = text;
  e.source_text = source_text;
  e.audio_start = audio_start;
  e.audio_end = audio_end;
  e.latency_s = std::max(0.0, latency_s);
  e.written_at = clock_.wallTime();
  if (auto st = store_.append(e); !st.ok()) {
    monitor_.error(s.side, "storage");
    core::log::error("transcript_append_failed", s.id, st.error().message,
                     {{"lang", lang}, {"seq", e.seq}});
    return;
  }
  ls.seq = e.seq;
  protocol::Caption c;
  c.seq = e.seq;
  c.lang = lang;
  c.kind = kind;
  c.source_text = source_text;
  c.text = text;
  c.audio_start = audio_start;
  c.audio_end = audio_end;
  if (latency_s >= 0) c.latency_s = latency_s;  // negative: unknown (source language)
  auto msg = shared(protocol::caption(c));
  ls.history.push_back(msg);
  while (ls.history.size() > static_cast<std::size_t>(options_.history)) ls.history.pop_front();
  std::shared_ptr<const std::string> audio_head, wav;
  if (audio && options_.synthesize) {
    audio_head = shared(protocol::audioHeader(e.seq, lang));
    wav = shared(::parley::audio::encodeWav(*audio, kSampleRate));
  }
  for (const auto& l : s.listeners) {
    if (l.lang != lang) continue;
    l.sink->send({msg, false, false});
    if (wav) {
      l.sink->send({audio_head, false, true});
      l.sink->send({wav, true, true});
    }
  }
  if (lang == s.source_language && s.speaker) s.speaker->send({msg, false, false});
}

core::Status SessionRegistry::end(std::string_view id, std::string_view reason) {
  auto s = find(id);
  if (!s) return core::Error::notFound("unknown session");
  std::shared_ptr<pipeline::SessionPipeline> p;
  {
    std::lock_guard lock(s->mu);
    if (s->ending) return core::okStatus();
    s->ending = true;
  }
  {
    // A pipeline still starting holds the session's first audio: wait for it, then drain it.
    std::unique_lock lock(s->mu);
    s->started_cv.wait(lock, [&] { return !s->starting; });
    p = s->pipeline;
  }
  if (p) p->finish();
  double now = clock_.wallTime();
  auto st = store_.endSession(s->id, reason, now);
  if (!st.ok() && st.error().code != core::ErrorCode::kNotFound) {
    monitor_.error(s->side, "storage");
    core::log::error("session_end_failed", s->id, st.error().message);
  }
  auto ended = shared(protocol::sessionEnded(reason));
  {
    std::lock_guard lock(s->mu);
    for (const auto& l : s->listeners) {
      l.sink->send({ended, false, false});
      l.sink->close(kCloseNormal, "session ended");
      monitor_.listenerLeft(s->side);
    }
    s->listeners.clear();
    if (s->speaker) {
      s->speaker->send({ended, false, false});
      s->speaker->close(kCloseNormal, "session ended");
    }
    s->speaker.reset();
    s->pipeline.reset();
  }
  {
    std::lock_guard lock(mu_);
    sessions_.erase(s->id);
  }
  monitor_.sessionEnded(s->side, s->id);
  core::log::info("session_ended", s->id, "session ended", {{"reason", std::string(reason)}});
  return core::okStatus();
}

core::Result<engine::Mode> SessionRegistry::sideOf(std::string_view id) const {
  if (auto s = find(id)) return s->side;
  auto rec = store_.session(id);
  if (!rec.ok()) return rec.error();
  if (!rec->has_value()) return core::Error::notFound("unknown session");
  return decisionFromJson(std::string(id), (**rec).decision_json).enabled
             ? engine::Mode::kPartial
             : engine::Mode::kFinalOnly;
}

ComplaintOutcome SessionRegistry::judgeComplaint(Session& s, std::uint64_t connection_id,
                                                 std::string_view via, std::string_view text,
                                                 long long last_seq) {
  auto it = std::find_if(s.listeners.begin(), s.listeners.end(),
                         [&](const ListenerEntry& l) { return l.id == connection_id; });
  ComplaintOutcome out;
  if (s.ending) {
    out.reason = "session_ended";
  } else if (connection_id == 0 || it == s.listeners.end()) {
    out.reason = "not_a_listener";
  } else {
    double now = monitor_.now();
    if (it->last_counted && now - *it->last_counted < options_.complaint_window_s) {
      out.reason = "repeated";
    } else {
      it->last_counted = now;
      out.counted = true;
    }
  }
  if (!out.counted) {
    monitor_.complaintRejected(s.side, out.reason);
    core::log::debug("listener_complaint_rejected", s.id, "complaint answered, not counted",
                     {{"reason", out.reason}, {"via", std::string(via)}});
    return out;
  }
  ++s.complaints;
  monitor_.complaint(s.side, s.id + "/" + std::to_string(connection_id));
  core::log::warn("listener_complaint", s.id, "listener reported a problem",
                  {{"lang", it->lang},
                   {"via", std::string(via)},
                   {"last_seq", last_seq},
                   {"text", std::string(text.substr(0, 500))}});
  return out;
}

core::Result<ComplaintOutcome> SessionRegistry::complaint(std::string_view id,
                                                          std::string_view listener_key,
                                                          std::string_view text,
                                                          long long last_seq) {
  auto s = find(id);
  if (!s) {
    auto side = sideOf(id);  // ended (in the store) or unknown (kNotFound)
    if (!side.ok()) return side.error();
    monitor_.complaintRejected(*side, "session_ended");
    return ComplaintOutcome{false, "session_ended"};
  }
  std::lock_guard lock(s->mu);
  if (listener_key.empty() && !s->ending) {
    monitor_.complaintRejected(s->side, "no_listener_key");
    core::log::debug("listener_complaint_rejected", s->id, "complaint answered, not counted",
                     {{"reason", "no_listener_key"}, {"via", "http"}});
    return ComplaintOutcome{false, "no_listener_key"};
  }
  std::uint64_t cid = 0;
  for (const auto& l : s->listeners) {
    if (!l.key.empty() && secureEquals(l.key, listener_key)) cid = l.id;
  }
  return judgeComplaint(*s, cid, "http", text, last_seq);
}

ComplaintOutcome SessionRegistry::listenerComplaint(std::string_view id,
                                                    std::uint64_t connection_id,
                                                    std::string_view text, long long last_seq) {
  auto s = find(id);
  if (!s) {
    auto side = sideOf(id);
    if (side.ok()) monitor_.complaintRejected(*side, "session_ended");
    return {false, "session_ended"};
  }
  std::lock_guard lock(s->mu);
  return judgeComplaint(*s, connection_id, "websocket", text, last_seq);
}

core::Status SessionRegistry::invalidComplaint(std::string_view id) {
  auto side = sideOf(id);
  if (!side.ok()) return side.error();
  monitor_.complaintRejected(*side, "invalid_input");
  return core::okStatus();
}

void SessionRegistry::applyFlags() {
  auto snap = flags_.snapshot();
  if (!snap) return;
  bool killed = flags_.killSwitchActive();
  const lines::LineConfig line_config = lines::lineConfigFrom(snap->config);
  std::vector<std::shared_ptr<Session>> all;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, s] : sessions_) all.push_back(s);
  }
  for (auto& s : all) {
    std::shared_ptr<pipeline::SessionPipeline> p;
    bool to_final_only = false;
    bool lines_changed = false;
    {
      std::lock_guard lock(s->mu);
      if (!s->tracker) continue;
      p = s->pipeline;
      auto d = s->tracker->onSnapshot(*snap, killed);
      if (d && s->mode != engine::Mode::kFinalOnly) {
        s->mode = engine::Mode::kFinalOnly;
        to_final_only = true;
        core::log::info("session_final_only", s->id, "flag change: session switches to final-only",
                        {{"reason", flags::reasonName(d->reason)}});
      }
      if (line_config != s->line_config) {
        s->line_config = line_config;
        lines_changed = true;
        core::log::info("session_line_settings", s->id,
                        "flag change: the next caption lines follow the new line settings",
                        {{"line_policy", lines::displayPolicyName(line_config.policy)},
                         {"line_mask_k", line_config.mask_k},
                         {"speak_min_words", line_config.speak_min_words}});
      }
    }
    if (p && to_final_only) p->setMode(engine::Mode::kFinalOnly);
    if (p && lines_changed) p->setLineConfig(line_config);
  }
}

std::vector<ExpiredSession> SessionRegistry::tick() {
  std::vector<std::shared_ptr<Session>> all;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, s] : sessions_) all.push_back(s);
  }
  std::vector<ExpiredSession> expired;
  double now = clock_.wallTime();
  double mono = clock_.now();
  for (auto& s : all) {
    std::shared_ptr<pipeline::SessionPipeline> p;
    {
      std::lock_guard lock(s->mu);
      if (s->ending) continue;
      p = s->pipeline;
      bool idle = !s->speaker && !p && !s->starting;
      if (now - s->created_at > options_.max_session_s) {
        expired.push_back({s->id, "time_limit"});
      } else if (idle && !s->had_speaker && mono - s->idle_since > options_.unused_session_s) {
        expired.push_back({s->id, "unused"});
      } else if (idle && s->had_speaker && mono - s->idle_since > options_.speaker_idle_s) {
        expired.push_back({s->id, "speaker_idle"});
      }
    }
    if (!p) continue;
    auto stats = p->stats();
    std::lock_guard lock(s->mu);
    monitor_.observeEngineStats(s->side, obs::statsDelta(stats.engine, s->last_stats));
    s->last_stats = stats.engine;
  }
  return expired;
}

void SessionRegistry::shutdown() {
  std::vector<std::shared_ptr<Session>> all;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, s] : sessions_) all.push_back(s);
  }
  for (auto& s : all) {
    std::shared_ptr<pipeline::SessionPipeline> p;
    {
      std::unique_lock lock(s->mu);
      s->ending = true;  // no new connections or audio
      s->started_cv.wait(lock, [&] { return !s->starting; });
      p = s->pipeline;
    }
    if (p) p->finish();
    auto bye = shared(protocol::serverShutdown());
    std::lock_guard lock(s->mu);
    for (const auto& l : s->listeners) {
      l.sink->send({bye, false, false});
      l.sink->close(kCloseGoingAway, "server shutting down");
    }
    if (s->speaker) s->speaker->close(kCloseGoingAway, "server shutting down");
    s->listeners.clear();
    s->speaker.reset();
    s->pipeline.reset();
  }
}

core::Result<std::string> SessionRegistry::describeJson(std::string_view id) const {
  Json j = Json::object();
  auto s = find(id);
  if (!s) {
    auto rec = store_.session(id);
    if (!rec.ok()) return rec.error();
    if (!rec->has_value()) return core::Error::notFound("unknown session");
    const auto& r = **rec;
    j["session_id"] = r.id;
    j["state"] = storage::sessionStateName(r.state);
    j["source_language"] = r.source_language;
    j["targets"] = r.targets;
    j["created_at"] = r.created_at;
    j["ended_at"] = r.ended_at;
    j["end_reason"] = r.end_reason;
    j["decision"] = Json::parse(r.decision_json, nullptr, false);
    j["listeners"] = Json::object();
    j["listener_total"] = 0;
    return j.dump();
  }
  std::lock_guard lock(s->mu);
  j["session_id"] = s->id;
  j["state"] = s->ending ? "ending" : "active";
  j["source_language"] = s->source_language;
  j["targets"] = s->targets;
  j["created_at"] = s->created_at;
  j["mode"] = engine::modeName(s->mode);
  Json d = Json::parse(s->decision_json, nullptr, false);
  if (d.is_object()) d.erase("config");
  j["decision"] = d;
  Json counts = Json::object();
  for (const auto& [lang, ls] : s->langs) counts[lang] = 0;
  for (const auto& l : s->listeners) counts[l.lang] = counts[l.lang].get<int>() + 1;
  j["listeners"] = counts;
  j["listener_total"] = s->listeners.size();
  j["speaker_connected"] = static_cast<bool>(s->speaker);
  j["paused"] = s->paused;
  Json seqs = Json::object();
  for (const auto& [lang, ls] : s->langs) seqs[lang] = ls.seq;
  j["last_seq"] = seqs;
  j["latency"] = latencySummary(s->latencies);
  j["complaints"] = s->complaints;
  j["dropped_audio_chunks"] = s->dropped_audio_chunks;
  j["audio_seconds"] = s->audio_offset + s->audio_pushed;
  return j.dump();
}

std::string SessionRegistry::listJson() const {
  std::vector<std::string> ids;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, s] : sessions_) ids.push_back(id);
  }
  Json arr = Json::array();
  for (const auto& id : ids) {
    auto one = describeJson(id);
    if (one.ok()) arr.push_back(Json::parse(*one));
  }
  return Json({{"sessions", arr}}).dump();
}

std::string SessionRegistry::latencyJson(double window_s) const {
  std::lock_guard lock(latency_mu_);
  double now = clock_.wallTime();
  Json points = Json::array();
  std::vector<double> all;
  for (const auto& [t, v] : latencies_) {
    if (t < now - window_s) continue;
    points.push_back({std::round((t - now) * 10) / 10, std::lround(v * 1000.0)});
    all.push_back(v);
  }
  Json j = latencySummary(all);
  j["window_s"] = window_s;
  j["points"] = points;  // [seconds relative to now, latency ms]
  return j.dump();
}

}  // namespace parley::server
