#include "server/session_registry.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "core/hash.h"
#include "flags/rollout.h"
#include "server/tests/fakes.h"

namespace parley::server {
namespace {

using Json = nlohmann::json;
using testing::FakePipeline;
using testing::RecordingSink;

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("parley_registry_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    store_ = storage::Store::open({(dir_ / "sessions.db").string(), "Sessions", true}).value();
    flags::FlagEnvironment env;
    flags_ = flags::openFlagSource("static:", env).value();
    flags_->refresh();
    monitor_ = std::make_unique<obs::Monitor>(clock_);
    options_.max_listeners = 3;
    registry_ = makeRegistry();
  }

  std::unique_ptr<SessionRegistry> makeRegistry() {
    return std::make_unique<SessionRegistry>(
        options_, *store_, *flags_, *monitor_,
        [this](pipeline::PipelineOptions o, pipeline::SessionPipeline::SegmentCallback s,
               pipeline::SessionPipeline::CaptionCallback c)
            -> core::Result<std::unique_ptr<pipeline::SessionPipeline>> {
          auto p = std::make_unique<FakePipeline>(std::move(o), std::move(s), std::move(c));
          pipelines_.push_back(p.get());
          return std::unique_ptr<pipeline::SessionPipeline>(std::move(p));
        },
        systemRandomSource(), &clock_);
  }

  void speak(const std::string& id, int chunks) {
    std::vector<std::int16_t> pcm(1600, 0);
    for (int i = 0; i < chunks; ++i) registry_->speakerAudio(id, pcm);
  }

  static std::vector<long long> seqs(RecordingSink& sink) {
    std::vector<long long> out;
    for (const auto& t : sink.text) {
      Json j = Json::parse(t);
      if (j["type"] == "caption") out.push_back(j["seq"].get<long long>());
    }
    return out;
  }

  // The listener_key of a listener's {"type":"ready"} message.
  static std::string keyOf(RecordingSink& sink) {
    Json ready = Json::parse(sink.text.at(0));
    EXPECT_EQ(ready["type"], "ready");
    return ready.value("listener_key", std::string());
  }

  // Distinct complaining listeners the rollback controller sees (both sides).
  int complainingListeners() {
    auto in = monitor_->controllerInput(100, true, obs::ControllerConfig{});
    return in.canary.complaining_listeners + in.baseline.complaining_listeners;
  }

  std::string metrics() const { return monitor_->metricsText(); }

  std::filesystem::path dir_;
  core::ManualClock clock_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<flags::FlagSource> flags_;
  std::unique_ptr<obs::Monitor> monitor_;
  RegistryOptions options_;
  std::vector<FakePipeline*> pipelines_;
  std::unique_ptr<SessionRegistry> registry_;
};

TEST_F(RegistryTest, CreateValidatesAndStoresSession) {
  EXPECT_EQ(registry_->create("fr", {"es"}).error().code, core::ErrorCode::kInvalidInput);
  auto bad = registry_->create("en", {"de"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("\"de\" is not available"), std::string::npos);
  EXPECT_FALSE(registry_->create("en", {}).ok());
  auto created = registry_->create("en", {"es"});
  ASSERT_TRUE(created.ok());
  EXPECT_TRUE(looksLikeSessionId(created->id));
  auto rec = store_->session(created->id);
  ASSERT_TRUE(rec.ok() && rec->has_value());
  EXPECT_EQ((**rec).token_hash, core::sha256Hex(created->token));
  EXPECT_NE((**rec).token_hash, created->token);
  Json info = Json::parse(*registry_->describeJson(created->id));
  EXPECT_EQ(info["decision"]["bucket"], core::bucketOf(created->id));
  EXPECT_EQ(info["decision"]["reason"], "STATIC");
  EXPECT_EQ(info["state"], "active");
}

TEST_F(RegistryTest, RepeatedTargetsAndPublicTranscript) {
  auto twice = registry_->create("en", {"es", "es"});
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, core::ErrorCode::kInvalidInput);
  EXPECT_NE(twice.error().message.find("\"es\" is listed twice"), std::string::npos);
  SessionRequest open;
  open.public_transcript = true;
  auto created = registry_->create(open);
  ASSERT_TRUE(created.ok());
  EXPECT_TRUE(store_->session(created->id).value()->public_transcript);
  EXPECT_FALSE(store_->session(registry_->create("en", {"es"})->id).value()->public_transcript);
}

TEST_F(RegistryTest, SessionLimit) {
  options_.max_sessions = 2;
  registry_ = makeRegistry();
  ASSERT_TRUE(registry_->create("en", {"es"}).ok());
  EXPECT_FALSE(registry_->atSessionLimit());
  auto second = registry_->create("en", {"es"});
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(registry_->atSessionLimit());
  auto third = registry_->create("en", {"es"});
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code, core::ErrorCode::kUnavailable);
  EXPECT_EQ(registry_->activeCount(), 2u);
  ASSERT_TRUE(registry_->end(second->id, "deleted").ok());
  EXPECT_FALSE(registry_->atSessionLimit());
  EXPECT_TRUE(registry_->create("en", {"es"}).ok());
}

