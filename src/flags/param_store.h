// Parameter store interface: named parameters whose every write is a new version recording
// time, actor and reason (the flag history). Backends are chosen by URL: `sqlite:PATH` (default
// `sqlite:var/parley.db`, env PARLEY_STORE) now; `etcd://host:port` arrives with the scale-out
// work and is reported as unsupported until then. Values are opaque text here; flag_value.h
// validates them.
//
// Threading: one store object may be used from several threads (calls are serialized inside);
// several processes may write the same store at once (the backend makes writes atomic).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace parley::flags {

inline constexpr const char* kDefaultStoreUrl = "sqlite:var/parley.db";

struct ParamVersion {
  std::string name;
  long long version = 0;  // 1, 2, ... per parameter
  double time = 0;        // Unix seconds of the write
  std::string actor;
  std::string reason;
  std::string value;
};

class ParamStore {
 public:
  virtual ~ParamStore() = default;
  virtual const std::string& url() const = 0;
  // The newest version, or nullopt when the parameter has never been written.
  virtual core::Result<std::optional<ParamVersion>> latest(std::string_view name) = 0;
  virtual core::Result<std::optional<ParamVersion>> get(std::string_view name,
                                                        long long version) = 0;
  // Versions oldest first; limit > 0 keeps only the newest `limit`.
  virtual core::Result<std::vector<ParamVersion>> history(std::string_view name, int limit) = 0;
  // Writes a new version (previous version + 1) atomically and returns it. With if_latest, the
  // write happens only if the newest version is still that one (0: none), else kConflict-style
  // kUnavailable error whose message starts with "conflict:" (read-modify-write callers retry).
  virtual core::Result<ParamVersion> put(std::string_view name, std::string_view value,
                                         std::string_view actor, std::string_view reason,
                                         std::optional<long long> if_latest = std::nullopt) = 0;
  // A cheap number that changes when another connection or process commits a write: the change
  // notification that consumers poll (SQLite: PRAGMA data_version).
  virtual core::Result<long long> changeToken() = 0;
};

struct StoreOptions {
  int busy_timeout_ms = 5000;  // how long a write waits for another writer's lock
};

// Parsed store URL. kind "sqlite" (path set) or "static" (no store: STATIC decisions).
struct StoreUrl {
  std::string kind;
  std::string path;
};
core::Result<StoreUrl> parseStoreUrl(std::string_view url);

// $PARLEY_STORE when set, else kDefaultStoreUrl.
std::string defaultStoreUrl();

// Opens a store by URL. `static:` is not a store (kUsage). Unsupported schemes are kUsage errors
// that say what is supported. Opening does no I/O; the first call connects.
core::Result<std::unique_ptr<ParamStore>> openStore(std::string_view url,
                                                    const StoreOptions& options = {});

// The last-known-good file that belongs to a store URL (`PATH.lkg.json` for sqlite:PATH), or
// empty when the store has none.
std::string lkgPathFor(std::string_view url);

}  // namespace parley::flags
