#include "flags/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "flags/param_store.h"
#include "flags/tests/temp_dir.h"

namespace parley::flags {
namespace {

using testing::TempDir;

constexpr const char* kName = "/test/flag";

std::unique_ptr<ParamStore> open(const std::string& path, int busy_ms = 5000) {
  auto s = openStore("sqlite:" + path, StoreOptions{busy_ms});
  EXPECT_TRUE(s.ok());
  return std::move(s).value();
}

TEST(SqliteStore, EveryWriteIsANewVersionWithTimeActorAndReason) {
  TempDir dir;
  auto store = open(dir.file("p.db"));
  auto none = store->latest(kName);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto v1 = store->put(kName, "one", "alice", "first");
  ASSERT_TRUE(v1.ok()) << v1.error().message;
  EXPECT_EQ(v1->version, 1);
  auto v2 = store->put(kName, "two", "bob", "second");
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->version, 2);
  auto other = store->put("/other", "x", "carol", "elsewhere");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->version, 1);  // versions count per parameter

  auto latest = store->latest(kName);
  ASSERT_TRUE(latest.ok());
  ASSERT_TRUE(latest->has_value());
  EXPECT_EQ((*latest)->version, 2);
  EXPECT_EQ((*latest)->value, "two");
  EXPECT_EQ((*latest)->actor, "bob");
  EXPECT_EQ((*latest)->reason, "second");
  EXPECT_GT((*latest)->time, 1.6e9);

  auto h = store->history(kName, 0);
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->size(), 2u);
  EXPECT_EQ((*h)[0].version, 1);
  EXPECT_EQ((*h)[0].reason, "first");
  EXPECT_LE((*h)[0].time, (*h)[1].time);
  auto last = store->history(kName, 1);
  ASSERT_TRUE(last.ok());
  ASSERT_EQ(last->size(), 1u);
  EXPECT_EQ((*last)[0].version, 2);

  auto got = store->get(kName, 1);
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->value, "one");
  auto missing = store->get(kName, 9);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST(SqliteStore, ReadingAMissingFileDoesNotCreateIt) {
  TempDir dir;
  std::string path = dir.file("sub/dir/p.db");
  auto store = open(path);
  auto latest = store->latest(kName);
  ASSERT_TRUE(latest.ok());
  EXPECT_FALSE(latest->has_value());
  auto h = store->history(kName, 0);
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->empty());
  EXPECT_FALSE(std::filesystem::exists(path));
  // The first write creates the parent directories and the file.
  ASSERT_TRUE(store->put(kName, "v", "a", "r").ok());
  EXPECT_TRUE(std::filesystem::exists(path));
}

TEST(SqliteStore, ConditionalWriteDetectsAConflict) {
  TempDir dir;
  auto store = open(dir.file("p.db"));
  ASSERT_TRUE(store->put(kName, "a", "x", "r", 0).ok());
  auto stale = store->put(kName, "b", "x", "r", 0);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().message.rfind("conflict:", 0), 0u);
  auto fresh = store->put(kName, "b", "x", "r", 1);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->version, 2);
}

TEST(SqliteStore, ChangeTokenMovesWhenAnotherConnectionWrites) {
  TempDir dir;
  std::string path = dir.file("p.db");
  auto writer = open(path);
  auto reader = open(path);
  auto t0 = reader->changeToken();
  ASSERT_TRUE(t0.ok());
  ASSERT_TRUE(writer->put(kName, "a", "x", "r").ok());
  auto t1 = reader->changeToken();
  ASSERT_TRUE(t1.ok());
  EXPECT_NE(*t0, *t1);  // the file appeared
  auto t2 = reader->changeToken();
  ASSERT_TRUE(t2.ok());
  EXPECT_EQ(*t1, *t2);  // nothing changed
  ASSERT_TRUE(writer->put(kName, "b", "x", "r").ok());
  auto t3 = reader->changeToken();
  ASSERT_TRUE(t3.ok());
  EXPECT_NE(*t2, *t3);
}

TEST(SqliteStore, ConcurrentWritersFromThreadsNeverLoseAVersion) {
  TempDir dir;
  std::string path = dir.file("p.db");
  constexpr int kThreads = 4;
  constexpr int kWrites = 25;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto store = open(path);  // one connection per thread, as separate servers would have
      for (int i = 0; i < kWrites; ++i) {
        auto r = store->put(kName, "t" + std::to_string(t) + "-" + std::to_string(i), "thread",
                            "concurrency");
        if (!r.ok()) failures.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto h = open(path)->history(kName, 0);
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->size(), static_cast<std::size_t>(kThreads * kWrites));
  std::set<std::string> values;
  for (std::size_t i = 0; i < h->size(); ++i) {
    EXPECT_EQ((*h)[i].version, static_cast<long long>(i + 1));
    values.insert((*h)[i].value);
  }
  EXPECT_EQ(values.size(), static_cast<std::size_t>(kThreads * kWrites));
}