// No pipeline is loaded before a speaker connects; sessions nobody speaks in end after
// unused_session_s, and sessions whose speaker left end after speaker_idle_s (manual clock).
TEST_F(RegistryTest, UnusedAndIdleSessionsEnd) {
  options_.unused_session_s = 60;
  options_.speaker_idle_s = 300;
  options_.max_session_s = 1e6;  // the time limit is SessionTimeLimitOnTheInjectedClock's
  registry_ = makeRegistry();
  auto unused = *registry_->create("en", {"es"});
  auto spoken = *registry_->create("en", {"es"});
  EXPECT_TRUE(pipelines_.empty());  // creation loads nothing
  auto speaker = std::make_shared<RecordingSink>();
  auto attached = registry_->attachSpeaker(spoken.id, spoken.token, speaker);
  ASSERT_EQ(attached.close_code, 0);
  ASSERT_TRUE(registry_->ensurePipeline(spoken.id).ok());
  EXPECT_EQ(pipelines_.size(), 1u);

  auto due = [&] {
    std::map<std::string, std::string> out;
    for (auto& e : registry_->tick()) out[e.id] = e.reason;
    return out;
  };
  clock_.advance(59);
  EXPECT_TRUE(due().empty());
  clock_.advance(2);
  EXPECT_EQ(due(), (std::map<std::string, std::string>{{unused.id, "unused"}}));
  ASSERT_TRUE(registry_->end(unused.id, "unused").ok());

  clock_.advance(10000);  // a connected speaker keeps its session, however long it talks
  EXPECT_TRUE(due().empty());
  registry_->speakerGone(spoken.id, attached.connection_id);
  clock_.advance(299);
  EXPECT_TRUE(due().empty());
  // The speaker may come back within the limit, which restarts the count when it leaves again.
  auto again = registry_->attachSpeaker(spoken.id, spoken.token, speaker);
  ASSERT_EQ(again.close_code, 0);
  registry_->speakerGone(spoken.id, again.connection_id);
  clock_.advance(299);
  EXPECT_TRUE(due().empty());
  clock_.advance(2);
  EXPECT_EQ(due(), (std::map<std::string, std::string>{{spoken.id, "speaker_idle"}}));
}

