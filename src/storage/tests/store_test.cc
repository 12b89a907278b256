#include "storage/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

namespace parley::storage {
namespace {

std::string tempDb(const char* name) {
  auto dir =
      std::filesystem::temp_directory_path() / ("parley_storage_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = dir / name;
  std::filesystem::remove(path);
  std::filesystem::remove(path.string() + "-wal");
  std::filesystem::remove(path.string() + "-shm");
  return path.string();
}

SessionRecord record(const std::string& id) {
  SessionRecord r;
  r.id = id;
  r.token_hash = "abc";
  r.source_language = "en";
  r.targets = {"es", "fr"};
  r.created_at = 1000.5;
  r.decision_json = R"({"bucket":73})";
  return r;
}

TranscriptEntry entry(const std::string& id, const std::string& lang, long long seq) {
  TranscriptEntry e;
  e.session_id = id;
  e.lang = lang;
  e.seq = seq;
  e.source_seq = seq;
  e.kind = "partial";
  e.text = lang + " text " + std::to_string(seq);
  e.source_text = "text " + std::to_string(seq);
  e.audio_start = static_cast<double>(seq);
  e.audio_end = static_cast<double>(seq) + 0.5;
  return e;
}

TEST(Identifier, AcceptsOnlySqlIdentifiers) {
  EXPECT_TRUE(isValidIdentifier("Sessions"));
  EXPECT_TRUE(isValidIdentifier("_s2"));
  EXPECT_FALSE(isValidIdentifier(""));
  EXPECT_FALSE(isValidIdentifier("2s"));
  EXPECT_FALSE(isValidIdentifier("Sessions; DROP TABLE x"));
  EXPECT_FALSE(isValidIdentifier("a-b"));
  EXPECT_FALSE(isValidIdentifier(std::string(65, 'a')));
}

TEST(Identifier, EnvironmentIsValidated) {
  ::setenv("SESSIONS_TABLE_NAME", "bad name", 1);
  auto bad = sessionsTableFromEnvironment();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("SESSIONS_TABLE_NAME"), std::string::npos);
  ::setenv("SESSIONS_TABLE_NAME", "Talks", 1);
  EXPECT_EQ(sessionsTableFromEnvironment().value(), "Talks");
  ::unsetenv("SESSIONS_TABLE_NAME");
  EXPECT_EQ(sessionsTableFromEnvironment().value(), "Sessions");
}

TEST(Store, PublicTranscriptRoundTripsAndOldDatabasesGetTheColumn) {
  std::string path = tempDb("old.db");
  {
    // A sessions table as written before public_transcript existed.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "CREATE TABLE Sessions (id TEXT PRIMARY KEY, token_hash TEXT NOT NULL,"
                           " source_language TEXT NOT NULL, targets TEXT NOT NULL, state TEXT NOT"
                           " NULL, created_at REAL NOT NULL, ended_at REAL NOT NULL DEFAULT 0,"
                           " end_reason TEXT NOT NULL DEFAULT '', decision TEXT NOT NULL DEFAULT"
                           " '');"
                           "INSERT INTO Sessions (id, token_hash, source_language, targets, state,"
                           " created_at) VALUES ('old-owl-100', 'h', 'en', 'es', 'active', 1);",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto store = Store::open({path, "Sessions", true});
  ASSERT_TRUE(store.ok()) << store.error().message;
  auto old = (*store)->session("old-owl-100");
  ASSERT_TRUE(old.ok() && old->has_value());
  EXPECT_FALSE((**old).public_transcript);
  auto r = record("open-owl-101");
  r.public_transcript = true;
  ASSERT_TRUE((*store)->createSession(r).ok());
  auto got = (*store)->session("open-owl-101");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_TRUE((**got).public_transcript);
}

TEST(Store, FinalLinesRoundTripInOrderAndAreNotRepeated) {
  auto store = Store::open({tempDb("lines.db"), "Sessions", true});
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_EQ((*store)->lastLine("s-a-100").value(), 0);
  for (long long n : {2, 1, 3}) {
    LineEntry e;
    e.session_id = "s-a-100";
    e.lang = "es";
    e.line = n;
    e.rev = static_cast<int>(n) + 1;
    e.text = "linea " + std::to_string(n);
    e.source_text = "line " + std::to_string(n);
    e.confirmed = n != 3;
    e.audio_start = static_cast<double>(n);
    e.audio_end = static_cast<double>(n) + 0.5;
    ASSERT_TRUE((*store)->appendLine(e).ok());
    if (n == 1) {
      EXPECT_EQ((*store)->appendLine(e).error().code, core::ErrorCode::kInvalidInput);
    }
  }
  auto all = (*store)->lines("s-a-100", "es").value();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].line, 1);
  EXPECT_EQ(all[0].text, "linea 1");
  EXPECT_EQ(all[0].rev, 2);
  EXPECT_TRUE(all[0].confirmed);
  EXPECT_FALSE(all[2].confirmed);
  auto tail = (*store)->lineTail("s-a-100", "es", 2).value();
  ASSERT_EQ(tail.size(), 2u);
  EXPECT_EQ(tail[0].line, 2);
  EXPECT_EQ(tail[1].line, 3);
  EXPECT_EQ((*store)->lastLine("s-a-100").value(), 3);
  EXPECT_TRUE((*store)->lines("s-a-100", "en").value().empty());
}

TEST(Store, SessionsRoundTripAndEnd) {
  auto store = Store::open({tempDb("s.db"), "Talks", true});
  ASSERT_TRUE(store.ok()) << store.error().message;
  ASSERT_TRUE((*store)->createSession(record("golden-eagle-427")).ok());
  EXPECT_FALSE((*store)->createSession(record("golden-eagle-427")).ok());
  auto got = (*store)->session("golden-eagle-427");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((**got).targets, (std::vector<std::string>{"es", "fr"}));
  EXPECT_EQ((**got).decision_json, R"({"bucket":73})");
  EXPECT_EQ((**got).state, SessionState::kActive);
  EXPECT_EQ((*store)->sessions(true)->size(), 1u);
  ASSERT_TRUE((*store)->endSession("golden-eagle-427", "speaker", 2000).ok());
  EXPECT_EQ((*store)->endSession("golden-eagle-427", "again", 2001).error().code,
            core::ErrorCode::kNotFound);
  EXPECT_EQ((*store)->sessions(true)->size(), 0u);
  auto ended = (*store)->session("golden-eagle-427");
  EXPECT_EQ((**ended).state, SessionState::kEnded);
  EXPECT_EQ((**ended).end_reason, "speaker");
  EXPECT_FALSE((*store)->session("nope-nope-1")->has_value());
}

TEST(Store, RejectsBadTableName) {
  auto store = Store::open({tempDb("bad.db"), "x; DROP", true});
  EXPECT_FALSE(store.ok());
}

TEST(Store, TranscriptAppendTailAndSeqs) {
  auto store = Store::open({tempDb("t.db"), "Sessions", true});
  ASSERT_TRUE(store.ok());
  for (int i = 1; i <= 30; ++i) {
    ASSERT_TRUE((*store)->append(entry("s-a-1", "es", i)).ok());
    if (i <= 5) {
      ASSERT_TRUE((*store)->append(entry("s-a-1", "en", i)).ok());
    }
  }
  EXPECT_FALSE((*store)->append(entry("s-a-1", "es", 3)).ok());  // no repeats
  auto tail = (*store)->tail("s-a-1", "es", 20);
  ASSERT_EQ(tail->size(), 20u);
  EXPECT_EQ(tail->front().seq, 11);
  EXPECT_EQ(tail->back().seq, 30);
  auto seqs = (*store)->lastSeqs("s-a-1");
  ASSERT_EQ(seqs->size(), 2u);
  EXPECT_EQ((*seqs)[0], (std::pair<std::string, long long>{"en", 5}));
  EXPECT_EQ((*seqs)[1], (std::pair<std::string, long long>{"es", 30}));
  EXPECT_DOUBLE_EQ((*store)->lastAudioEnd("s-a-1").value(), 30.5);
  auto es = (*store)->transcript("s-a-1", "es");
  ASSERT_EQ(es->size(), 30u);
  EXPECT_EQ((*es)[4].text, "es text 5");
  EXPECT_EQ((*store)->transcript("s-a-1")->size(), 35u);
}

// A child process appends rows, reports each one acknowledged through a pipe, and is killed
// with SIGKILL mid-stream: every acknowledged row is there when the database is reopened.
TEST(Store, AcknowledgedRowsSurviveSigkill) {
  std::string path = tempDb("kill.db");
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    auto store = Store::open({path, "Sessions", true});
    if (!store.ok()) ::_exit(3);
    for (long long i = 1;; ++i) {
      if (!(*store)->append(entry("k-k-1", "es", i)).ok()) ::_exit(4);
      if (::write(fds[1], &i, sizeof i) != sizeof i) ::_exit(5);
    }
  }
  ::close(fds[1]);
  long long acked = 0;
  while (acked < 200) {
    long long v = 0;
    ASSERT_EQ(::read(fds[0], &v, sizeof v), static_cast<ssize_t>(sizeof v));
    acked = v;
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(fds[0]);
  auto store = Store::open({path, "Sessions", true});
  ASSERT_TRUE(store.ok());
  auto rows = (*store)->transcript("k-k-1", "es");
  ASSERT_GE(rows->size(), static_cast<std::size_t>(acked));
  for (std::size_t i = 0; i < rows->size(); ++i) EXPECT_EQ((*rows)[i].seq, (long long)i + 1);
}

}  // namespace
}  // namespace parley::storage
