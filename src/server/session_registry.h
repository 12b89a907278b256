// SessionRegistry: the live sessions of a server and everything that happens to them, without
// sockets. It creates sessions (ID, speaker token, sticky flag decision, a row in the sessions
// table), starts a session's pipeline when its speaker connects, turns pipeline output into
// listener messages (per-language seq without gaps, appended durably to the transcript log before
// anything is sent, the last `history` captions replayed to late joiners), enforces the limits
// (listeners per session, session duration), applies flag changes to running sessions
// (SessionFlagTracker -> pipeline setMode(kFinalOnly)), ends sessions that are unused or whose
// speaker left long ago, and restores active sessions after a restart. A session's recognizer is
// loaded when its speaker connects and released (after draining) when the speaker leaves. The
// transport (http_server) calls it and gives it a MessageSink per connection.
//
// Threading: every method is thread-safe. Methods marked "blocking" wait for a pipeline to
// start or drain (up to seconds) and must not run on a network thread. Pipeline callbacks run
// on the pipelines' delivery threads; no lock is held while calling into a pipeline.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "flags/flag_source.h"
#include "obs/monitor.h"
#include "pipeline/session_pipeline.h"
#include "server/message_sink.h"
#include "server/session_ids.h"
#include "storage/store.h"

namespace parley::server {

struct RegistryOptions {
  std::size_t max_listeners = 500;  // per session
  double max_session_s = 7200;      // sessions end after this long
  int history = 20;                 // captions replayed to a late joiner, per language
  bool synthesize = true;           // synthesized speech for listeners
  std::string source_language = "en";
  std::vector<std::string> languages = {"es"};  // target languages a session may ask for
  double max_buffered_audio_s = 60;             // audio kept while a session's pipeline starts
  std::size_t max_sessions = 8;                 // active sessions; create() refuses beyond
  double unused_session_s = 600;    // a session no speaker ever connected to ends after this
  double speaker_idle_s = 1800;     // a session whose speaker left ends after this
  double complaint_window_s = 600;  // a listener's complaints count at most once per window
};

// What create() is asked for (POST /api/sessions).
struct SessionRequest {
  std::string source_language = "en";
  std::vector<std::string> targets = {"es"};
  bool public_transcript = false;  // the transcript may be read without a token
};

// A session the periodic tick found due to end, and why: "time_limit" (max_session_s),
// "unused" (no speaker within unused_session_s), "speaker_idle" (speaker gone speaker_idle_s).
struct ExpiredSession {
  std::string id;
  std::string reason;
};

using PipelineStarter = std::function<core::Result<std::unique_ptr<pipeline::SessionPipeline>>(
    pipeline::PipelineOptions, pipeline::SessionPipeline::SegmentCallback,
    pipeline::SessionPipeline::CaptionCallback)>;

struct CreatedSession {
  std::string id;
  std::string token;
};

// What became of a listener's complaint: counted (parley_listener_complaints_total, the rollback
// controller's complaints row) or only answered, with the reason (the `reason` label of
// parley_listener_complaints_rejected_total): "no_listener_key", "not_a_listener" (the key is
// not that of a listener connected to this session now), "repeated" (this listener's complaint
// already counted within complaint_window_s), "session_ended". Malformed complaints are
// "invalid_input" (invalidComplaint()).
struct ComplaintOutcome {
  bool counted = false;
  std::string reason;  // empty when counted
};

// The outcome of attaching a connection: close_code 0 means attached.
struct AttachResult {
  int close_code = 0;
  std::string reason;
  std::uint64_t connection_id = 0;
};

struct Session;

class SessionRegistry {
 public:
  // `clock` is the registry's only time source: now() (monotonic) times the pipelines and the
  // idle limits, wallTime() stamps sessions and captions and bounds a session's duration
  // (max_session_s, across restarts). nullptr: a SystemClock. Tests pass a ManualClock.
  SessionRegistry(RegistryOptions options, storage::Store& store, flags::FlagSource& flags,
                  obs::Monitor& monitor, PipelineStarter starter, RandomSource random,
                  const core::Clock* clock = nullptr);
  ~SessionRegistry();
  SessionRegistry(const SessionRegistry&) = delete;
  SessionRegistry& operator=(const SessionRegistry&) = delete;

  // Loads the active sessions of the store (after a restart); ends those past max_session_s.
  core::Status restore();

  // kInvalidInput names the offending field (source_language, targets: unknown or repeated
  // languages); kUnavailable when max_sessions are active (atSessionLimit()).
  core::Result<CreatedSession> create(const SessionRequest& request);
  core::Result<CreatedSession> create(std::string_view source_language,
                                      const std::vector<std::string>& targets) {
    return create(SessionRequest{std::string(source_language), targets, false});
  }
  bool atSessionLimit() const;
  bool exists(std::string_view id) const;
  bool checkToken(std::string_view id, std::string_view token) const;

