#include "translate/apertium/apertium_translator.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/log.h"

extern char** environ;

namespace parley::translate {
namespace {

constexpr std::size_t kMaxReplyBytes = 4u << 20;
constexpr auto kSupervisorPoll = std::chrono::milliseconds(100);

void closeFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

std::string errnoText(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

// A running pipeline: /bin/sh (its own process group leader) and the parent ends of its stdio.
struct Proc {
  pid_t pid = -1;
  int in = -1;  // socket: send(MSG_NOSIGNAL) turns a dead reader into EPIPE, not SIGPIPE
  int out = -1;
  int err = -1;  // non-blocking; drained by the supervisor
};

// Spawn attributes shared by every child: default signal dispositions and an empty mask, and
// (for the pipeline) a process group of its own so that one kill() reaches every stage.
class SpawnAttr {
 public:
  explicit SpawnAttr(bool own_group) {
    posix_spawnattr_init(&attr_);
    sigset_t none;
    sigemptyset(&none);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (int s : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD}) sigaddset(&defaults, s);
    posix_spawnattr_setsigmask(&attr_, &none);
    posix_spawnattr_setsigdefault(&attr_, &defaults);
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if (own_group) {
      flags |= POSIX_SPAWN_SETPGROUP;
      posix_spawnattr_setpgroup(&attr_, 0);
    }
    posix_spawnattr_setflags(&attr_, flags);
  }
  ~SpawnAttr() { posix_spawnattr_destroy(&attr_); }
  const posix_spawnattr_t* get() const { return &attr_; }

 private:
  posix_spawnattr_t attr_;
};

std::vector<char*> argvOf(std::vector<std::string>& args) {
  std::vector<char*> v;
  for (auto& a : args) v.push_back(a.data());
  v.push_back(nullptr);
  return v;
}

// Runs a short-lived program (found on PATH) and returns its stdout.
core::Result<std::string> runCapture(std::vector<std::string> args, double timeout_s) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return core::Error::unavailable(errnoText("pipe2"));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[1], 1);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  SpawnAttr attr(false);
  auto argv = argvOf(args);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, argv[0], &fa, attr.get(), argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(p[1]);
  if (rc != 0) {
    ::close(p[0]);
    return core::Error::unavailable("cannot run " + args[0] + ": " + std::strerror(rc));
  }
  std::string out;
  core::SystemClock clock;
  bool timed_out = false;
  char buf[4096];
  for (;;) {
    const double left = timeout_s - clock.now();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd pfd{p[0], POLLIN, 0};
    const int pr = ::poll(&pfd, 1, static_cast<int>(std::ceil(left * 1000)));
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) continue;
    const ssize_t n = ::read(p[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(p[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) return core::Error::unavailable(args[0] + " did not finish");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return core::Error::unavailable(args[0] + " failed (status " + std::to_string(status) + ")");
  }
  return out;
}

core::Result<Proc> spawnPipeline(const std::string& command) {
  int in[2];
  int out[2];
  int err[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0) {
    return core::Error::unavailable(errnoText("socketpair"));
  }
  if (pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    return core::Error::unavailable(errnoText("pipe2"));
  }
  if (pipe2(err, O_CLOEXEC) != 0) {
    for (int fd : {in[0], in[1], out[0], out[1]}) ::close(fd);
    return core::Error::unavailable(errnoText("pipe2"));
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[1], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  SpawnAttr attr(true);
  // $1 = -n (no unknown-word marks), $2 empty (the tagger's optional flag).
  std::vector<std::string> args = {"sh", "-c", command, "sh", "-n", ""};
  auto argv = argvOf(args);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, "/bin/sh", &fa, attr.get(), argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(in[1]);
  ::close(out[1]);
  ::close(err[1]);
  if (rc != 0) {
    for (int fd : {in[0], out[0], err[0]}) ::close(fd);
    return core::Error::unavailable(std::string("cannot start /bin/sh: ") + std::strerror(rc));
  }
  fcntl(err[0], F_SETFL, fcntl(err[0], F_GETFL) | O_NONBLOCK);
  return Proc{pid, in[0], out[0], err[0]};
}

enum class Failure { kNone, kDied, kStalled, kProtocol };

struct Exchange {
  Failure failure = Failure::kNone;
  std::string reply;  // without the NUL
  std::string why;
};

// One request/reply on the pipe, bounded by `timeout_s`.
Exchange exchange(const Proc& p, std::string_view request, double timeout_s) {
  core::SystemClock clock;
  auto msLeft = [&] { return static_cast<int>(std::ceil((timeout_s - clock.now()) * 1000)); };
  Exchange ex;
  std::size_t sent = 0;
  while (sent < request.size()) {
    const int ms = msLeft();
    if (ms <= 0) return {Failure::kStalled, "", "request not accepted within the timeout"};
    pollfd pfd{p.in, POLLOUT, 0};
    const int pr = ::poll(&pfd, 1, ms);
    if (pr < 0 && errno != EINTR) return {Failure::kDied, "", errnoText("poll")};
    if (pr <= 0) continue;
    const ssize_t n =
        ::send(p.in, request.data() + sent, request.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return {Failure::kDied, "", errnoText("write to pipeline")};
    }
    sent += static_cast<std::size_t>(n);
  }
  char buf[4096];
  for (;;) {
    const int ms = msLeft();
    if (ms <= 0) {
      return {Failure::kStalled, "",
              "no reply within " + std::to_string(static_cast<int>(timeout_s * 1000)) + " ms"};
    }
    pollfd pfd{p.out, POLLIN, 0};
    const int pr = ::poll(&pfd, 1, ms);
    if (pr < 0 && errno != EINTR) return {Failure::kDied, "", errnoText("poll")};
    if (pr <= 0) continue;
    const ssize_t n = ::read(p.out, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return {Failure::kDied, "", errnoText("read from pipeline")};
    }
    if (n == 0) return {Failure::kDied, "", "pipeline closed its output (exited)"};
    ex.reply.append(buf, static_cast<std::size_t>(n));
    const std::size_t nul = ex.reply.find('\0');
    if (nul != std::string::npos) {
      if (nul + 1 != ex.reply.size()) {
        return {Failure::kProtocol, "", "pipeline sent data after the end of a reply"};
      }
      ex.reply.pop_back();
      return ex;
    }
    if (ex.reply.size() > kMaxReplyBytes) {
      return {Failure::kProtocol, "", "reply larger than 4 MiB without a NUL"};
    }
  }
}

void killAndReap(Proc& p, bool reap) {
  if (p.pid > 0) {
    ::kill(-p.pid, SIGKILL);
    if (reap) {
      while (::waitpid(p.pid, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
  }
  p.pid = -1;
  closeFd(p.in);
  closeFd(p.out);
  closeFd(p.err);
}

bool isBlank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  });
}

}  // namespace

const char* apertiumPairFromEnglish(std::string_view target_language) {
  if (target_language == "es") return "eng-spa";
  if (target_language == "ca") return "eng-cat";
  if (target_language == "gl") return "en-gl";
  return nullptr;
}

std::string escapeForApertium(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (char c : text) {
    switch (c) {
      case '[':
      case ']':
      case '^':
      case '~':
        out.push_back(' ');
        break;
      case '{':
      case '}':
      case '$':
      case '/':
      case '\\':
      case '@':
      case '<':
      case '>':
      case '*':
      case '#':
      case '|':
      case '+':
        out.push_back('\\');
        out.push_back(c);
        break;
      case '\0':
        out.push_back(' ');  // a NUL would end the request early
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

core::Status ApertiumConfig::validate() const {
  std::string problems;
  auto bad = [&](const std::string& p) { problems += (problems.empty() ? "" : "; ") + p; };
  const bool pair_ok = !pair.empty() && std::all_of(pair.begin(), pair.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
  });
  if (!pair_ok) bad("pair must be a name like eng-spa (letters, - and _), got '" + pair + "'");
  if (source_language.empty()) bad("source_language must not be empty");
  if (target_language.empty()) bad("target_language must not be empty");
  if (!(reply_timeout_s >= 0.05 && reply_timeout_s <= 60)) {
    bad("reply_timeout_s must be in 0.05..60, got " + std::to_string(reply_timeout_s));
  }
  if (!(start_timeout_s >= 1 && start_timeout_s <= 300)) {
    bad("start_timeout_s must be in 1..300, got " + std::to_string(start_timeout_s));
  }
  if (!(max_restart_backoff_s >= 0.1 && max_restart_backoff_s <= 300)) {
    bad("max_restart_backoff_s must be in 0.1..300, got " + std::to_string(max_restart_backoff_s));
  }
  if (max_text_bytes < 1 || max_text_bytes > (1u << 20)) {
    bad("max_text_bytes must be in 1..1048576, got " + std::to_string(max_text_bytes));
  }
  if (!problems.empty()) return core::Error::invalid("apertium config: " + problems);
  return core::okStatus();
}

// --- Impl -------------------------------------------------------------------------------------

class ApertiumTranslator::Impl {
 public:
  Impl(ApertiumConfig config, std::string command)
      : config_(std::move(config)), command_(std::move(command)) {}

  ~Impl() {
    {
      std::lock_guard lock(sup_mu_);
      stopping_ = true;
    }
    sup_cv_.notify_all();
    if (supervisor_.joinable()) supervisor_.join();
    std::lock_guard lock(pipe_mu_);
    killAndReap(proc_, true);
  }

  core::Status start() {
    auto p = startAndWarm();
    if (!p.ok()) return p.error();
    publish(*p);
    supervisor_ = std::thread([this] { supervise(); });
    core::log::info("translator_started", "", "apertium pipeline started",
                    {{"pair", config_.pair}, {"pgid", static_cast<int>(p->pid)}});
    return core::okStatus();
  }

  core::Result<std::string> translate(std::string_view text) {
    bump(&TranslatorStats::requests);
    if (isBlank(text)) return std::string();
    PreparedText prep = prepareForMt(text);
    if (prep.text.size() > config_.max_text_bytes) {
      bump(&TranslatorStats::failures);
      return core::Error::invalid("text of " + std::to_string(prep.text.size()) +
                                  " bytes exceeds the translator's limit of " +
                                  std::to_string(config_.max_text_bytes));
    }
    std::string request = escapeForApertium(prep.text);
    request += " \n";
    request.push_back('\0');

    Exchange ex;
    {
      std::lock_guard lock(pipe_mu_);
      if (!up_.load()) {
        bump(&TranslatorStats::failures);
        return core::Error::unavailable("apertium " + config_.pair + " pipeline is restarting");
      }
      ex = exchange(proc_, request, config_.reply_timeout_s);
      if (ex.failure != Failure::kNone) {
        // Kill now (a stalled group stops answering; a dead one is already gone); the
        // supervisor reaps it and starts a new one.
        up_ = false;
        pgid_ = 0;
        if (proc_.pid > 0) ::kill(-proc_.pid, SIGKILL);
      }
    }
    if (ex.failure != Failure::kNone) {
      {
        std::lock_guard lock(stats_mu_);
        ++stats_.failures;
        if (ex.failure == Failure::kStalled) ++stats_.timeouts;
      }
      core::log::warn(ex.failure == Failure::kStalled ? "translator_stalled" : "translator_died",
                      "", "apertium pipeline failed; restarting it",
                      {{"pair", config_.pair}, {"why", ex.why}});
      requestRestart();
      return core::Error::unavailable("apertium " + config_.pair + ": " + ex.why);
    }
    {
      std::lock_guard lock(stats_mu_);
      ++stats_.translated;
      stats_.chars_sent += static_cast<long long>(prep.text.size());
    }
    return tidyMtOutput(ex.reply, prep.added_period);
  }

  bool available() const { return up_.load(); }
  int processGroup() const { return pgid_.load(); }
  TranslatorStats stats() const {
    std::lock_guard lock(stats_mu_);
    return stats_;
  }
  const ApertiumConfig& config() const { return config_; }
  const std::string& command() const { return command_; }

 private:
  void bump(long long TranslatorStats::*field) {
    std::lock_guard lock(stats_mu_);
    ++(stats_.*field);
  }

  void requestRestart() {
    {
      std::lock_guard lock(sup_mu_);
      restart_requested_ = true;
    }
    sup_cv_.notify_all();
  }

  // Spawns a pipeline and waits for its first reply (loading the dictionaries takes a while).
  core::Result<Proc> startAndWarm() {
    auto p = spawnPipeline(command_);
    if (!p.ok()) return p.error();
    std::string probe = escapeForApertium("Hello.") + " \n";
    probe.push_back('\0');
    Exchange ex = exchange(*p, probe, config_.start_timeout_s);
    if (ex.failure != Failure::kNone || ex.reply.empty()) {
      drainStderr(p->err);
      killAndReap(*p, true);
      return core::Error::unavailable("apertium " + config_.pair + " pipeline did not answer: " +
                                      (ex.why.empty() ? "empty reply" : ex.why));
    }
    return *p;
  }

  void publish(const Proc& p) {
    std::lock_guard lock(pipe_mu_);
    proc_ = p;
    running_pid_ = p.pid;
    running_err_ = p.err;
    pgid_ = p.pid;
    up_ = true;
  }

  // Logs what the stages wrote on stderr, a line at a time.
  void drainStderr(int fd) {
    if (fd < 0) return;
    char buf[2048];
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      stderr_buf_.append(buf, static_cast<std::size_t>(n));
    }
    std::size_t nl;
    while ((nl = stderr_buf_.find('\n')) != std::string::npos) {
      std::string line = stderr_buf_.substr(0, std::min<std::size_t>(nl, 500));
      stderr_buf_.erase(0, nl + 1);
      if (!line.empty()) {
        core::log::warn("translator_stderr", "", line, {{"pair", config_.pair}});
      }
    }
    if (stderr_buf_.size() > 4096) stderr_buf_.clear();
  }

  void supervise() {
    double backoff = 0.1;
    for (;;) {
      bool restart = false;
      {
        std::unique_lock lock(sup_mu_);
        sup_cv_.wait_for(lock, kSupervisorPoll, [&] { return stopping_ || restart_requested_; });
        if (stopping_) return;
        restart = restart_requested_;
        restart_requested_ = false;
      }
      drainStderr(running_err_);
      bool reaped = false;
      if (running_pid_ > 0) {
        // Reap under the pipe lock so that translate() never signals a reaped (reusable) pid.
        // A busy pipe is skipped: the request in flight notices a death by itself.
        std::unique_lock pipe(pipe_mu_, std::try_to_lock);
        if (pipe.owns_lock()) {
          int status = 0;
          const pid_t r = ::waitpid(running_pid_, &status, WNOHANG);
          if (r == running_pid_ || (r < 0 && errno == ECHILD)) {
            reaped = true;
            up_ = false;
            pgid_ = 0;
            proc_.pid = -1;  // nothing left to signal
            if (!restart) {
              core::log::warn("translator_died", "", "apertium pipeline exited; restarting it",
                              {{"pair", config_.pair}, {"status", status}});
            }
            restart = true;
          }
        }
      } else {
        restart = true;  // down since an earlier failed start
      }
      if (!restart) continue;

      Proc old;
      {
        std::lock_guard lock(pipe_mu_);
        up_ = false;
        pgid_ = 0;
        old = std::exchange(proc_, Proc{});
      }
      drainStderr(old.err);
      killAndReap(old, !reaped);
      running_pid_ = -1;
      running_err_ = -1;

      auto p = startAndWarm();
      if (!p.ok()) {
        core::log::error("translator_restart_failed", "", p.error().message,
                         {{"pair", config_.pair}, {"retry_in_s", backoff}});
        std::unique_lock lock(sup_mu_);
        sup_cv_.wait_for(lock, std::chrono::duration<double>(backoff), [&] { return stopping_; });
        if (stopping_) return;
        backoff = std::min(backoff * 2, config_.max_restart_backoff_s);
        continue;
      }
      backoff = 0.1;
      publish(*p);
      {
        std::lock_guard lock(stats_mu_);
        ++stats_.restarts;
      }
      core::log::info("translator_restarted", "", "apertium pipeline restarted",
                      {{"pair", config_.pair}, {"pgid", static_cast<int>(p->pid)}});
    }
  }

  const ApertiumConfig config_;
  const std::string command_;

  mutable std::mutex pipe_mu_;  // serializes requests; guards proc_
  Proc proc_;
  std::atomic<bool> up_{false};
  std::atomic<int> pgid_{0};

  // Owned by the supervisor thread (and start() before it runs).
  pid_t running_pid_ = -1;
  int running_err_ = -1;
  std::string stderr_buf_;

  std::mutex sup_mu_;
  std::condition_variable sup_cv_;
  bool restart_requested_ = false;
  bool stopping_ = false;
  std::thread supervisor_;

  mutable std::mutex stats_mu_;
  TranslatorStats stats_;
};

// --- ApertiumTranslator -----------------------------------------------------------------------

core::Result<std::unique_ptr<ApertiumTranslator>> ApertiumTranslator::create(
    ApertiumConfig config) {
  if (auto st = config.validate(); !st.ok()) return st.error();
  const std::string mode_file = config.modes_dir + "/" + config.pair + ".mode";
  if (::access(mode_file.c_str(), R_OK) != 0) {
    return core::Error::notFound("apertium pair " + config.pair + " is not installed (no " +
                                 mode_file + "; Debian package apertium-" + config.pair + ")");
  }
  auto cmd = runCapture({"apertium-wblank-mode", "-z", mode_file}, 10.0);
  if (!cmd.ok()) {
    return core::Error::unavailable(cmd.error().message +
                                    " (apertium-wblank-mode comes with the apertium package)");
  }
  std::string command = *cmd;
  while (!command.empty() && (command.back() == '\n' || command.back() == ' ')) {
    command.pop_back();
  }
  if (command.empty() || command.find("-z") == std::string::npos) {
    return core::Error::unavailable("apertium-wblank-mode gave no null-flush pipeline for " +
                                    mode_file);
  }
  auto impl = std::make_unique<Impl>(std::move(config), std::move(command));
  if (auto st = impl->start(); !st.ok()) return st.error();
  return std::unique_ptr<ApertiumTranslator>(new ApertiumTranslator(std::move(impl)));
}

ApertiumTranslator::ApertiumTranslator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ApertiumTranslator::~ApertiumTranslator() = default;

const std::string& ApertiumTranslator::sourceLanguage() const {
  return impl_->config().source_language;
}
const std::string& ApertiumTranslator::targetLanguage() const {
  return impl_->config().target_language;
}
core::Result<std::string> ApertiumTranslator::translate(std::string_view text) {
  return impl_->translate(text);
}
bool ApertiumTranslator::available() const { return impl_->available(); }
TranslatorStats ApertiumTranslator::stats() const { return impl_->stats(); }
int ApertiumTranslator::processGroup() const { return impl_->processGroup(); }
const std::string& ApertiumTranslator::pipelineCommand() const { return impl_->command(); }

core::Result<std::unique_ptr<Translator>> createCachedApertiumTranslator(
    ApertiumConfig config, std::shared_ptr<TranslationCache> cache) {
  auto t = ApertiumTranslator::create(std::move(config));
  if (!t.ok()) return t.error();
  return std::unique_ptr<Translator>(
      std::make_unique<CachingTranslator>(std::move(*t), std::move(cache)));
}

}  // namespace parley::translate
