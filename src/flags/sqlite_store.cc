#include "flags/sqlite_store.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <system_error>

#include "core/clock.h"

namespace parley::flags {
namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS flag_versions ("
    " name TEXT NOT NULL, version INTEGER NOT NULL, time REAL NOT NULL,"
    " actor TEXT NOT NULL, reason TEXT NOT NULL, value TEXT NOT NULL,"
    " PRIMARY KEY (name, version))";

// Finalizes a statement when it goes out of scope.
struct Stmt {
  sqlite3_stmt* s = nullptr;
  ~Stmt() { sqlite3_finalize(s); }
};

void bindText(sqlite3_stmt* s, int i, std::string_view v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

std::string columnText(sqlite3_stmt* s, int i) {
  const auto* p = sqlite3_column_text(s, i);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<std::size_t>(sqlite3_column_bytes(s, i)))
           : std::string();
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
  std::string detail = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
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
    auto parent = std::filesystem::path(path_).parent_path();
    if (!parent.empty()) {
      std::filesystem::create_directories(parent, ec);
      if (ec) {
        return core::Error::unavailable("store " + url_ + ": cannot create directory " +
                                        parent.string() + ": " + ec.message());
      }
    }
  }
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path_.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) return failLocked("cannot open " + path_, rc);
  sqlite3_busy_timeout(db_, options_.busy_timeout_ms);
  {
    Stmt st;
    rc = sqlite3_prepare_v2(db_, "PRAGMA journal_mode=WAL", -1, &st.s, nullptr);
    if (rc == SQLITE_OK) rc = sqlite3_step(st.s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return failLocked("cannot open " + path_, rc);
  }
  rc = sqlite3_exec(db_, "PRAGMA synchronous=FULL", nullptr, nullptr, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_exec(db_, kSchema, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return failLocked("cannot prepare " + path_, rc);
  ++connections_;
  file_id_ = fileId(path_);
  return core::okStatus();
}

core::Result<std::vector<ParamVersion>> SqliteStore::queryLocked(std::string_view name,
                                                                 const char* sql, long long arg) {
  std::vector<ParamVersion> out;
  Stmt st;
  int rc = sqlite3_prepare_v2(db_, sql, -1, &st.s, nullptr);
  if (rc != SQLITE_OK) return failLocked("cannot read", rc);
  bindText(st.s, 1, name);
  sqlite3_bind_int64(st.s, 2, arg);
  while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) {
    ParamVersion v;
    v.name = std::string(name);
    v.version = sqlite3_column_int64(st.s, 0);
    v.time = sqlite3_column_double(st.s, 1);
    v.actor = columnText(st.s, 2);
    v.reason = columnText(st.s, 3);
    v.value = columnText(st.s, 4);
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
  int rc = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return failLocked("cannot start a write", rc);
  auto rollback = [&](const std::string& what, int code) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return failLocked(what, code);
  };
  ParamVersion v;
  v.name = std::string(name);
  v.actor = std::string(actor);
  v.reason = std::string(reason);
  v.value = std::string(value);
  {
    Stmt q;
    rc = sqlite3_prepare_v2(db_,
                            "SELECT COALESCE(MAX(version), 0) FROM flag_versions WHERE name = ?1",
                            -1, &q.s, nullptr);
    if (rc == SQLITE_OK) {
      bindText(q.s, 1, name);
      rc = sqlite3_step(q.s);
    }
    if (rc != SQLITE_ROW) return rollback("cannot read the newest version", rc);
    v.version = sqlite3_column_int64(q.s, 0) + 1;
  }
  if (if_latest && *if_latest != v.version - 1) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return core::Error::unavailable("conflict: " + std::string(name) + " is at version " +
                                    std::to_string(v.version - 1) + ", not " +
                                    std::to_string(*if_latest));
  }
  v.time = core::wallTimeSeconds();
  {
    Stmt ins;
    rc = sqlite3_prepare_v2(db_,
                            "INSERT INTO flag_versions (name, version, time, actor, reason, value)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                            -1, &ins.s, nullptr);
    if (rc == SQLITE_OK) {
      bindText(ins.s, 1, name);
      sqlite3_bind_int64(ins.s, 2, v.version);
      sqlite3_bind_double(ins.s, 3, v.time);
      bindText(ins.s, 4, actor);
      bindText(ins.s, 5, reason);
      bindText(ins.s, 6, value);
      rc = sqlite3_step(ins.s);
    }
    if (rc != SQLITE_DONE) return rollback("cannot write version " + std::to_string(v.version), rc);
  }
  rc = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
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
  int rc = sqlite3_prepare_v2(db_, "PRAGMA data_version", -1, &q.s, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_step(q.s);
  if (rc != SQLITE_ROW) return failLocked("cannot read data_version", rc);
  // A new connection restarts data_version, so the connection count is part of the token.
  return (connections_ << 32) + sqlite3_column_int64(q.s, 0);
}

}  // namespace parley::flags