  // Speaker connection. Token checked here: a wrong token is 4401 and nothing is processed.
  AttachResult attachSpeaker(std::string_view id, std::string_view token,
                             std::shared_ptr<MessageSink> sink);
  // Starts the session's pipeline if it has none (blocking). Audio that arrived meanwhile is
  // pushed in order once it runs.
  core::Status ensurePipeline(std::string_view id);
  // 16 kHz s16le mono samples from the speaker.
  void speakerAudio(std::string_view id, std::span<const std::int16_t> pcm);
  // "pause" | "resume"; anything else is kInvalidInput.
  core::Status speakerControl(std::string_view id, std::string_view type);
  // The speaker's connection closed (blocking): the pipeline is drained, the session stays
  // active so the speaker can reconnect.
  void speakerGone(std::string_view id, std::uint64_t connection_id);

  // A listener connection. Its first message, {"type":"ready","session_id","lang",
  // "listener_key"}, carries a key of 128 bits from the OS CSPRNG that identifies this listener
  // for HTTP complaints while it stays connected (forgotten by listenerGone()).
  AttachResult attachListener(std::string_view id, std::string_view lang,
                              std::shared_ptr<MessageSink> sink);
  void listenerGone(std::string_view id, std::uint64_t connection_id);

  // Ends a session (blocking): drains its pipeline, marks it ended in the store, tells every
  // listener {"type":"session_ended"} and closes them with 1000.
  core::Status end(std::string_view id, std::string_view reason);

  // A listener's problem report (the runbook's user-complaint signal). Only a listener
  // connected to the session can make one count, at most once per complaint_window_s (on the
  // Monitor's clock); anything else is answered with a reason and counted as rejected, so that
  // anonymous requests never move the rollout. `last_seq` < 0: not given.
  // POST /api/sessions/<id>/complaints: the listener is named by its listener_key (empty: none).
  // kNotFound for a session that never existed.
  core::Result<ComplaintOutcome> complaint(std::string_view id, std::string_view listener_key,
                                           std::string_view text, long long last_seq);
  // {"type":"complaint"} on the listener WebSocket `connection_id`.
  ComplaintOutcome listenerComplaint(std::string_view id, std::uint64_t connection_id,
                                     std::string_view text, long long last_seq);
  // A malformed complaint (wrongly typed fields): counted as rejected ("invalid_input") only.
  // kNotFound for a session that never existed.
  core::Status invalidComplaint(std::string_view id);

  // Applies the current flag snapshot and kill switch to running sessions.
  void applyFlags();

  // Periodic work (call about once a second): engine counters to the monitor; returns the
  // sessions due to end (the caller ends them with the reason given).
  std::vector<ExpiredSession> tick();

  // Graceful shutdown (blocking): drains every pipeline (their last captions are appended and
  // sent), closes every connection with 1001. Sessions stay active in the store.
  void shutdown();

  // JSON documents of the HTTP API.
  core::Result<std::string> describeJson(std::string_view id) const;  // GET /api/sessions/<id>
  std::string listJson() const;                                       // GET /api/sessions
  std::string latencyJson(double window_s) const;                     // GET /api/latency
  std::size_t activeCount() const;

 private:
  std::shared_ptr<Session> find(std::string_view id) const;
  void deliverSegment(const std::shared_ptr<Session>& s, const engine::Segment& segment);
  void deliverCaption(const std::shared_ptr<Session>& s, const pipeline::Caption& caption);
  void deliverLine(const std::shared_ptr<Session>& s, const pipeline::LineMessage& line);
  double latencySince(const Session& s, double audio_end, double fallback) const;
  void publish(Session& s, const std::string& lang, long long source_seq, const std::string& kind,
               const std::string& text, const std::string& source_text, double audio_start,
               double audio_end, double latency_s, const std::vector<std::int16_t>* audio);
  std::shared_ptr<Session> load(const storage::SessionRecord& record);
  // Counts or refuses a complaint of the listener connection_id (0: none), with s.mu held.
  ComplaintOutcome judgeComplaint(Session& s, std::uint64_t connection_id, std::string_view via,
                                  std::string_view text, long long last_seq);
  // The decision side of a session that is active or in the store (ended); kNotFound otherwise.
  core::Result<engine::Mode> sideOf(std::string_view id) const;

  RegistryOptions options_;
  storage::Store& store_;
  flags::FlagSource& flags_;
  obs::Monitor& monitor_;
  PipelineStarter starter_;
  RandomSource random_;
  core::SystemClock system_clock_;
  const core::Clock& clock_;  // every reading of time (see the constructor)

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Session>, std::less<>> sessions_;
  std::uint64_t next_connection_id_ = 1;

  mutable std::mutex latency_mu_;
  std::deque<std::pair<double, double>> latencies_;  // (unix time, seconds), last 10 minutes
};

}  // namespace parley::server