// A session ends at max_session_s after its creation, talking or not, and a restart does not
// reset the count: the limit is on the registry clock's wall time (here the manual clock's).
TEST_F(RegistryTest, SessionTimeLimitOnTheInjectedClock) {
  options_.max_session_s = 3600;
  options_.unused_session_s = 1e6;  // the second session is never spoken in
  registry_ = makeRegistry();
  auto talking = *registry_->create("en", {"es"});
  auto speaker = std::make_shared<RecordingSink>();
  ASSERT_EQ(registry_->attachSpeaker(talking.id, talking.token, speaker).close_code, 0);
  ASSERT_TRUE(registry_->ensurePipeline(talking.id).ok());
  clock_.advance(1800);
  auto later = *registry_->create("en", {"es"});
  auto due = [&] {
    std::map<std::string, std::string> out;
    for (auto& e : registry_->tick()) out[e.id] = e.reason;
    return out;
  };
  clock_.advance(1799);
  speak(talking.id, 1);
  EXPECT_TRUE(due().empty());
  clock_.advance(2);  // 3601 s after the first session's creation
  EXPECT_EQ(due(), (std::map<std::string, std::string>{{talking.id, "time_limit"}}));
  ASSERT_TRUE(registry_->end(talking.id, "time_limit").ok());

  // After a restart the second session keeps its creation time: restored at 3599 s of age, it
  // ends once past the limit; a restore past the limit ends it at once.
  registry_.reset();
  registry_ = makeRegistry();
  ASSERT_TRUE(registry_->restore().ok());
  EXPECT_TRUE(registry_->exists(later.id));
  clock_.advance(1800);
  EXPECT_EQ(due(), (std::map<std::string, std::string>{{later.id, "time_limit"}}));
  registry_.reset();
  registry_ = makeRegistry();
  ASSERT_TRUE(registry_->restore().ok());
  EXPECT_FALSE(registry_->exists(later.id));
  auto info = Json::parse(*registry_->describeJson(later.id));
  EXPECT_EQ(info["state"], "ended");
}

// One caption message (docs/protocol.md): source-language captions carry latency_ms null, live
// and restored alike; target-language captions carry their latency, live and restored alike.
TEST_F(RegistryTest, RestoredCaptionsAreTheLiveOnes) {
  auto c = *registry_->create("en", {"es"});
  ASSERT_EQ(registry_->attachSpeaker(c.id, c.token, std::make_shared<RecordingSink>()).close_code,
            0);
  ASSERT_TRUE(registry_->ensurePipeline(c.id).ok());
  auto live_en = std::make_shared<RecordingSink>();
  auto live_es = std::make_shared<RecordingSink>();
  ASSERT_EQ(registry_->attachListener(c.id, "en", live_en).close_code, 0);
  ASSERT_EQ(registry_->attachListener(c.id, "es", live_es).close_code, 0);
  speak(c.id, 2);
  auto captions = [](RecordingSink& sink) {
    std::vector<Json> out;
    for (const auto& t : sink.text) {
      Json j = Json::parse(t);
      if (j["type"] == "caption") out.push_back(j);
    }
    return out;
  };
  auto live_source = captions(*live_en);
  auto live_target = captions(*live_es);
  ASSERT_EQ(live_source.size(), 2u);
  ASSERT_EQ(live_target.size(), 2u);
  EXPECT_TRUE(live_source[0]["latency_ms"].is_null());
  EXPECT_EQ(live_target[0]["latency_ms"], 250);

  registry_.reset();  // the process "dies"
  registry_ = makeRegistry();
  ASSERT_TRUE(registry_->restore().ok());
  auto late_en = std::make_shared<RecordingSink>();
  auto late_es = std::make_shared<RecordingSink>();
  ASSERT_EQ(registry_->attachListener(c.id, "en", late_en).close_code, 0);
  ASSERT_EQ(registry_->attachListener(c.id, "es", late_es).close_code, 0);
  EXPECT_EQ(captions(*late_en), live_source);
  EXPECT_EQ(captions(*late_es), live_target);
}

TEST_F(RegistryTest, SpeakerTokenAndConflicts) {
  auto c = *registry_->create("en", {"es"});
  auto sink = std::make_shared<RecordingSink>();
  EXPECT_EQ(registry_->attachSpeaker("no-such-1", c.token, sink).close_code, kCloseNotFound);
  EXPECT_EQ(registry_->attachSpeaker(c.id, "wrong", sink).close_code, kCloseUnauthorized);
  EXPECT_EQ(registry_->attachSpeaker(c.id, "", sink).close_code, kCloseUnauthorized);
  auto ok = registry_->attachSpeaker(c.id, c.token, sink);
  EXPECT_EQ(ok.close_code, 0);
  EXPECT_EQ(registry_->attachSpeaker(c.id, c.token, std::make_shared<RecordingSink>()).close_code,
            kCloseConflict);
  EXPECT_FALSE(registry_->speakerControl(c.id, "dance").ok());
}