TEST(SqliteStore, ConcurrentWritersFromProcessesNeverLoseAVersion) {
  TempDir dir;
  std::string path = dir.file("p.db");
  constexpr int kProcs = 3;
  constexpr int kWrites = 20;
  std::vector<pid_t> pids;
  for (int p = 0; p < kProcs; ++p) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int bad = 0;
      {
        SqliteStore store("sqlite:" + path, path, StoreOptions{10000});
        for (int i = 0; i < kWrites; ++i) {
          auto r = store.put(kName, "p" + std::to_string(p) + "-" + std::to_string(i), "proc",
                             "concurrency");
          if (!r.ok()) ++bad;
        }
      }
      ::_exit(bad == 0 ? 0 : 1);
    }
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  auto h = open(path)->history(kName, 0);
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->size(), static_cast<std::size_t>(kProcs * kWrites));
  std::set<std::string> values;
  for (std::size_t i = 0; i < h->size(); ++i) {
    EXPECT_EQ((*h)[i].version, static_cast<long long>(i + 1));
    values.insert((*h)[i].value);
  }
  EXPECT_EQ(values.size(), static_cast<std::size_t>(kProcs * kWrites));
}

TEST(SqliteStore, ALockedDatabaseIsAClearErrorAndReadsStillWork) {
  TempDir dir;
  std::string path = dir.file("p.db");
  auto store = open(path, 100);
  ASSERT_TRUE(store->put(kName, "before", "a", "r").ok());
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto blocked = store->put(kName, "during", "a", "r");
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().code, core::ErrorCode::kUnavailable);
  EXPECT_NE(blocked.error().message.find("locked"), std::string::npos) << blocked.error().message;
  auto read = store->latest(kName);  // WAL: readers are not blocked by the writer
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ((*read)->value, "before");
  ASSERT_EQ(sqlite3_exec(raw, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  auto after = store->put(kName, "after", "a", "r");
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_EQ(after->version, 2);  // the failed write did not take a version
}

TEST(SqliteStore, ACorruptFileIsAClearErrorNotACrash) {
  TempDir dir;
  std::string path = dir.file("p.db");
  {
    std::ofstream f(path, std::ios::binary);
    f << std::string(8192, 'x');
  }
  auto store = open(path);
  auto latest = store->latest(kName);
  ASSERT_FALSE(latest.ok());
  EXPECT_EQ(latest.error().code, core::ErrorCode::kUnavailable);
  EXPECT_NE(latest.error().message.find("not a database"), std::string::npos)
      << latest.error().message;
  EXPECT_FALSE(store->put(kName, "v", "a", "r").ok());
  EXPECT_FALSE(store->history(kName, 0).ok());
  EXPECT_FALSE(store->changeToken().ok());
}

TEST(StoreUrl, SupportedAndUnsupportedSchemes) {
  auto sqlite = parseStoreUrl("sqlite:var/parley.db");
  ASSERT_TRUE(sqlite.ok());
  EXPECT_EQ(sqlite->kind, "sqlite");
  EXPECT_EQ(sqlite->path, "var/parley.db");
  EXPECT_EQ(parseStoreUrl("sqlite:///tmp/x.db")->path, "/tmp/x.db");
  EXPECT_EQ(parseStoreUrl("static:")->kind, "static");
  auto etcd = openStore("etcd://localhost:2379");
  ASSERT_FALSE(etcd.ok());
  EXPECT_EQ(etcd.error().code, core::ErrorCode::kUsage);
  EXPECT_NE(etcd.error().message.find("'etcd' is not supported"), std::string::npos);
  EXPECT_NE(etcd.error().message.find("sqlite:PATH"), std::string::npos);
  EXPECT_FALSE(openStore("var/parley.db").ok());
  EXPECT_FALSE(openStore("sqlite:").ok());
  EXPECT_FALSE(openStore("static:").ok());
  EXPECT_EQ(lkgPathFor("sqlite:var/parley.db"), "var/parley.db.lkg.json");
  EXPECT_EQ(lkgPathFor("static:"), "");
}

TEST(StoreUrl, DefaultComesFromParleyStore) {
  {
    testing::ScopedEnv e("PARLEY_STORE", nullptr);
    EXPECT_EQ(defaultStoreUrl(), "sqlite:var/parley.db");
  }
  testing::ScopedEnv e("PARLEY_STORE", "sqlite:/tmp/other.db");
  EXPECT_EQ(defaultStoreUrl(), "sqlite:/tmp/other.db");
}

}  // namespace
}  // namespace parley::flags
