#include "db/sqlite_util.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace parley::db {
namespace {

namespace fs = std::filesystem;

// An in-memory database per test, plus a scratch directory for the tests that need files.
class SqliteUtilTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(openConnection(":memory:", true, 1000, &db_), SQLITE_OK);
    std::string tmpl = (fs::temp_directory_path() / "parley-db-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    sqlite3_close_v2(db_);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Binds `value` to `SELECT ?1, typeof(?1)` and reads both columns back.
  std::pair<std::string, std::string> selectBound(std::string_view value) {
    Stmt st;
    EXPECT_EQ(st.prepare(db_, "SELECT ?1, typeof(?1)"), SQLITE_OK);
    EXPECT_EQ(bindText(st.get(), 1, value), SQLITE_OK);
    EXPECT_EQ(sqlite3_step(st.get()), SQLITE_ROW);
    return {columnText(st.get(), 0), columnText(st.get(), 1)};
  }

  int liveStatements() {
    int n = 0;
    for (auto* s = sqlite3_next_stmt(db_, nullptr); s; s = sqlite3_next_stmt(db_, s)) ++n;
    return n;
  }

  sqlite3* db_ = nullptr;
  std::string dir_;
};

TEST_F(SqliteUtilTest, TextRoundTripsByteForByte) {
  const std::string utf8 =
      "Gr\xC3\xBC\xC3\x9F"
      "e \xE2\x80\x94 \xE6\x97\xA5\xE6\x9C\xAC "
      "\xF0\x9F\x8E\x99";  // "Grüße — 日本 🎙"
  const std::string with_nul("a\0b", 3);
  for (const std::string& value : {std::string("hello"), std::string(), utf8, with_nul}) {
    auto [text, type] = selectBound(value);
    EXPECT_EQ(text, value);
    EXPECT_EQ(text.size(), value.size());
    EXPECT_EQ(type, "text");
  }
}

TEST_F(SqliteUtilTest, BindsOnlyTheViewsBytes) {
  const std::string buffer = "session-42 and more";
  EXPECT_EQ(selectBound(std::string_view(buffer).substr(0, 10)).first, "session-42");
}

TEST_F(SqliteUtilTest, AnEmptyViewWithoutDataBindsEmptyTextNotNull) {
  auto [text, type] = selectBound(std::string_view());
  EXPECT_EQ(text, "");
  EXPECT_EQ(type, "text");
}

TEST_F(SqliteUtilTest, NullColumnReadsAsEmptyAndNumbersAsTheirText) {
  Stmt st;
  ASSERT_EQ(st.prepare(db_, "SELECT NULL, 42, 2.5"), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st.get()), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_type(st.get(), 0), SQLITE_NULL);
  EXPECT_EQ(columnText(st.get(), 0), "");
  EXPECT_EQ(columnText(st.get(), 1), "42");
  EXPECT_EQ(columnText(st.get(), 2), "2.5");
}

TEST_F(SqliteUtilTest, UnicodeSurvivesATableRoundTrip) {
  ASSERT_EQ(exec(db_, "CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT)"), SQLITE_OK);
  const std::string key = "\xD0\xBA\xD0\xBB\xD1\x8E\xD1\x87";  // "ключ"
  const std::string value = "\xE3\x81\x93\xE3\x82\x93\xE3\x81\xAB\xE3\x81\xA1\xE3\x81\xAF";
  {
    Stmt ins;
    ASSERT_EQ(ins.prepare(db_, "INSERT INTO t (k, v) VALUES (?1, ?2)"), SQLITE_OK);
    bindText(ins.get(), 1, key);
    bindText(ins.get(), 2, value);
    ASSERT_EQ(sqlite3_step(ins.get()), SQLITE_DONE);
    Stmt null_row;
    ASSERT_EQ(null_row.prepare(db_, "INSERT INTO t (k, v) VALUES ('empty', NULL)"), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(null_row.get()), SQLITE_DONE);
  }
  Stmt q;
  ASSERT_EQ(q.prepare(db_, "SELECT v, length(v) FROM t WHERE k = ?1"), SQLITE_OK);
  bindText(q.get(), 1, key);
  ASSERT_EQ(sqlite3_step(q.get()), SQLITE_ROW);
  EXPECT_EQ(columnText(q.get(), 0), value);
  EXPECT_EQ(sqlite3_column_int(q.get(), 1), 5);  // five characters, fifteen bytes
  EXPECT_EQ(sqlite3_step(q.get()), SQLITE_DONE);

  ASSERT_EQ(q.prepare(db_, "SELECT v FROM t WHERE k = 'empty'"), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(q.get()), SQLITE_ROW);
  EXPECT_EQ(columnText(q.get(), 0), "");
}

TEST_F(SqliteUtilTest, StatementIsFinalizedAtScopeEndAndOnReprepare) {
  {
    Stmt st;
    EXPECT_EQ(st.get(), nullptr);
    ASSERT_EQ(st.prepare(db_, "SELECT 1"), SQLITE_OK);
    EXPECT_NE(st.get(), nullptr);
    EXPECT_EQ(liveStatements(), 1);
    ASSERT_EQ(st.prepare(db_, "SELECT 2"), SQLITE_OK);
    EXPECT_EQ(liveStatements(), 1);
  }
  EXPECT_EQ(liveStatements(), 0);
  // Every statement finalized: a plain close succeeds (it fails while statements are live).
  EXPECT_EQ(sqlite3_close(db_), SQLITE_OK);
  db_ = nullptr;
}