TEST_F(RegistryTest, CaptionsInOrderDurableAndLateJoinersGetHistory) {
  auto c = *registry_->create("en", {"es"});
  auto speaker = std::make_shared<RecordingSink>();
  ASSERT_EQ(registry_->attachSpeaker(c.id, c.token, speaker).close_code, 0);
  speak(c.id, 3);  // buffered until the pipeline starts, then pushed in order
  ASSERT_TRUE(registry_->ensurePipeline(c.id).ok());
  auto early = std::make_shared<RecordingSink>();
  ASSERT_EQ(registry_->attachListener(c.id, "es", early).close_code, 0);
  speak(c.id, 22);
  std::vector<long long> expected;
  for (long long i = 4; i <= 25; ++i) expected.push_back(i);
  // The early listener joined after 3 captions: it got those 3 as history, then the rest.
  std::vector<long long> all;
  for (long long i = 1; i <= 25; ++i) all.push_back(i);
  EXPECT_EQ(seqs(*early), all);
  EXPECT_EQ(early->binary.size(), 22u);      // speech for the captions sent live
  Json ready = Json::parse(early->text[0]);  // the attach signal comes before any caption
  EXPECT_EQ(ready["type"], "ready");
  EXPECT_EQ(ready["lang"], "es");
  Json first = Json::parse(early->text[1]);
  EXPECT_EQ(first["text"], "palabra1");
  EXPECT_EQ(first["source_text"], "word1");
  // Measured from the arrival of the audio (here: synchronous fake, so small), not taken from
  // the pipeline (0.25 s).
  EXPECT_GE(first["latency_ms"].get<long long>(), 0);
  EXPECT_LT(first["latency_ms"].get<long long>(), 5000);
  // Source-language captions reach the speaker.
  EXPECT_EQ(seqs(*speaker).size(), 25u);
  // Durable before sent: every caption a listener got is in the transcript.
  EXPECT_EQ(store_->transcript(c.id, "es")->size(), 25u);
  EXPECT_EQ(store_->transcript(c.id, "en")->size(), 25u);
  // A late joiner gets the last 20.
  auto late = std::make_shared<RecordingSink>();
  ASSERT_EQ(registry_->attachListener(c.id, "es", late).close_code, 0);
  std::vector<long long> last20;
  for (long long i = 6; i <= 25; ++i) last20.push_back(i);
  EXPECT_EQ(seqs(*late), last20);
}

TEST_F(RegistryTest, ListenerLimitAndUnknownLanguage) {
  auto a = *registry_->create("en", {"es"});
  auto b = *registry_->create("en", {"es"});
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(registry_->attachListener(a.id, "es", std::make_shared<RecordingSink>()).close_code,
              0);
  }
  EXPECT_EQ(registry_->attachListener(a.id, "es", std::make_shared<RecordingSink>()).close_code,
            kCloseTooMany);
  EXPECT_EQ(registry_->attachListener(b.id, "es", std::make_shared<RecordingSink>()).close_code, 0);
  EXPECT_EQ(registry_->attachListener(b.id, "de", std::make_shared<RecordingSink>()).close_code,
            kCloseBadRequest);
  EXPECT_EQ(
      registry_->attachListener("no-such-1", "es", std::make_shared<RecordingSink>()).close_code,
      kCloseNotFound);
  Json info = Json::parse(*registry_->describeJson(a.id));
  EXPECT_EQ(info["listeners"]["es"], 3);
}

