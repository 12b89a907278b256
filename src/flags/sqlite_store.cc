#include "flags/sqlite_store.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <system_error>

#include "core/clock.h"
#include "db/sqlite_util.h"

namespace parley::flags {
namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS flag_versions ("
    " name TEXT NOT NULL, version INTEGER NOT NULL, time REAL NOT NULL,"
    " actor TEXT NOT NULL, reason TEXT NOT NULL, value TEXT NOT NULL,"
    " PRIMARY KEY (name, version))";

using db::bindText;
using db::columnText;
using db::Stmt;

// True when the flag table exists (false also when the file cannot be read: the caller's next
// statement reports that).
bool hasSchema(sqlite3* db) {
  Stmt st;
  if (st.prepare(db,
                 "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = "
                 "'flag_versions'") != SQLITE_OK) {
    return false;
  }
  return sqlite3_step(st.get()) == SQLITE_ROW;
}

}  // namespace

SqliteStore::SqliteStore(std::string url, std::string path, StoreOptions options)
    : url_(std::move(url)), path_(std::move(path)), options_(options) {}

SqliteStore::~SqliteStore() {
  std::lock_guard lock(mu_);
  closeLocked();
}

namespace {
unsigned long long fileId(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return (static_cast<unsigned long long>(st.st_dev) << 40) ^
         static_cast<unsigned long long>(st.st_ino);
}
}  // namespace

void SqliteStore::checkFileLocked() {
  if (db_ && fileId(path_) != file_id_) closeLocked();
}

void SqliteStore::closeLocked() {
  if (db_) sqlite3_close_v2(db_);
  db_ = nullptr;
}

core::Error SqliteStore::failLocked(const std::string& what, int rc) {
  std::string detail = db::errorText(db_, rc);
  int primary = rc & 0xff;
  std::string hint;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    hint = " (another process holds the write lock; waited " +
           std::to_string(options_.busy_timeout_ms) + " ms)";
  } else if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT) {
    hint = " (the database file is corrupt or not a SQLite database)";
  }
  // Reconnect on the next call: the file may have been repaired or replaced.
  closeLocked();
  return core::Error::unavailable("store " + url_ + ": " + what + ": " + detail + hint);
}

core::Status SqliteStore::connectLocked(bool create) {
  if (db_) return core::okStatus();
  std::error_code ec;
  if (!create && !std::filesystem::exists(path_, ec)) {
    return core::Error::notFound("store " + url_ + ": database file " + path_ +
                                 " does not exist yet");
  }
  if (create) {
    if (auto dir = db::createParentDirectory(path_); !dir.ok()) {
      return core::Error::unavailable("store " + url_ + ": " + dir.error().message);
    }
  }
  int rc = db::openConnection(path_, create, options_.busy_timeout_ms, &db_);
  if (rc != SQLITE_OK) return failLocked("cannot open " + path_, rc);
  {
    Stmt st;
    rc = st.prepare(db_, "PRAGMA journal_mode=WAL");
    if (rc == SQLITE_OK) rc = sqlite3_step(st.get());
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return failLocked("cannot open " + path_, rc);
  }
  rc = db::exec(db_, "PRAGMA synchronous=FULL");
  // A new store's schema is created in an IMMEDIATE transaction: a deferred one that finds
  // another process has just created it fails with SQLITE_BUSY_SNAPSHOT at once, without
  // waiting in the busy handler (several processes opening a new store together). An existing
  // schema needs no write lock, so readers still open while a writer holds it.
  if (rc == SQLITE_OK && !hasSchema(db_)) {
    rc = db::exec(db_, "BEGIN IMMEDIATE");
    if (rc == SQLITE_OK) {
      rc = db::exec(db_, kSchema);
      const int end = db::exec(db_, rc == SQLITE_OK ? "COMMIT" : "ROLLBACK");
      if (rc == SQLITE_OK) rc = end;
    }
  }
  if (rc != SQLITE_OK) return failLocked("cannot prepare " + path_, rc);
  ++connections_;
  file_id_ = fileId(path_);
  return core::okStatus();
}

core::Result<std::vector<ParamVersion>> SqliteStore::queryLocked(std::string_view name,
                                                                 const char* sql, long long arg) {
  std::vector<ParamVersion> out;
  Stmt st;
  int rc = st.prepare(db_, sql);
  if (rc != SQLITE_OK) return failLocked("cannot read", rc);
  bindText(st.get(), 1, name);
  sqlite3_bind_int64(st.get(), 2, arg);
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
    ParamVersion v;
    v.name = std::string(name);
    v.version = sqlite3_column_int64(st.get(), 0);
    v.time = sqlite3_column_double(st.get(), 1);
    v.actor = columnText(st.get(), 2);
    v.reason = columnText(st.get(), 3);
    v.value = columnText(st.get(), 4);
    out.push_back(std::move(v));
  }
  if (rc != SQLITE_DONE) return failLocked("cannot read", rc);
  return out;
}

