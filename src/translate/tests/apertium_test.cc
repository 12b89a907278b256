// The apertium backend against the real eng-spa pipeline: translations, escaping, a pipeline
// killed or stopped mid-use, concurrency, the cache.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <vector>

#include "core/log.h"
#include "translate/apertium/apertium_translator.h"

namespace parley::translate {
namespace {

std::unique_ptr<ApertiumTranslator> makeTranslator(ApertiumConfig config = {}) {
  auto t = ApertiumTranslator::create(std::move(config));
  EXPECT_TRUE(t.ok()) << t.error().message;
  return t.ok() ? std::move(*t) : nullptr;
}

// Bounded wait for the supervisor's restart (never a timing assertion: the bound is generous).
bool waitAvailable(const Translator& t, double seconds = 60) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!t.available()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// Processes of the group that are not zombies (read from /proc).
int liveMembers(int pgid) {
  int live = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "stat");
    std::string stat;
    std::getline(in, stat);
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 2));
    char state = 0;
    int ppid = 0;
    int pgrp = 0;
    rest >> state >> ppid >> pgrp;
    if (pgrp == pgid && state != 'Z' && state != 'X') ++live;
  }
  return live;
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

const std::vector<std::string> kSentences = {
    "Hello world.",
    "I would like a coffee.",
    "The weather is nice today.",
    "Where is the station?",
    "We are going to the beach tomorrow.",
    "My brother has a red car.",
    "The children are playing in the park.",
    "She reads a book every night.",
    "Thank you very much.",
    "The house is very big.",
};

class ApertiumTest : public testing::Test {
 protected:
  void SetUp() override {
    prev_sink_ = core::log::setSink([this](const core::log::Record& r) {
      std::lock_guard lock(log_mu_);
      events_.push_back(r.event);
    });
  }
  void TearDown() override { core::log::setSink(prev_sink_); }
  int logged(const std::string& event) {
    std::lock_guard lock(log_mu_);
    return static_cast<int>(std::count(events_.begin(), events_.end(), event));
  }
  core::log::Sink prev_sink_;
  std::mutex log_mu_;
  std::vector<std::string> events_;
};

TEST_F(ApertiumTest, TranslatesKnownSentences) {
  auto t = makeTranslator();
  ASSERT_TRUE(t);
  EXPECT_EQ(t->sourceLanguage(), "en");
  EXPECT_EQ(t->targetLanguage(), "es");
  EXPECT_NE(t->pipelineCommand().find("lt-proc -z"), std::string::npos);
  auto hello = t->translate("Hello world.");
  ASSERT_TRUE(hello.ok()) << hello.error().message;
  EXPECT_EQ(*hello, "Hola Mundo.");  // what apertium-eng-spa 0.8.1 gives
  auto coffee = t->translate("I would like a coffee.");
  ASSERT_TRUE(coffee.ok());
  EXPECT_EQ(*coffee, "Me gustaría un café.");
  // Recognizer-style text is prepared (capital I, final period) and the added period removed.
  auto raw = t->translate("i would like a coffee");
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(*raw, "Me gustaría un café");
  // Output is tidied: apertium gives " Estoy yendo casa, y entonces  dormiré. \n".
  auto tidy = t->translate("I am going home, and then I will sleep.");
  ASSERT_TRUE(tidy.ok());
  EXPECT_FALSE(contains(*tidy, "  "));
  EXPECT_NE(tidy->front(), ' ');
  EXPECT_NE(tidy->back(), '\n');
  EXPECT_TRUE(contains(*tidy, "dormiré.")) << *tidy;
  EXPECT_EQ(t->translate("   ").valueOr("x"), "");
  const TranslatorStats s = t->stats();
  EXPECT_EQ(s.requests, 5);
  EXPECT_EQ(s.translated, 4);
  EXPECT_EQ(s.failures, 0);
}

TEST_F(ApertiumTest, ReservedCharactersAreEscaped) {
  auto t = makeTranslator();
  ASSERT_TRUE(t);
  auto r = t->translate("The price is $5 + 3 # 4 @ home / work <b> {x} | y * z \\ w.");
  ASSERT_TRUE(r.ok()) << r.error().message;
  for (const char* part : {"$5", "+ 3", "# 4", "@", "/", "<b>", "{x}", "|", "*", "\\"}) {
    EXPECT_TRUE(contains(*r, part)) << part << " missing in: " << *r;
  }
  // Characters that hang the pair (see escapeForApertium) are blanked, not sent.
  auto hazard = t->translate("red [blue] ^ green ~ end ^");
  ASSERT_TRUE(hazard.ok()) << hazard.error().message;
  EXPECT_TRUE(contains(*hazard, "rojo")) << *hazard;
  EXPECT_TRUE(contains(*hazard, "azul")) << *hazard;
  // The pipe is still in step: the next requests get their own answers.
  EXPECT_EQ(t->translate("Hello world.").valueOr(""), "Hola Mundo.");
  EXPECT_EQ(t->translate("I would like a coffee.").valueOr(""), "Me gustaría un café.");
  EXPECT_EQ(t->stats().restarts, 0);
}

