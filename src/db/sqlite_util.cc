#include "db/sqlite_util.h"

#include <sqlite3.h>

#include <filesystem>
#include <system_error>

namespace parley::db {

Stmt::~Stmt() { sqlite3_finalize(stmt_); }

int Stmt::prepare(sqlite3* db, std::string_view sql) {
  sqlite3_finalize(stmt_);
  stmt_ = nullptr;
  return sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
}

int bindText(sqlite3_stmt* stmt, int index, std::string_view value) {
  // A null pointer would bind NULL; an empty view is empty text like any other.
  return sqlite3_bind_text(stmt, index, value.data() ? value.data() : "",
                           static_cast<int>(value.size()), SQLITE_TRANSIENT);
}

std::string columnText(sqlite3_stmt* stmt, int index) {
  const auto* text = sqlite3_column_text(stmt, index);
  // sqlite3_column_bytes after sqlite3_column_text: the length of that same UTF-8 text.
  return text ? std::string(reinterpret_cast<const char*>(text),
                            static_cast<std::size_t>(sqlite3_column_bytes(stmt, index)))
              : std::string();
}

int exec(sqlite3* db, const char* sql, std::string* error) {
  char* message = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, error ? &message : nullptr);
  if (error && rc != SQLITE_OK) *error = message ? message : "";
  sqlite3_free(message);
  return rc;
}

int openConnection(const std::string& path, bool create, int busy_timeout_ms, sqlite3** db) {
  int open_flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), db, open_flags, nullptr);
  if (rc == SQLITE_OK) sqlite3_busy_timeout(*db, busy_timeout_ms);
  return rc;
}

std::string errorText(sqlite3* db, int rc) { return db ? sqlite3_errmsg(db) : sqlite3_errstr(rc); }

core::Status createParentDirectory(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return core::okStatus();
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) {
    return core::Error::unavailable("cannot create directory " + parent.string() + ": " +
                                    ec.message());
  }
  return core::okStatus();
}

}  // namespace parley::db
