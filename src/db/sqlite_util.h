// Small SQLite helpers shared by the modules that keep their data in SQLite (flags, storage):
// a prepared statement that finalizes itself, text binding and reading by length (so UTF-8 and
// embedded NUL bytes survive and NULL reads as ""), one-call exec, opening a connection with a
// busy timeout, the error text of a failed call, and creating a database file's directory.
// Results are plain SQLite result codes: each caller keeps its own error messages and policy
// (reconnect, hints). The sqlite3 header stays out of this one; callers include <sqlite3.h>.
// Threading: no state of its own; a connection and its statements belong to one thread at a time.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace parley::db {

// A prepared statement, finalized when it goes out of scope.
class Stmt {
 public:
  Stmt() = default;
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  // sqlite3_prepare_v2 of the first statement of `sql` (a previous one is finalized first).
  // Returns the SQLite result code; get() is null unless it is SQLITE_OK.
  int prepare(sqlite3* db, std::string_view sql);
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// Binds `value` as TEXT to parameter `index` (1-based), copied, exactly value.size() bytes
// (an empty view, even one without data, is empty TEXT, never NULL). Returns the result code.
int bindText(sqlite3_stmt* stmt, int index, std::string_view value);

// Column `index` (0-based) of the current row as text, exactly its byte length; "" for NULL.
std::string columnText(sqlite3_stmt* stmt, int index);

// sqlite3_exec without callbacks. On failure, *error (when given) receives SQLite's message.
int exec(sqlite3* db, const char* sql, std::string* error = nullptr);

// Opens `path` read-write (creating the file when `create`), without SQLite's own mutex (callers
// serialize), and sets the busy timeout. As with sqlite3_open_v2, *db is usually set even on
// failure (so errorText can describe it) and the caller closes it.
int openConnection(const std::string& path, bool create, int busy_timeout_ms, sqlite3** db);

// The message of a failed call: the connection's last error, or the text of `rc` without one.
std::string errorText(sqlite3* db, int rc);

// Creates the directory that will hold the database file `path` (and its parents); nothing when
// `path` has no directory part. kUnavailable "cannot create directory DIR: REASON" on failure.
core::Status createParentDirectory(const std::string& path);

}  // namespace parley::db
