// FlagSource: what a running consumer (server, pipeline, `parley flags watch`) uses to decide
// per session. It holds the current FlagSnapshot behind an atomically swapped shared_ptr: the
// hot path (decide(), snapshot()) only loads a pointer and reads the kill switch, never does
// I/O and never throws. All I/O happens in refresh(), which the watcher thread (start()) calls
// every poll_interval (200 ms):
//   - the store's change token (SQLite PRAGMA data_version) is checked; when another process
//     has committed, the value is fetched at once, so a change reaches consumers within ~1 s;
//   - the value is re-read at least every FEATURE_FLAG_CACHE_TTL seconds (the fallback bound);
//   - a valid value is published as CACHED and persisted as last known good (LKG);
//   - a failure or invalid value publishes the LKG (STALE) or the environment defaults
//     (DEFAULT), and logs "Error fetching parameter ..." once per outage.
// Time for the TTL comes from the injected Clock, so tests drive it with a ManualClock.
// Thread-safe: refresh() may run on one thread while any number of threads call decide().
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "flags/decision.h"
#include "flags/flag_value.h"
#include "flags/param_store.h"

namespace parley::flags {

struct FlagSourceOptions {
  double poll_interval = 0.2;          // seconds between watcher checks
  bool change_notification = true;     // false: only the TTL bounds staleness
  std::string lkg_path;                // empty: no persisted last known good value
  const core::Clock* clock = nullptr;  // nullptr: an internal SystemClock
};

class FlagSource {
 public:
  using Listener = std::function<void(const std::shared_ptr<const FlagSnapshot>&)>;

  // store == nullptr: no store, every snapshot is STATIC (environment only).
  FlagSource(std::unique_ptr<ParamStore> store, FlagEnvironment env, FlagSourceOptions options);
  ~FlagSource();
  FlagSource(const FlagSource&) = delete;
  FlagSource& operator=(const FlagSource&) = delete;

  // One synchronous check (what the watcher does each tick): fetches when the cache is empty,
  // older than the TTL, failing, or the store's change token moved.
  void refresh();
  // Refreshes once, then starts the watcher thread. Idempotent.
  void start();
  void stop();

  std::shared_ptr<const FlagSnapshot> snapshot() const;
  // The decision for a session starting now (kill switch from the environment at each call,
  // unless an override is set).
  Decision decide(std::string_view session_id) const;
  bool killSwitchActive() const;
  // Tests and embedders: force the kill switch on/off (nullopt: read the environment again).
  void setKillSwitchOverride(std::optional<bool> killed);

  // Called on a refreshing thread after a published change (not for unchanged re-reads), without
  // any lock of the source held: a listener may call back into it. Listeners are called one at a
  // time, in order; changes published while they run may be coalesced, the newest always arrives.
  void subscribe(Listener listener);

  const FlagEnvironment& environment() const { return env_; }
  const std::string& parameterName() const { return env_.parameter_name; }
  double cacheTtl() const { return env_.cache_ttl; }
  // Store reads so far (tests check the cache and TTL with it).
  long long fetches() const { return fetches_.load(); }

 private:
  void fetchLocked(double now);
  void failLocked(const std::string& message);
  void publishLocked(FlagSnapshot next);
  // Calls the listeners with pending_ (and whatever is published meanwhile) with `lock` released;
  // returns at once when another call is already delivering.
  void deliver(std::unique_lock<std::mutex>& lock);
  FlagSnapshot fromValue(Source source, const FlagValue& value, long long version) const;

  std::unique_ptr<ParamStore> store_;
  FlagEnvironment env_;
  FlagSourceOptions options_;
  std::unique_ptr<core::Clock> own_clock_;
  const core::Clock* clock_;

  std::atomic<std::shared_ptr<const FlagSnapshot>> current_;
  std::atomic<int> kill_override_{-1};  // -1: environment, 0: off, 1: killed
  std::atomic<long long> fetches_{0};

  std::mutex refresh_mu_;  // guards everything below
  bool fetched_once_ = false;
  bool failing_ = false;  // in an outage: the error was logged once
  double last_fetch_ = 0;
  long long last_token_ = -1;
  long long generation_ = 0;
  std::optional<FlagValue> lkg_;
  long long lkg_version_ = 0;
  long long lkg_persisted_version_ = 0;
  std::vector<Listener> listeners_;
  std::shared_ptr<const FlagSnapshot> pending_;  // published, not yet delivered to listeners
  bool delivering_ = false;                      // a thread is calling the listeners

  std::mutex thread_mu_;
  std::condition_variable thread_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

// Builds a FlagSource from a store URL (`sqlite:PATH` with its LKG file PATH.lkg.json, or
// `static:` for environment only) and the environment. Does not start the watcher.
core::Result<std::unique_ptr<FlagSource>> openFlagSource(std::string_view store_url,
                                                         FlagEnvironment env,
                                                         FlagSourceOptions options = {});

}  // namespace parley::flags