TEST_F(RegistryTest, KillSwitchSwitchesRunningSessionToFinalOnly) {
  auto c = *registry_->create("en", {"es"});
  ASSERT_EQ(registry_->attachSpeaker(c.id, c.token, std::make_shared<RecordingSink>()).close_code,
            0);
  ASSERT_TRUE(registry_->ensurePipeline(c.id).ok());
  ASSERT_EQ(pipelines_.size(), 1u);
  EXPECT_EQ(pipelines_[0]->options.mode, engine::Mode::kPartial);
  registry_->applyFlags();  // unchanged flag: nothing happens
  EXPECT_EQ(pipelines_[0]->mode_switches, 0);
  flags_->setKillSwitchOverride(true);
  registry_->applyFlags();
  EXPECT_EQ(pipelines_[0]->mode_switches, 1);
  EXPECT_EQ(pipelines_[0]->mode, engine::Mode::kFinalOnly);
  Json info = Json::parse(*registry_->describeJson(c.id));
  EXPECT_EQ(info["mode"], "final-only");
  // New sessions start final-only while the kill switch is on.
  auto d = *registry_->create("en", {"es"});
  EXPECT_EQ(Json::parse(*registry_->describeJson(d.id))["decision"]["enabled"], false);
}

TEST_F(RegistryTest, LineSettingsFollowAFlagChangeWhileTheEngineKeysStay) {
  // A flag source over a real store, so that a rollout change can be written.
  const std::string db = (dir_ / "flags.db").string();
  flags::FlagEnvironment env;
  auto store = flags::openStore("sqlite:" + db);
  ASSERT_TRUE(store.ok()) << store.error().message;
  flags::RolloutChange start;
  start.enabled = true;
  start.rollout_percentage = 100;
  ASSERT_TRUE(flags::writeChange(**store, env, start, "test", "start").ok());
  flags_ = flags::openFlagSource("sqlite:" + db, env).value();
  flags_->refresh();
  registry_ = makeRegistry();

  auto c = *registry_->create("en", {"es"});
  auto first = registry_->attachSpeaker(c.id, c.token, std::make_shared<RecordingSink>());
  ASSERT_EQ(first.close_code, 0);
  ASSERT_TRUE(registry_->ensurePipeline(c.id).ok());
  ASSERT_EQ(pipelines_.size(), 1u);
  const lines::LineConfig started = pipelines_[0]->options.line_config;
  EXPECT_EQ(started, lines::LineConfig{});  // the defaults
  const double phrase_wait = pipelines_[0]->options.engine.phrase_max_wait;

  registry_->applyFlags();  // nothing changed: nothing sent
  EXPECT_TRUE(pipelines_[0]->line_configs.empty());

  flags::RolloutChange change;
  change.sets = {{"line_policy", "none"}, {"speak_min_words", "5"}, {"phrase_max_wait", "2"}};
  ASSERT_TRUE(flags::writeChange(**store, env, change, "test", "flicker").ok());
  flags_->refresh();
  registry_->applyFlags();
  ASSERT_EQ(pipelines_[0]->line_configs.size(), 1u);
  EXPECT_EQ(pipelines_[0]->line_configs[0].policy, lines::DisplayPolicy::kNone);
  EXPECT_EQ(pipelines_[0]->line_configs[0].speak_min_words, 5);
  EXPECT_EQ(pipelines_[0]->mode_switches, 0);  // still partial
  registry_->applyFlags();                     // the same again: not sent twice
  EXPECT_EQ(pipelines_[0]->line_configs.size(), 1u);

  // The speaker reconnects: the new pipeline starts with the session's current line settings,
  // and with the engine settings decided when the session started.
  registry_->speakerGone(c.id, first.connection_id);
  ASSERT_EQ(registry_->attachSpeaker(c.id, c.token, std::make_shared<RecordingSink>()).close_code,
            0);
  ASSERT_TRUE(registry_->ensurePipeline(c.id).ok());
  ASSERT_EQ(pipelines_.size(), 2u);
  EXPECT_EQ(pipelines_[1]->options.line_config.policy, lines::DisplayPolicy::kNone);
  EXPECT_DOUBLE_EQ(pipelines_[1]->options.engine.phrase_max_wait, phrase_wait);
}

