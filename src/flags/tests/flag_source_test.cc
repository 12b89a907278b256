#include "flags/flag_source.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "core/log.h"
#include "flags/lkg.h"
#include "flags/tests/temp_dir.h"

namespace parley::flags {
namespace {

using testing::ScopedEnv;
using testing::TempDir;

constexpr const char* kName = "/test/partial-results";

// Captures log records for the lifetime of the object.
class LogCapture {
 public:
  LogCapture() {
    previous_ = core::log::setSink([this](const core::log::Record& r) {
      std::lock_guard lock(mu_);
      records_.push_back(r);
    });
  }
  ~LogCapture() { core::log::setSink(previous_); }
  int count(const std::string& needle) {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& r : records_) n += r.message.find(needle) != std::string::npos;
    return n;
  }

 private:
  std::mutex mu_;
  std::vector<core::log::Record> records_;
  core::log::Sink previous_;
};

FlagEnvironment testEnv() {
  FlagEnvironment env;  // built-in defaults, independent of the test's environment
  env.parameter_name = kName;
  env.rollout_percentage = 30;
  return env;
}

struct Fixture {
  TempDir dir;
  std::string db = dir.file("var/parley.db");
  std::string url = "sqlite:" + db;
  core::ManualClock clock{100.0};

  std::unique_ptr<ParamStore> writer() { return std::move(openStore(url)).value(); }
  void write(const std::string& value, const std::string& reason = "test") {
    auto r = writer()->put(kName, value, "tester", reason);
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  std::unique_ptr<FlagSource> source(bool notification = true, FlagEnvironment env = testEnv()) {
    FlagSourceOptions o;
    o.clock = &clock;
    o.change_notification = notification;
    o.poll_interval = 0.05;
    auto s = openFlagSource(url, std::move(env), o);
    EXPECT_TRUE(s.ok());
    return std::move(s).value();
  }
  void corrupt() {
    std::filesystem::remove(db + "-wal");
    std::filesystem::remove(db + "-shm");
    std::ofstream f(db, std::ios::binary | std::ios::trunc);
    f << std::string(4096, '\x7f');
  }
};

const char* kOn50 = R"({"enabled":true,"rollout_percentage":50,"min_stability_threshold":0.9})";
const char* kOff = R"({"enabled":false,"rollout_percentage":50})";

TEST(FlagSource, CacheIsBoundedByTheTtlWithoutNotification) {
  Fixture f;
  f.write(kOn50);
  auto src = f.source(/*notification=*/false);
  EXPECT_DOUBLE_EQ(src->cacheTtl(), 60.0);
  src->refresh();
  EXPECT_EQ(src->snapshot()->source, Source::kCached);
  EXPECT_EQ(src->snapshot()->version, 1);
  EXPECT_EQ(src->fetches(), 1);
  f.write(kOff);
  f.clock.advance(30);
  src->refresh();
  EXPECT_EQ(src->snapshot()->version, 1) << "within the TTL the cached value is used";
  EXPECT_TRUE(src->snapshot()->enabled);
  EXPECT_EQ(src->fetches(), 1);
  f.clock.advance(29.9);
  src->refresh();
  EXPECT_EQ(src->snapshot()->version, 1);
  f.clock.advance(0.1);  // 60 s after the fetch
  src->refresh();
  EXPECT_EQ(src->snapshot()->version, 2);
  EXPECT_FALSE(src->snapshot()->enabled);
  EXPECT_EQ(src->fetches(), 2);
}

TEST(FlagSource, ChangeNotificationBypassesTheTtl) {
  Fixture f;
  f.write(kOn50);
  auto src = f.source(/*notification=*/true);
  src->refresh();
  EXPECT_EQ(src->snapshot()->version, 1);
  src->refresh();
  src->refresh();
  EXPECT_EQ(src->fetches(), 1) << "no change: no re-read";
  f.write(kOff);
  src->refresh();  // clock not advanced
  EXPECT_EQ(src->snapshot()->version, 2);
  EXPECT_FALSE(src->snapshot()->enabled);
  EXPECT_EQ(src->fetches(), 2);
}

TEST(FlagSource, StoreValuesApplyOverTheEnvironment) {
  Fixture f;
  f.write(kOn50);
  FlagEnvironment env = testEnv();
  env.config.max_buffer_timeout = 7;
  env.config.min_stability_threshold = 0.8;
  auto src = f.source(true, env);
  src->refresh();
  auto s = src->snapshot();
  EXPECT_DOUBLE_EQ(s->config.min_stability_threshold, 0.9);  // from the store
  EXPECT_DOUBLE_EQ(s->config.max_buffer_timeout, 7.0);       // from the environment
  EXPECT_EQ(s->rollout_percentage, 50);
}

TEST(FlagSource, WatcherDeliversAChangeToARunningConsumer) {
  Fixture f;
  f.write(kOn50);
  FlagSourceOptions o;
  o.poll_interval = 0.05;
  auto src = std::move(openFlagSource(f.url, testEnv(), o)).value();  // real clock
  std::mutex mu;
  std::condition_variable cv;
  long long seen = 0;
  src->subscribe([&](const std::shared_ptr<const FlagSnapshot>& s) {
    std::lock_guard lock(mu);
    seen = s->version;
    cv.notify_all();
  });
  src->start();
  EXPECT_EQ(src->snapshot()->version, 1);
  f.write(kOff);
  std::unique_lock lock(mu);
  // Generous bound: this asserts that the change arrives, not how fast.
  bool arrived = cv.wait_for(lock, std::chrono::seconds(10), [&] { return seen == 2; });
  EXPECT_TRUE(arrived);
  lock.unlock();
  EXPECT_FALSE(src->decide("test-session-123").enabled);
  EXPECT_EQ(src->decide("test-session-123").reason, Reason::kDisabled);
  src->stop();
}

// Listeners run without the source's refresh lock: one may call back into the source on its own
// thread (refresh, subscribe, snapshot) or wait for another thread that does. With the lock held
// during the call, either would deadlock.
TEST(FlagSource, ListenersMayCallBackIntoTheSource) {
  Fixture f;
  f.write(kOn50);
  auto src = f.source();
  std::vector<long long> seen;       // versions the first listener saw, in order
  std::vector<long long> late_seen;  // versions the listener it subscribed saw
  src->subscribe([&](const std::shared_ptr<const FlagSnapshot>& s) {
    seen.push_back(s->version);
    EXPECT_EQ(src->snapshot()->version, s->version);
    src->refresh();  // same thread, re-entrant
    std::thread other([&] { src->refresh(); });
    other.join();  // another thread, waited for
    if (seen.size() == 1) {
      src->subscribe(
          [&](const std::shared_ptr<const FlagSnapshot>& s2) { late_seen.push_back(s2->version); });
    }
  });
  src->refresh();
  ASSERT_EQ(seen, (std::vector<long long>{1}));
  EXPECT_TRUE(late_seen.empty());
  f.write(kOff);
  src->refresh();
  EXPECT_EQ(seen, (std::vector<long long>{1, 2}));
  EXPECT_EQ(late_seen, (std::vector<long long>{2}));
}

// A change published by a refresh inside a listener is delivered after the listener returns, so
// the last call always carries the newest snapshot.
TEST(FlagSource, AChangePublishedDuringDeliveryIsDeliveredAfterIt) {
  Fixture f;
  f.write(kOn50);
  auto src = f.source();
  std::vector<long long> seen;
  src->subscribe([&](const std::shared_ptr<const FlagSnapshot>& s) {
    seen.push_back(s->version);
    if (s->version == 1) {
      f.write(kOff);   // version 2, committed while the listener runs
      src->refresh();  // publishes it; delivered once this call returns
      EXPECT_EQ(seen.size(), 1u);
    }
  });
  src->refresh();
  EXPECT_EQ(seen, (std::vector<long long>{1, 2}));
  EXPECT_EQ(src->snapshot()->version, 2);
}

TEST(FlagSource, StaleFromThePersistedLastKnownGoodAfterCorruption) {
  Fixture f;
  f.write(kOn50);
  {
    auto first = f.source();
    first->refresh();
    EXPECT_EQ(first->snapshot()->source, Source::kCached);
  }
  auto lkg = readLkg(f.db + ".lkg.json", kName);
  ASSERT_TRUE(lkg.ok());
  ASSERT_TRUE(lkg->has_value());
  EXPECT_EQ((*lkg)->version, 1);

  f.corrupt();
  LogCapture logs;
  auto restarted = f.source();  // a consumer restarted during the outage
  for (int i = 0; i < 5; ++i) {
    restarted->refresh();
    f.clock.advance(1);
  }
  auto s = restarted->snapshot();
  EXPECT_EQ(s->source, Source::kStale);
  EXPECT_EQ(s->version, 1);
  EXPECT_EQ(s->rollout_percentage, 50);
  EXPECT_DOUBLE_EQ(s->config.min_stability_threshold, 0.9);
  EXPECT_NE(s->detail.find("not a database"), std::string::npos) << s->detail;
  EXPECT_EQ(logs.count("Error fetching parameter"), 1) << "one log line per outage";
  Decision d = restarted->decide("test-session-123");  // bucket 35 < 50
  EXPECT_TRUE(d.enabled);
  EXPECT_EQ(d.reason, Reason::kStale);

  // Repair: a fresh database with a new value ends the outage.
  std::filesystem::remove(f.db);
  f.write(kOff, "repaired");
  restarted->refresh();
  EXPECT_EQ(restarted->snapshot()->source, Source::kCached);
  EXPECT_FALSE(restarted->snapshot()->enabled);
  EXPECT_EQ(logs.count("Error fetching parameter"), 1);
  // A second outage logs again, once.
  f.corrupt();
  restarted->refresh();
  restarted->refresh();
  EXPECT_EQ(logs.count("Error fetching parameter"), 2);
  EXPECT_EQ(restarted->snapshot()->source, Source::kStale);
  EXPECT_FALSE(restarted->snapshot()->enabled);
}

TEST(FlagSource, DefaultFromTheEnvironmentWithoutLastKnownGood) {
  Fixture f;
  std::filesystem::create_directories(f.dir.file("var"));
  f.corrupt();
  LogCapture logs;
  auto src = f.source();
  src->refresh();
  src->refresh();
  auto s = src->snapshot();
  EXPECT_EQ(s->source, Source::kDefault);
  EXPECT_EQ(s->version, 0);
  EXPECT_EQ(s->rollout_percentage, 30);  // testEnv()'s ROLLOUT_PERCENTAGE
  EXPECT_EQ(logs.count("Error fetching parameter"), 1);
  EXPECT_EQ(src->decide("golden-eagle-427").reason, Reason::kSplit);  // bucket 73 >= 30
}

TEST(FlagSource, InvalidStoredValueKeepsTheLastKnownGood) {
  Fixture f;
  f.write(kOn50);
  LogCapture logs;
  auto src = f.source();
  src->refresh();
  for (const char* bad : {R"({"enabled":"false","rollout_percentage":10})",
                          R"({"enabled":true,"rollout_percentage":50.5})", "{not json"}) {
    f.write(bad, "bad write");
    src->refresh();
    auto s = src->snapshot();
    EXPECT_EQ(s->source, Source::kStale) << bad;
    EXPECT_EQ(s->version, 1);
    EXPECT_TRUE(s->enabled);
    EXPECT_NE(s->detail.find("invalid value"), std::string::npos) << s->detail;
  }
  EXPECT_EQ(logs.count("Error fetching parameter"), 1);
  f.write(kOff);
  src->refresh();
  EXPECT_EQ(src->snapshot()->source, Source::kCached);
  EXPECT_EQ(src->snapshot()->version, 5);
}

TEST(FlagSource, NoStoredValueMeansEnvironmentDefaults) {
  Fixture f;
  auto src = f.source();
  src->refresh();
  EXPECT_EQ(src->snapshot()->source, Source::kDefault);
  EXPECT_EQ(src->snapshot()->rollout_percentage, 30);
  EXPECT_FALSE(std::filesystem::exists(f.db)) << "a consumer does not create the database";
  Decision in = src->decide("test-session-123");  // bucket 35 >= 30
  EXPECT_EQ(in.reason, Reason::kSplit);
  // Once something is written, notification picks it up.
  f.write(kOn50);
  src->refresh();
  EXPECT_EQ(src->snapshot()->source, Source::kCached);
  EXPECT_TRUE(src->decide("test-session-123").enabled);
}

TEST(FlagSource, ADeletedDatabaseIsAnOutageWhenALastKnownGoodExists) {
  Fixture f;
  f.write(kOn50);
  auto src = f.source();
  src->refresh();
  EXPECT_EQ(src->snapshot()->source, Source::kCached);
  LogCapture logs;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(f.db + suffix);
  src->refresh();  // the running consumer notices that its file is gone
  auto s = src->snapshot();
  EXPECT_EQ(s->source, Source::kStale);
  EXPECT_EQ(s->version, 1);
  EXPECT_EQ(s->rollout_percentage, 50);
  EXPECT_EQ(logs.count("Error fetching parameter"), 1);
  EXPECT_NE(s->detail.find("deleted"), std::string::npos) << s->detail;
}

TEST(FlagSource, StaticWithoutAStore) {
  FlagEnvironment env = testEnv();
  env.rollout_percentage = 100;
  auto src = openFlagSource("static:", env);
  ASSERT_TRUE(src.ok());
  (*src)->refresh();
  Decision d = (*src)->decide("golden-eagle-427");
  EXPECT_TRUE(d.enabled);
  EXPECT_EQ(d.reason, Reason::kStatic);
  EXPECT_FALSE(openFlagSource("etcd://localhost:2379", env).ok());
}

TEST(FlagSource, KillSwitchWinsAtOnceFromEnvironmentOrOverride) {
  Fixture f;
  f.write(R"({"enabled":true,"rollout_percentage":100})");
  auto src = f.source();
  src->refresh();
  {
    ScopedEnv off("PARTIAL_RESULTS_ENABLED", nullptr);
    EXPECT_TRUE(src->decide("golden-eagle-427").enabled);
  }
  {
    ScopedEnv kill("PARTIAL_RESULTS_ENABLED", "false");
    Decision d = src->decide("golden-eagle-427");  // no refresh needed
    EXPECT_FALSE(d.enabled);
    EXPECT_EQ(d.reason, Reason::kDisabled);
  }
  ScopedEnv off("PARTIAL_RESULTS_ENABLED", nullptr);
  src->setKillSwitchOverride(true);
  EXPECT_EQ(src->decide("golden-eagle-427").reason, Reason::kDisabled);
  src->setKillSwitchOverride(false);
  EXPECT_TRUE(src->decide("golden-eagle-427").enabled);
  src->setKillSwitchOverride(std::nullopt);
  EXPECT_TRUE(src->decide("golden-eagle-427").enabled);
}

TEST(Lkg, WritesAtomicallyAndKeepsOtherParameters) {
  TempDir dir;
  std::string path = dir.file("x/parley.db.lkg.json");
  ASSERT_TRUE(writeLkg(path, "/a", {3, 1.5, R"({"enabled":true,"rollout_percentage":1})"}).ok());
  ASSERT_TRUE(writeLkg(path, "/b", {4, 2.5, R"({"enabled":false,"rollout_percentage":2})"}).ok());
  auto a = readLkg(path, "/a");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(a->has_value());
  EXPECT_EQ((*a)->version, 3);
  EXPECT_TRUE(parseFlagValue((*a)->value).ok());
  auto none = readLkg(path, "/c");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.file("x"))) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1) << "no temporary files left behind";
  std::ofstream(path) << "{broken";
  EXPECT_FALSE(readLkg(path, "/a").ok());
}

}  // namespace
}  // namespace parley::flags
