#include "flags/flag_source.h"

#include <chrono>
#include <utility>

#include "core/log.h"
#include "flags/lkg.h"

namespace parley::flags {

FlagSource::FlagSource(std::unique_ptr<ParamStore> store, FlagEnvironment env,
                       FlagSourceOptions options)
    : store_(std::move(store)), env_(std::move(env)), options_(std::move(options)) {
  if (!options_.clock) own_clock_ = std::make_unique<core::SystemClock>();
  clock_ = options_.clock ? options_.clock : own_clock_.get();
  for (const auto& p : env_.problems) {
    core::log::warn("flag_env_ignored", "", "Ignoring environment variable: " + p);
  }
  if (store_ && !options_.lkg_path.empty()) {
    auto entry = readLkg(options_.lkg_path, env_.parameter_name);
    if (!entry.ok()) {
      core::log::warn("flag_lkg_unreadable", "", entry.error().message);
    } else if (entry->has_value()) {
      auto value = parseFlagValue((*entry)->value);
      if (value.ok()) {
        lkg_ = std::move(value).value();
        lkg_version_ = (*entry)->version;
        lkg_persisted_version_ = lkg_version_;
      } else {
        core::log::warn("flag_lkg_invalid", "",
                        "Ignoring last known good value in " + options_.lkg_path + ": " +
                            value.error().message);
      }
    }
  }
  FlagSnapshot initial;
  if (!store_) {
    initial = fromValue(Source::kStatic, env_.defaultValue(), 0);
  } else if (lkg_) {
    initial = fromValue(Source::kStale, *lkg_, lkg_version_);
    initial.detail = "store not read yet";
  } else {
    initial = fromValue(Source::kDefault, env_.defaultValue(), 0);
    initial.detail = "store not read yet";
  }
  initial.generation = ++generation_;
  current_.store(std::make_shared<const FlagSnapshot>(std::move(initial)));
}

FlagSource::~FlagSource() { stop(); }

FlagSnapshot FlagSource::fromValue(Source source, const FlagValue& value, long long version) const {
  FlagSnapshot s;
  s.source = source;
  s.enabled = value.enabled;
  s.rollout_percentage = value.rollout_percentage;
  s.version = version;
  s.config = value.applyTo(env_.config);
  return s;
}

void FlagSource::refresh() {
  std::unique_lock lock(refresh_mu_);
  if (!store_) {
    fetched_once_ = true;
    return;
  }
  double now = clock_->now();
  bool due = !fetched_once_ || failing_ || now - last_fetch_ >= env_.cache_ttl;
  if (!due && options_.change_notification) {
    auto token = store_->changeToken();
    due = !token.ok() || *token != last_token_;
  }
  if (due) fetchLocked(now);
  deliver(lock);
}

// Listeners run without refresh_mu_, so they may call back into the source (refresh, subscribe,
// snapshot, decide) from this thread or another. One thread delivers at a time: a refresh that
// publishes while another thread (or a listener on this one) is delivering leaves its snapshot in
// pending_, and the delivering thread hands it on after the listeners return. So listeners are
// never called concurrently, and the last call always carries the newest snapshot (snapshots
// published while listeners run may be coalesced into the newest).
void FlagSource::deliver(std::unique_lock<std::mutex>& lock) {
  if (delivering_) return;
  delivering_ = true;
  while (pending_) {
    auto snapshot = std::exchange(pending_, nullptr);
    auto listeners = listeners_;  // a listener may subscribe another
    lock.unlock();
    for (const auto& l : listeners) l(snapshot);
    lock.lock();
  }
  delivering_ = false;
}

void FlagSource::fetchLocked(double now) {
  fetched_once_ = true;
  last_fetch_ = now;
  fetches_.fetch_add(1);
  // The token is read before the value, so a write racing with this read moves it again.
  if (auto token = store_->changeToken(); token.ok()) last_token_ = *token;
  auto latest = store_->latest(env_.parameter_name);
  if (!latest.ok()) {
    failLocked(latest.error().message);
    return;
  }
  if (!latest->has_value() && lkg_) {
    // A last known good version exists, so the store had a value: it was deleted or replaced.
    failLocked("no value stored, but version " + std::to_string(lkg_version_) +
               " was read before (database deleted, moved or replaced?)");
    return;
  }
  if (!latest->has_value()) {
    if (failing_) {
      core::log::info("flag_fetch_recovered", "", "Parameter store reachable again");
      failing_ = false;
    }
    FlagSnapshot s = fromValue(Source::kDefault, env_.defaultValue(), 0);
    s.detail = "no value stored for " + env_.parameter_name;
    publishLocked(std::move(s));
    return;
  }
  const ParamVersion& stored = **latest;
  std::vector<std::string> warnings;
  auto value = parseFlagValue(stored.value, &warnings);
  if (!value.ok()) {
    failLocked("version " + std::to_string(stored.version) +
               " holds an invalid value: " + value.error().message);
    return;
  }
  if (failing_) {
    core::log::info("flag_fetch_recovered", "",
                    "Parameter " + env_.parameter_name + " readable again",
                    {{"version", static_cast<long long>(stored.version)}});
    failing_ = false;
  }
  if (stored.version != lkg_version_) {
    for (const auto& w : warnings) {
      core::log::warn("flag_unknown_key", "",
                      "Parameter " + env_.parameter_name + " version " +
                          std::to_string(stored.version) + ": " + w);
    }
  }
  lkg_ = value.value();
  lkg_version_ = stored.version;
  if (!options_.lkg_path.empty() && lkg_persisted_version_ != stored.version) {
    LkgEntry entry{stored.version, stored.time, toJson(*value)};
    auto st = writeLkg(options_.lkg_path, env_.parameter_name, entry);
    if (st.ok()) {
      lkg_persisted_version_ = stored.version;
    } else {
      core::log::warn("flag_lkg_write_failed", "", st.error().message);
    }
  }
  publishLocked(fromValue(Source::kCached, *value, stored.version));
}

void FlagSource::failLocked(const std::string& message) {
  if (!failing_) {
    failing_ = true;
    core::log::error("flag_fetch_failed", "",
                     "Error fetching parameter " + env_.parameter_name + " from " + store_->url() +
                         ": " + message +
                         (lkg_ ? "; using last known good version " + std::to_string(lkg_version_)
                               : std::string("; using environment defaults")),
                     {{"parameter", env_.parameter_name}, {"stale", lkg_.has_value()}});
  }
  FlagSnapshot s = lkg_ ? fromValue(Source::kStale, *lkg_, lkg_version_)
                        : fromValue(Source::kDefault, env_.defaultValue(), 0);
  s.detail = message;
  publishLocked(std::move(s));
}

void FlagSource::publishLocked(FlagSnapshot next) {
  auto cur = current_.load();
  if (cur && cur->source == next.source && cur->enabled == next.enabled &&
      cur->rollout_percentage == next.rollout_percentage && cur->version == next.version &&
      cur->detail == next.detail) {
    return;
  }
  next.generation = ++generation_;
  auto published = std::make_shared<const FlagSnapshot>(std::move(next));
  current_.store(published);
  pending_ = std::move(published);  // delivered by deliver() once refresh_mu_ is released
}

void FlagSource::start() {
  std::lock_guard lock(thread_mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  refresh();
  thread_ = std::thread([this] {
    const auto interval = std::chrono::duration<double>(options_.poll_interval);
    for (;;) {
      {
        std::unique_lock lk(thread_mu_);
        if (thread_cv_.wait_for(lk, interval, [this] { return stopping_; })) return;
      }
      refresh();
    }
  });
}

void FlagSource::stop() {
  std::thread t;
  {
    std::lock_guard lock(thread_mu_);
    stopping_ = true;
    t = std::move(thread_);
  }
  thread_cv_.notify_all();
  if (t.joinable()) t.join();
}

std::shared_ptr<const FlagSnapshot> FlagSource::snapshot() const { return current_.load(); }

bool FlagSource::killSwitchActive() const {
  int o = kill_override_.load(std::memory_order_relaxed);
  if (o >= 0) return o == 1;
  return killSwitchFromEnvironment();
}

void FlagSource::setKillSwitchOverride(std::optional<bool> killed) {
  kill_override_.store(killed ? (*killed ? 1 : 0) : -1);
}

Decision FlagSource::decide(std::string_view session_id) const {
  auto snap = current_.load();
  return flags::decide(*snap, session_id, killSwitchActive());
}

void FlagSource::subscribe(Listener listener) {
  std::lock_guard lock(refresh_mu_);
  listeners_.push_back(std::move(listener));
}

core::Result<std::unique_ptr<FlagSource>> openFlagSource(std::string_view store_url,
                                                         FlagEnvironment env,
                                                         FlagSourceOptions options) {
  auto parsed = parseStoreUrl(store_url);
  if (!parsed.ok()) return parsed.error();
  std::unique_ptr<ParamStore> store;
  if (parsed->kind != "static") {
    auto opened = openStore(store_url);
    if (!opened.ok()) return opened.error();
    store = std::move(opened).value();
    if (options.lkg_path.empty()) options.lkg_path = lkgPathFor(store_url);
  }
  return std::make_unique<FlagSource>(std::move(store), std::move(env), std::move(options));
}

}  // namespace parley::flags