TEST_F(RegistryTest, EndNotifiesListenersAndMarksStore) {
  auto c = *registry_->create("en", {"es"});
  auto listener = std::make_shared<RecordingSink>();
  ASSERT_EQ(registry_->attachListener(c.id, "es", listener).close_code, 0);
  ASSERT_TRUE(registry_->end(c.id, "speaker").ok());
  EXPECT_EQ(Json::parse(listener->text.back())["type"], "session_ended");
  EXPECT_EQ(listener->closed_code, kCloseNormal);
  EXPECT_FALSE(registry_->exists(c.id));
  EXPECT_EQ((**store_->session(c.id)).state, storage::SessionState::kEnded);
  Json info = Json::parse(*registry_->describeJson(c.id));
  EXPECT_EQ(info["state"], "ended");
  EXPECT_EQ(registry_->attachListener(c.id, "es", listener).close_code, kCloseNotFound);
}

TEST_F(RegistryTest, RestartRestoresSessionsSeqAndHistory) {
  auto c = *registry_->create("en", {"es"});
  ASSERT_EQ(registry_->attachSpeaker(c.id, c.token, std::make_shared<RecordingSink>()).close_code,
            0);
  ASSERT_TRUE(registry_->ensurePipeline(c.id).ok());
  speak(c.id, 5);
  registry_.reset();  // the process "dies" (no end)
  registry_ = makeRegistry();
  ASSERT_TRUE(registry_->restore().ok());
  ASSERT_TRUE(registry_->exists(c.id));
  EXPECT_TRUE(registry_->checkToken(c.id, c.token));
  auto late = std::make_shared<RecordingSink>();
  ASSERT_EQ(registry_->attachListener(c.id, "es", late).close_code, 0);
  EXPECT_EQ(seqs(*late), (std::vector<long long>{1, 2, 3, 4, 5}));
  ASSERT_EQ(registry_->attachSpeaker(c.id, c.token, std::make_shared<RecordingSink>()).close_code,
            0);
  ASSERT_TRUE(registry_->ensurePipeline(c.id).ok());
  speak(c.id, 2);
  EXPECT_EQ(seqs(*late), (std::vector<long long>{1, 2, 3, 4, 5, 6, 7}));
  // Audio times continue after the restored audio (offset = last stored audio_end).
  Json last;
  for (const auto& t : late->text) {
    Json j = Json::parse(t);
    if (j["type"] == "caption") last = j;
  }
  ASSERT_TRUE(last["audio_end"].is_number()) << last.dump();
  EXPECT_DOUBLE_EQ(last["audio_end"].get<double>(), 5.0 + 2.0);
}

