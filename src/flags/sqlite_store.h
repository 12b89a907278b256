// SQLite backend of ParamStore (`sqlite:PATH`): table flag_versions(name, version, time, actor,
// reason, value), WAL journal, busy_timeout, and BEGIN IMMEDIATE around "read the newest
// version, insert the next one", so CLI and servers writing at once never lose or reuse a
// version. The parent directory is created on the first write; reading a database file that
// does not exist yet reports "no value" without creating it. Errors (locked, corrupt, missing
// permissions) come back as kUnavailable, and the connection is reopened on the next call.
// Thread-safe (one connection per object, calls serialized by a mutex).
#pragma once

#include <mutex>
#include <string>

#include "flags/param_store.h"

struct sqlite3;

namespace parley::flags {

class SqliteStore final : public ParamStore {
 public:
  SqliteStore(std::string url, std::string path, StoreOptions options);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  const std::string& url() const override { return url_; }
  core::Result<std::optional<ParamVersion>> latest(std::string_view name) override;
  core::Result<std::optional<ParamVersion>> get(std::string_view name, long long version) override;
  core::Result<std::vector<ParamVersion>> history(std::string_view name, int limit) override;
  core::Result<ParamVersion> put(std::string_view name, std::string_view value,
                                 std::string_view actor, std::string_view reason,
                                 std::optional<long long> if_latest = std::nullopt) override;
  core::Result<long long> changeToken() override;

  const std::string& path() const { return path_; }

 private:
  // Opens the connection if needed. create=false and no file: kNotFound.
  core::Status connectLocked(bool create);
  // Drops the connection when the file was deleted or replaced since it was opened, so the
  // next call sees the file that is there now.
  void checkFileLocked();
  void closeLocked();
  core::Error failLocked(const std::string& what, int rc);
  // At most one version by `sql` (?1 = name, ?2 = arg); none when the database does not exist.
  core::Result<std::optional<ParamVersion>> queryOneLocked(std::string_view name, const char* sql,
                                                           long long arg);
  core::Result<std::vector<ParamVersion>> queryLocked(std::string_view name, const char* sql,
                                                      long long arg);

  std::string url_;
  std::string path_;
  StoreOptions options_;
  std::mutex mu_;
  sqlite3* db_ = nullptr;
  long long connections_ = 0;       // connections opened so far (part of the change token)
  unsigned long long file_id_ = 0;  // device and inode of the open file
};

}  // namespace parley::flags