core::Result<std::optional<ParamVersion>> SqliteStore::queryOneLocked(std::string_view name,
                                                                      const char* sql,
                                                                      long long arg) {
  checkFileLocked();
  auto st = connectLocked(false);
  if (!st.ok()) {
    if (st.error().code == core::ErrorCode::kNotFound) return std::optional<ParamVersion>();
    return st.error();
  }
  auto rows = queryLocked(name, sql, arg);
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return std::optional<ParamVersion>();
  return std::optional<ParamVersion>(std::move(rows->front()));
}

core::Result<std::optional<ParamVersion>> SqliteStore::latest(std::string_view name) {
  std::lock_guard lock(mu_);
  return queryOneLocked(name,
                        "SELECT version, time, actor, reason, value FROM flag_versions"
                        " WHERE name = ?1 AND ?2 = ?2 ORDER BY version DESC LIMIT 1",
                        0);
}

core::Result<std::optional<ParamVersion>> SqliteStore::get(std::string_view name,
                                                           long long version) {
  std::lock_guard lock(mu_);
  return queryOneLocked(name,
                        "SELECT version, time, actor, reason, value FROM flag_versions"
                        " WHERE name = ?1 AND version = ?2",
                        version);
}

core::Result<std::vector<ParamVersion>> SqliteStore::history(std::string_view name, int limit) {
  std::lock_guard lock(mu_);
  checkFileLocked();
  auto st = connectLocked(false);
  if (!st.ok()) {
    if (st.error().code == core::ErrorCode::kNotFound) return std::vector<ParamVersion>();
    return st.error();
  }
  auto rows = queryLocked(name,
                          "SELECT * FROM (SELECT version, time, actor, reason, value FROM"
                          " flag_versions WHERE name = ?1 ORDER BY version DESC LIMIT ?2)"
                          " ORDER BY version ASC",
                          limit > 0 ? limit : -1);
  return rows;
}

core::Result<ParamVersion> SqliteStore::put(std::string_view name, std::string_view value,
                                            std::string_view actor, std::string_view reason,
                                            std::optional<long long> if_latest) {
  std::lock_guard lock(mu_);
  checkFileLocked();
  auto st = connectLocked(true);
  if (!st.ok()) return st.error();
  int rc = db::exec(db_, "BEGIN IMMEDIATE");
  if (rc != SQLITE_OK) return failLocked("cannot start a write", rc);
  auto rollback = [&](const std::string& what, int code) {
    db::exec(db_, "ROLLBACK");
    return failLocked(what, code);
  };
  ParamVersion v;
  v.name = std::string(name);
  v.actor = std::string(actor);
  v.reason = std::string(reason);
  v.value = std::string(value);
  {
    Stmt q;
    rc = q.prepare(db_, "SELECT COALESCE(MAX(version), 0) FROM flag_versions WHERE name = ?1");
    if (rc == SQLITE_OK) {
      bindText(q.get(), 1, name);
      rc = sqlite3_step(q.get());
    }
    if (rc != SQLITE_ROW) return rollback("cannot read the newest version", rc);
    v.version = sqlite3_column_int64(q.get(), 0) + 1;
  }
  if (if_latest && *if_latest != v.version - 1) {
    db::exec(db_, "ROLLBACK");
    return core::Error::unavailable("conflict: " + std::string(name) + " is at version " +
                                    std::to_string(v.version - 1) + ", not " +
                                    std::to_string(*if_latest));
  }
  v.time = core::wallTimeSeconds();
  {
    Stmt ins;
    rc = ins.prepare(db_,
                     "INSERT INTO flag_versions (name, version, time, actor, reason, value)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (rc == SQLITE_OK) {
      bindText(ins.get(), 1, name);
      sqlite3_bind_int64(ins.get(), 2, v.version);
      sqlite3_bind_double(ins.get(), 3, v.time);
      bindText(ins.get(), 4, actor);
      bindText(ins.get(), 5, reason);
      bindText(ins.get(), 6, value);
      rc = sqlite3_step(ins.get());
    }
    if (rc != SQLITE_DONE) return rollback("cannot write version " + std::to_string(v.version), rc);
  }
  rc = db::exec(db_, "COMMIT");
  if (rc != SQLITE_OK) return rollback("cannot commit", rc);
  return v;
}

core::Result<long long> SqliteStore::changeToken() {
  std::lock_guard lock(mu_);
  checkFileLocked();
  auto st = connectLocked(false);
  if (!st.ok()) {
    if (st.error().code == core::ErrorCode::kNotFound) return 0LL;
    return st.error();
  }
  Stmt q;
  int rc = q.prepare(db_, "PRAGMA data_version");
  if (rc == SQLITE_OK) rc = sqlite3_step(q.get());
  if (rc != SQLITE_ROW) return failLocked("cannot read data_version", rc);
  // A new connection restarts data_version, so the connection count is part of the token.
  return (connections_ << 32) + sqlite3_column_int64(q.get(), 0);
}

}  // namespace parley::flags