TEST_F(SqliteUtilTest, PrepareErrorIsReportedWithSqlitesMessage) {
  Stmt st;
  int rc = st.prepare(db_, "SELEC 1");
  EXPECT_EQ(rc, SQLITE_ERROR);
  EXPECT_EQ(st.get(), nullptr);
  EXPECT_NE(errorText(db_, rc).find("syntax error"), std::string::npos) << errorText(db_, rc);
}

TEST_F(SqliteUtilTest, ErrorTextWithoutAConnectionNamesTheCode) {
  EXPECT_EQ(errorText(nullptr, SQLITE_BUSY), "database is locked");
  EXPECT_EQ(errorText(nullptr, SQLITE_CANTOPEN), "unable to open database file");
}

TEST_F(SqliteUtilTest, ExecRunsEveryStatementAndReportsFailures) {
  EXPECT_EQ(exec(db_, "CREATE TABLE a (x); INSERT INTO a VALUES (1); INSERT INTO a VALUES (2)"),
            SQLITE_OK);
  Stmt q;
  ASSERT_EQ(q.prepare(db_, "SELECT COUNT(*) FROM a"), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(q.get()), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(q.get(), 0), 2);

  std::string error = "untouched";
  EXPECT_EQ(exec(db_, "INSERT INTO missing VALUES (1)", &error), SQLITE_ERROR);
  EXPECT_NE(error.find("no such table: missing"), std::string::npos) << error;
  EXPECT_EQ(exec(db_, "INSERT INTO missing VALUES (1)"), SQLITE_ERROR);

  error = "untouched";
  EXPECT_EQ(exec(db_, "SELECT 1", &error), SQLITE_OK);
  EXPECT_EQ(error, "untouched");
}

TEST_F(SqliteUtilTest, OpenWithoutCreateLeavesAMissingFileAbsent) {
  const std::string path = dir_ + "/absent.db";
  sqlite3* db = nullptr;
  int rc = openConnection(path, false, 100, &db);
  EXPECT_EQ(rc, SQLITE_CANTOPEN);
  EXPECT_NE(errorText(db, rc).find("unable to open"), std::string::npos) << errorText(db, rc);
  sqlite3_close_v2(db);
  EXPECT_FALSE(fs::exists(path));

  ASSERT_EQ(openConnection(path, true, 100, &db), SQLITE_OK);
  EXPECT_EQ(exec(db, "CREATE TABLE t (x)"), SQLITE_OK);
  sqlite3_close_v2(db);
  EXPECT_TRUE(fs::exists(path));
  ASSERT_EQ(openConnection(path, false, 100, &db), SQLITE_OK);
  EXPECT_EQ(exec(db, "INSERT INTO t VALUES (1)"), SQLITE_OK);
  sqlite3_close_v2(db);
}

TEST_F(SqliteUtilTest, ANonDatabaseFileFailsOnFirstUse) {
  const std::string path = dir_ + "/junk.db";
  std::ofstream(path) << std::string(4096, 'x');
  sqlite3* db = nullptr;
  ASSERT_EQ(openConnection(path, false, 100, &db), SQLITE_OK);  // SQLite reads lazily
  std::string error;
  int rc = exec(db, "SELECT * FROM sqlite_master", &error);
  EXPECT_EQ(rc, SQLITE_NOTADB);
  EXPECT_EQ(error, "file is not a database");
  EXPECT_EQ(errorText(db, rc), "file is not a database");
  sqlite3_close_v2(db);
}

TEST_F(SqliteUtilTest, BusyTimeoutGivesUpWhileAnotherConnectionHoldsTheWriteLock) {
  const std::string path = dir_ + "/locked.db";
  sqlite3* holder = nullptr;
  sqlite3* waiter = nullptr;
  ASSERT_EQ(openConnection(path, true, 100, &holder), SQLITE_OK);
  ASSERT_EQ(exec(holder, "PRAGMA journal_mode=WAL; CREATE TABLE t (x)"), SQLITE_OK);
  ASSERT_EQ(openConnection(path, false, 20, &waiter), SQLITE_OK);
  ASSERT_EQ(exec(holder, "BEGIN IMMEDIATE"), SQLITE_OK);
  int rc = exec(waiter, "BEGIN IMMEDIATE");
  EXPECT_EQ(rc, SQLITE_BUSY);
  EXPECT_EQ(errorText(waiter, rc), "database is locked");
  ASSERT_EQ(exec(holder, "COMMIT"), SQLITE_OK);
  EXPECT_EQ(exec(waiter, "BEGIN IMMEDIATE; INSERT INTO t VALUES (1); COMMIT"), SQLITE_OK);
  sqlite3_close_v2(waiter);
  sqlite3_close_v2(holder);
}

TEST_F(SqliteUtilTest, CreatesTheParentDirectoryOfADatabaseFile) {
  EXPECT_TRUE(createParentDirectory(dir_ + "/a/b/c/store.db").ok());
  EXPECT_TRUE(fs::is_directory(dir_ + "/a/b/c"));
  EXPECT_TRUE(createParentDirectory(dir_ + "/a/b/c/store.db").ok());  // already there
  EXPECT_TRUE(createParentDirectory("store.db").ok());                // no directory part

  std::ofstream(dir_ + "/file") << "not a directory";
  auto st = createParentDirectory(dir_ + "/file/sub/store.db");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, core::ErrorCode::kUnavailable);
  EXPECT_EQ(st.error().message.rfind("cannot create directory " + dir_ + "/file/sub: ", 0), 0u)
      << st.error().message;
}

}  // namespace
}  // namespace parley::db