// Caption lines: revisions reach the listeners of their language in order, a final one is
// durable before it is sent, late joiners get the open lines' current revision and the last
// final lines, and line numbers continue across pipelines (speaker reconnects) and restarts.
TEST_F(RegistryTest, LinesAreRevisedDurableAndContinueAcrossPipelines) {
  auto c = *registry_->create("en", {"es"});
  auto speaker = std::make_shared<RecordingSink>();
  auto attached = registry_->attachSpeaker(c.id, c.token, speaker);
  ASSERT_EQ(attached.close_code, 0);
  ASSERT_TRUE(registry_->ensurePipeline(c.id).ok());
  auto listener = std::make_shared<RecordingSink>();
  ASSERT_EQ(registry_->attachListener(c.id, "es", listener).close_code, 0);
  auto send = [&](long long line, int rev, const std::string& text, bool final) {
    pipeline::LineMessage m;
    m.lang = "es";
    m.revision.line = line;
    m.revision.rev = rev;
    m.revision.text = text;
    m.revision.stable_chars = final ? text.size() : 4;
    m.revision.final = final;
    m.revision.confirmed = final;
    m.revision.source_text = "the text";
    m.revision.audio_start = 0.5;
    m.revision.audio_end = 1.5;
    pipelines_.back()->options.on_line(m);
  };
  auto lineMessages = [](RecordingSink& sink) {
    std::vector<Json> out;
    for (const auto& t : sink.text) {
      Json j = Json::parse(t);
      if (j["type"] == "line") out.push_back(j);
    }
    return out;
  };
  ASSERT_TRUE(pipelines_.back()->options.on_line);
  send(1, 1, "el tex", false);
  send(1, 2, "el texto", true);
  send(2, 1, "otra", false);
  auto got = lineMessages(*listener);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0]["line"], 1);
  EXPECT_EQ(got[0]["rev"], 1);
  EXPECT_EQ(got[0]["stable_chars"], 4);
  EXPECT_EQ(got[0]["final"], false);
  EXPECT_EQ(got[1]["text"], "el texto");
  EXPECT_EQ(got[1]["final"], true);
  auto stored = store_->lines(c.id, "es").value();
  ASSERT_EQ(stored.size(), 1u);  // only final revisions are stored
  EXPECT_EQ(stored[0].text, "el texto");
  // A late joiner: the final line 1 as history, then the open line 2 as it stands.
  auto late = std::make_shared<RecordingSink>();
  ASSERT_EQ(registry_->attachListener(c.id, "es", late).close_code, 0);
  auto history = lineMessages(*late);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0]["line"], 1);
  EXPECT_EQ(history[0]["final"], true);
  EXPECT_EQ(history[1]["line"], 2);
  EXPECT_EQ(history[1]["text"], "otra");
  send(2, 2, "otra vez", true);
  // The speaker reconnects: the new pipeline numbers from 1, the session continues at 3.
  registry_->speakerGone(c.id, attached.connection_id);
  ASSERT_EQ(registry_->attachSpeaker(c.id, c.token, speaker).close_code, 0);
  ASSERT_TRUE(registry_->ensurePipeline(c.id).ok());
  send(1, 1, "nueva", true);
  got = lineMessages(*listener);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[4]["line"], 3);
  // After a restart, the next pipeline continues after the stored lines.
  registry_.reset();
  registry_ = makeRegistry();
  ASSERT_TRUE(registry_->restore().ok());
  auto after = std::make_shared<RecordingSink>();
  ASSERT_EQ(registry_->attachListener(c.id, "es", after).close_code, 0);
  EXPECT_EQ(lineMessages(*after).size(), 3u);  // the final lines 1..3 as history
  ASSERT_EQ(registry_->attachSpeaker(c.id, c.token, speaker).close_code, 0);
  ASSERT_TRUE(registry_->ensurePipeline(c.id).ok());
  send(1, 1, "después", true);
  EXPECT_EQ(lineMessages(*after).back()["line"], 4);
}

// Item 4: anonymous POSTs to /complaints moved the global rollout. A complaint counts only from a
// listener connected to the session, once per complaint window.
TEST_F(RegistryTest, AnonymousComplaintIsAnsweredButNotCounted) {
  auto c = *registry_->create("en", {"es"});
  auto listener = std::make_shared<RecordingSink>();
  ASSERT_EQ(registry_->attachListener(c.id, "es", listener).close_code, 0);
  for (int i = 0; i < 40; ++i) {
    auto r = registry_->complaint(c.id, "", "captions are wrong", -1);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_FALSE(r->counted);
    EXPECT_EQ(r->reason, "no_listener_key");
  }
  auto wrong = registry_->complaint(c.id, std::string(32, 'a'), "", -1);
  ASSERT_TRUE(wrong.ok());
  EXPECT_FALSE(wrong->counted);
  EXPECT_EQ(wrong->reason, "not_a_listener");
  EXPECT_EQ(complainingListeners(), 0);
  EXPECT_EQ(Json::parse(*registry_->describeJson(c.id))["complaints"], 0);
  const std::string text = metrics();
  EXPECT_NE(text.find("parley_listener_complaints_rejected_total{decision=\"partial\",reason="
                      "\"no_listener_key\"} 40"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("parley_listener_complaints_total{decision=\"partial\"} 0"),
            std::string::npos);
  // Unknown sessions stay unknown.
  EXPECT_EQ(registry_->complaint("no-such-1", "", "", -1).error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(registry_->invalidComplaint("no-such-1").error().code, core::ErrorCode::kNotFound);
  EXPECT_TRUE(registry_->invalidComplaint(c.id).ok());
  EXPECT_NE(metrics().find("reason=\"invalid_input\"} 1"), std::string::npos);
}

TEST_F(RegistryTest, ListenerKeyComplaintCountsOncePerWindow) {
  auto c = *registry_->create("en", {"es"});
  auto a = std::make_shared<RecordingSink>();
  auto b = std::make_shared<RecordingSink>();
  ASSERT_EQ(registry_->attachListener(c.id, "es", a).close_code, 0);
  ASSERT_EQ(registry_->attachListener(c.id, "en", b).close_code, 0);
  std::string key = keyOf(*a);
  EXPECT_EQ(key.size(), 32u);  // 128 bits in hex
  EXPECT_EQ(key.find_first_not_of("0123456789abcdef"), std::string::npos) << key;
  EXPECT_NE(key, keyOf(*b));
  auto first = registry_->complaint(c.id, key, "out of sync", 7);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->counted);
  EXPECT_EQ(first->reason, "");
  clock_.advance(options_.complaint_window_s - 1);
  auto again = registry_->complaint(c.id, key, "still", 9);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->counted);
  EXPECT_EQ(again->reason, "repeated");
  clock_.advance(1);  // a full window after the counted one
  auto later = registry_->complaint(c.id, key, "still", 12);
  ASSERT_TRUE(later.ok());
  EXPECT_TRUE(later->counted);
  EXPECT_EQ(Json::parse(*registry_->describeJson(c.id))["complaints"], 2);
  EXPECT_EQ(complainingListeners(), 1);  // one listener is one voice, however often
  EXPECT_NE(metrics().find("parley_listener_complaints_total{decision=\"partial\"} 2"),
            std::string::npos);
  EXPECT_NE(metrics().find("reason=\"repeated\"} 1"), std::string::npos);
}

