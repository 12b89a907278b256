// Pure logic of the translate module: MT text preparation, output tidying, escaping, the LRU
// cache and the caching decorator (with a scripted fake backend).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "translate/apertium/apertium_translator.h"
#include "translate/translator.h"

namespace parley::translate {
namespace {

TEST(PrepareForMt, CapitalisesPronounsAndPunctuates) {
  auto p = prepareForMt("i would like a coffee");
  EXPECT_EQ(p.text, "I would like a coffee.");
  EXPECT_TRUE(p.added_period);
  EXPECT_EQ(prepareForMt("  so i'm sure i'll go and i'd say i've seen it, i think  ").text,
            "So I'm sure I'll go and I'd say I've seen it, I think.");
  EXPECT_EQ(prepareForMt("i\xE2\x80\x99m here").text, "I\xE2\x80\x99m here.");
  // Words that merely start with i are left alone.
  EXPECT_EQ(prepareForMt("it is in india").text, "It is in india.");
  auto q = prepareForMt("where is it?");
  EXPECT_EQ(q.text, "Where is it?");
  EXPECT_FALSE(q.added_period);
  EXPECT_EQ(prepareForMt("wow!").text, "Wow!");
  EXPECT_EQ(prepareForMt("and then,").text, "And then.");
  EXPECT_EQ(prepareForMt("he said \"stop.\"").text, "He said \"stop.\"");
  EXPECT_EQ(prepareForMt("multiple\t\nspaces   here").text, "Multiple spaces here.");
  EXPECT_EQ(prepareForMt("   ").text, "");
  EXPECT_EQ(prepareForMt(",").text, "");
  EXPECT_EQ(prepareForMt("\xC3\xA9t\xC3\xA9").text,
            "\xC3\xA9t\xC3\xA9.");  // non-ASCII first letter
}

TEST(TidyMtOutput, FixesSpacingAndEscapes) {
  EXPECT_EQ(tidyMtOutput(" Estoy yendo casa, y entonces  dormiré. \n"),
            "Estoy yendo casa, y entonces dormiré.");
  EXPECT_EQ(tidyMtOutput("Hola , mundo ! ( sí ) \xC2\xBF qué ?"), "Hola, mundo! (sí) \xC2\xBFqué?");
  EXPECT_EQ(tidyMtOutput("El gato \\[es\\] \\$5 \\\\ x"), "El gato [es] $5 \\ x");
  EXPECT_EQ(tidyMtOutput("Me gustaría un café. \n", true), "Me gustaría un café");
  EXPECT_EQ(tidyMtOutput("Espera...", true), "Espera...");
  EXPECT_EQ(tidyMtOutput("Qué?", true), "Qué?");
  EXPECT_EQ(tidyMtOutput(""), "");
}

TEST(EscapeForApertium, EscapesReservedAndBlanksHazards) {
  EXPECT_EQ(escapeForApertium("a{b}c$d/e\\f@g<h>i*j#k|l+m"),
            "a\\{b\\}c\\$d\\/e\\\\f\\@g\\<h\\>i\\*j\\#k\\|l\\+m");
  EXPECT_EQ(escapeForApertium("x[y]z^w~v"), "x y z w v");
  EXPECT_EQ(escapeForApertium(std::string_view("a\0b", 3)), "a b");
  EXPECT_EQ(escapeForApertium("plain text, ok."), "plain text, ok.");
}

TEST(TranslationCache, EvictsLeastRecentlyUsed) {
  TranslationCache c(2);
  c.put("es", "a", "A");
  c.put("es", "b", "B");
  EXPECT_EQ(c.get("es", "a").value_or(""), "A");  // a is now the most recent
  c.put("es", "c", "C");                          // evicts b
  EXPECT_FALSE(c.get("es", "b").has_value());
  EXPECT_EQ(c.get("es", "a").value_or(""), "A");
  EXPECT_EQ(c.get("es", "c").value_or(""), "C");
  EXPECT_EQ(c.size(), 2u);
  // The key includes the target language.
  EXPECT_FALSE(c.get("fr", "a").has_value());
  c.put("es", "a", "A2");
  EXPECT_EQ(c.get("es", "a").value_or(""), "A2");
  EXPECT_EQ(c.size(), 2u);
}

// Upper-cases its input; fails while `fail` is set.
class FakeTranslator final : public Translator {
 public:
  const std::string& sourceLanguage() const override { return src_; }
  const std::string& targetLanguage() const override { return dst_; }
  core::Result<std::string> translate(std::string_view text) override {
    ++calls;
    if (fail) return core::Error::unavailable("down");
    std::string s(text);
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  }
  bool available() const override { return !fail; }
  TranslatorStats stats() const override {
    TranslatorStats s;
    s.translated = calls;
    return s;
  }
  std::atomic<int> calls{0};
  std::atomic<bool> fail{false};

 private:
  std::string src_ = "en";
  std::string dst_ = "es";
};

TEST(CachingTranslator, CachesSuccessesOnly) {
  auto fake = std::make_unique<FakeTranslator>();
  FakeTranslator* f = fake.get();
  CachingTranslator t(std::move(fake), std::make_shared<TranslationCache>(16));
  f->fail = true;
  EXPECT_FALSE(t.translate("hello").ok());
  f->fail = false;
  EXPECT_EQ(t.translate("hello").valueOr(""), "HELLO");
  EXPECT_EQ(t.translate("hello").valueOr(""), "HELLO");
  EXPECT_EQ(f->calls.load(), 2);  // the failure was not cached, the success was
  const TranslatorStats s = t.stats();
  EXPECT_EQ(s.requests, 3);
  EXPECT_EQ(s.cache_hits, 1);
}

TEST(CachingTranslator, ConcurrentCallersGetTheirOwnAnswers) {
  auto fake = std::make_unique<FakeTranslator>();
  CachingTranslator t(std::move(fake), std::make_shared<TranslationCache>(8));
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      for (int j = 0; j < 200; ++j) {
        const std::string in = "t" + std::to_string(i) + "-" + std::to_string(j % 20);
        std::string want = in;
        want[0] = 'T';
        if (t.translate(in).valueOr("") != want) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(ApertiumConfig, ValidateNamesFields) {
  ApertiumConfig c;
  EXPECT_TRUE(c.validate().ok());
  c.pair = "eng spa;rm";
  c.reply_timeout_s = 0;
  c.max_text_bytes = 0;
  auto st = c.validate();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, core::ErrorCode::kInvalidInput);
  EXPECT_NE(st.error().message.find("pair"), std::string::npos);
  EXPECT_NE(st.error().message.find("reply_timeout_s must be in 0.05..60"), std::string::npos);
  EXPECT_NE(st.error().message.find("max_text_bytes"), std::string::npos);
}

}  // namespace
}  // namespace parley::translate