TEST_F(ApertiumTest, KilledPipelineIsRestarted) {
  auto t = makeTranslator();
  ASSERT_TRUE(t);
  ASSERT_TRUE(t->translate("Hello world.").ok());
  const int pgid = t->processGroup();
  ASSERT_GT(pgid, 0);
  ASSERT_EQ(::kill(-pgid, SIGKILL), 0);
  // The next call either fails fast (down) or succeeds on the restarted pipeline.
  auto next = t->translate("I would like a coffee.");
  if (next.ok()) {
    EXPECT_EQ(*next, "Me gustaría un café.");
  } else {
    EXPECT_EQ(next.error().code, core::ErrorCode::kUnavailable);
  }
  ASSERT_TRUE(waitAvailable(*t));
  EXPECT_EQ(t->translate("Hello world.").valueOr(""), "Hola Mundo.");
  EXPECT_NE(t->processGroup(), pgid);
  EXPECT_GE(t->stats().restarts, 1);
  EXPECT_GE(logged("translator_restarted"), 1);
}

TEST_F(ApertiumTest, KillInTheMiddleOfTwentyLosesNoRequest) {
  auto t = makeTranslator();
  ASSERT_TRUE(t);
  std::map<std::string, std::string> expected;
  for (const auto& s : kSentences) {
    auto r = t->translate(s);
    ASSERT_TRUE(r.ok()) << r.error().message;
    expected[s] = *r;
  }
  int ok = 0;
  int failed = 0;
  for (int i = 0; i < 20; ++i) {
    if (i == 10) {
      ASSERT_EQ(::kill(-t->processGroup(), SIGKILL), 0);
    }
    const std::string& s = kSentences[static_cast<std::size_t>(i) % kSentences.size()];
    auto r = t->translate(s);
    if (r.ok()) {
      ++ok;
      EXPECT_EQ(*r, expected[s]) << "request " << i << " got another request's answer";
    } else {
      ++failed;
      EXPECT_EQ(r.error().code, core::ErrorCode::kUnavailable) << r.error().message;
      EXPECT_GE(i, 10) << "failure before the kill: " << r.error().message;
    }
  }
  EXPECT_EQ(ok + failed, 20);
  EXPECT_GE(ok, 10);  // every request before the kill succeeded
  ASSERT_TRUE(waitAvailable(*t));
  for (const auto& s : kSentences) {
    EXPECT_EQ(t->translate(s).valueOr("<error>"), expected[s]);
  }
  const TranslatorStats st = t->stats();
  EXPECT_GE(st.restarts, 1);
  EXPECT_EQ(st.failures, failed);
}

TEST_F(ApertiumTest, StalledPipelineIsDetectedByTheTimeout) {
  ApertiumConfig config;
  config.reply_timeout_s = 1.0;
  auto t = makeTranslator(config);
  ASSERT_TRUE(t);
  ASSERT_TRUE(t->translate("Hello world.").ok());
  const int pgid = t->processGroup();
  ASSERT_EQ(::kill(-pgid, SIGSTOP), 0);
  auto stalled = t->translate("The weather is nice today.");
  ASSERT_FALSE(stalled.ok());
  EXPECT_EQ(stalled.error().code, core::ErrorCode::kUnavailable);
  EXPECT_TRUE(contains(stalled.error().message, "no reply")) << stalled.error().message;
  EXPECT_EQ(t->stats().timeouts, 1);
  EXPECT_EQ(logged("translator_stalled"), 1);
  ASSERT_TRUE(waitAvailable(*t));
  EXPECT_NE(t->processGroup(), pgid);
  EXPECT_EQ(t->translate("Hello world.").valueOr(""), "Hola Mundo.");
  EXPECT_GE(t->stats().restarts, 1);
  // The stopped group was killed (SIGKILL ends stopped processes too). Its stages may linger as
  // zombies when the container's init does not reap orphans, so count live members only.
  EXPECT_EQ(liveMembers(pgid), 0);
}

TEST_F(ApertiumTest, ConcurrentCallersAreSerializedOnThePipe) {
  auto t = makeTranslator();
  ASSERT_TRUE(t);
  std::map<std::string, std::string> expected;
  for (const auto& s : kSentences) expected[s] = t->translate(s).valueOr("<error>");
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      for (int i = 0; i < 15; ++i) {
        const std::string& s = kSentences[static_cast<std::size_t>(i * 3 + k) % kSentences.size()];
        if (t->translate(s).valueOr("<error>") != expected.at(s)) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(t->stats().failures, 0);
}

TEST_F(ApertiumTest, CachedTranslatorAnswersRepeatsFromTheCache) {
  auto cache = std::make_shared<TranslationCache>(64);
  auto t = createCachedApertiumTranslator({}, cache);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ((*t)->translate("Hello world.").valueOr(""), "Hola Mundo.");
  EXPECT_EQ((*t)->translate("Hello world.").valueOr(""), "Hola Mundo.");
  const TranslatorStats s = (*t)->stats();
  EXPECT_EQ(s.requests, 2);
  EXPECT_EQ(s.cache_hits, 1);
  EXPECT_EQ(s.translated, 1);
  EXPECT_EQ(cache->get("es", "Hello world.").value_or(""), "Hola Mundo.");
}

TEST_F(ApertiumTest, MissingPairAndOversizeText) {
  ApertiumConfig missing;
  missing.pair = "xxx-yyy";
  auto m = ApertiumTranslator::create(missing);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, core::ErrorCode::kNotFound);
  EXPECT_TRUE(contains(m.error().message, "xxx-yyy"));
  ApertiumConfig small;
  small.max_text_bytes = 20;
  auto t = makeTranslator(small);
  ASSERT_TRUE(t);
  auto big = t->translate("This sentence is certainly longer than twenty bytes.");
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, core::ErrorCode::kInvalidInput);
  EXPECT_TRUE(t->translate("Hello.").ok());
}

}  // namespace
}  // namespace parley::translate