TEST_F(RegistryTest, KeyOfDisconnectedOrOtherSessionsListenerIsNotCounted) {
  auto c = *registry_->create("en", {"es"});
  auto other = *registry_->create("en", {"es"});
  auto gone = std::make_shared<RecordingSink>();
  auto elsewhere = std::make_shared<RecordingSink>();
  auto attached = registry_->attachListener(c.id, "es", gone);
  ASSERT_EQ(attached.close_code, 0);
  ASSERT_EQ(registry_->attachListener(other.id, "es", elsewhere).close_code, 0);
  std::string gone_key = keyOf(*gone);
  registry_->listenerGone(c.id, attached.connection_id);
  auto r = registry_->complaint(c.id, gone_key, "", -1);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->counted);
  EXPECT_EQ(r->reason, "not_a_listener");
  r = registry_->complaint(c.id, keyOf(*elsewhere), "", -1);  // a listener of another session
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->counted);
  EXPECT_EQ(r->reason, "not_a_listener");
  EXPECT_EQ(complainingListeners(), 0);
  // The same key on its own session counts.
  r = registry_->complaint(other.id, keyOf(*elsewhere), "", -1);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->counted);
  // After the session ended nobody is connected any more.
  ASSERT_TRUE(registry_->end(other.id, "speaker").ok());
  r = registry_->complaint(other.id, keyOf(*elsewhere), "", -1);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->counted);
  EXPECT_EQ(r->reason, "session_ended");
}

TEST_F(RegistryTest, WebSocketComplaintsCountDistinctListeners) {
  auto c = *registry_->create("en", {"es"});
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 3; ++i) {
    auto r = registry_->attachListener(c.id, "es", std::make_shared<RecordingSink>());
    ASSERT_EQ(r.close_code, 0);
    ids.push_back(r.connection_id);
  }
  for (auto id : ids) EXPECT_TRUE(registry_->listenerComplaint(c.id, id, "lag", 3).counted);
  auto repeated = registry_->listenerComplaint(c.id, ids[0], "lag", 4);
  EXPECT_FALSE(repeated.counted);
  EXPECT_EQ(repeated.reason, "repeated");
  EXPECT_EQ(registry_->listenerComplaint(c.id, 999999, "", -1).reason, "not_a_listener");
  EXPECT_EQ(complainingListeners(), 3);
  registry_->listenerGone(c.id, ids[1]);
  EXPECT_EQ(registry_->listenerComplaint(c.id, ids[1], "", -1).reason, "not_a_listener");
  EXPECT_EQ(registry_->listenerComplaint("no-such-1", ids[0], "", -1).reason, "session_ended");
}

}  // namespace
}  // namespace parley::server
