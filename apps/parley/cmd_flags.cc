// `parley flags`: what the feature flag means for one session. `explain` prints the bucket,
// decision, reason and effective configuration a session starting now would get; `watch` is a
// running consumer (the same FlagSource a server uses) that prints one JSON line each time the
// session's decision changes, with the wall time it noticed, so the time to effect of a rollout
// change can be measured (tests/e2e/rollout_drill.sh).
#include <csignal>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

#include "command.h"
#include "core/clock.h"
#include "core/log.h"
#include "flags/flag_source.h"
#include "flags/report.h"
#include "flags/session_tracker.h"

namespace parley::app {
namespace {

constexpr const char* kHelp =
    "Usage: parley flags explain --session ID [--json] [--store URL] [--parameter-name NAME]\n"
    "       parley flags watch --session ID [--store URL] [--parameter-name NAME]\n"
    "                          [--duration SECONDS] [--poll-interval SECONDS]\n"
    "\n"
    "explain  the decision a session starting now gets: bucket (first 4 bytes of\n"
    "         SHA-256(ID) mod 100), enabled, reason (STATIC, CACHED, STALE, DEFAULT, DISABLED,\n"
    "         SPLIT, ERROR; see docs/flags.md) and the effective engine configuration.\n"
    "watch    a running consumer: prints one JSON line when started and one each time the\n"
    "         session's decision changes (fields: event, noticed_at, session_id, bucket,\n"
    "         enabled, reason, source, version, rollout_percentage, live_session_mode, detail).\n"
    "         live_session_mode is what a session started at launch would be running now\n"
    "         (sticky: it switches to final-only, never back). Stops on SIGINT/SIGTERM or after\n"
    "         --duration seconds (default: run until stopped).\n"
    "\n"
    "--store URL  sqlite:PATH (default $PARLEY_STORE or sqlite:var/parley.db) or static:\n"
    "             (environment only). The kill switch PARTIAL_RESULTS_ENABLED=false and the\n"
    "             other environment variables of docs/flags.md apply.\n"
    "Exit status: 0 ok (store failures give STALE/DEFAULT decisions), 2 usage error.\n";

volatile std::sig_atomic_t g_stop = 0;
void onSignal(int) { g_stop = 1; }

int runExplain(const Args& args, flags::FlagEnvironment env, const std::string& url) {
  auto source = flags::openFlagSource(url, std::move(env));
  if (!source.ok()) {
    std::fprintf(stderr, "parley flags explain: %s\n", source.error().message.c_str());
    return core::exitCodeFor(source.error());
  }
  (*source)->refresh();
  flags::Decision d = (*source)->decide(*args.get("--session"));
  if (args.has("--json")) {
    std::printf("%s\n", flags::decisionJson(d).c_str());
  } else {
    std::fputs(flags::decisionText(d).c_str(), stdout);
  }
  return 0;
}

int runWatch(const Args& args, flags::FlagEnvironment env, const std::string& url) {
  std::string error;
  double duration = 0;
  if (auto d = args.get("--duration")) {
    auto v = parseNumber(*d, "--duration", 0, 1e9, &error);
    if (!v) return usageError("flags watch", error);
    duration = *v;
  }
  flags::FlagSourceOptions options;
  if (auto p = args.get("--poll-interval")) {
    auto v = parseNumber(*p, "--poll-interval", 0.01, 60, &error);
    if (!v) return usageError("flags watch", error);
    options.poll_interval = *v;
  }
  auto opened = flags::openFlagSource(url, std::move(env), options);
  if (!opened.ok()) {
    std::fprintf(stderr, "parley flags watch: %s\n", opened.error().message.c_str());
    return core::exitCodeFor(opened.error());
  }
  flags::FlagSource& source = **opened;
  const std::string session = *args.get("--session");
  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);

  source.start();
  std::mutex mu;
  flags::Decision last = source.decide(session);
  flags::SessionFlagTracker tracker(last);
  std::printf("%s\n",
              flags::watchLineJson(last, tracker.mode(), core::wallTimeSeconds(), "start").c_str());
  std::fflush(stdout);
  auto check = [&] {
    std::lock_guard lock(mu);
    auto snap = source.snapshot();
    bool killed = source.killSwitchActive();
    flags::Decision now = flags::decide(*snap, session, killed);
    (void)tracker.onSnapshot(*snap, killed);
    if (now.enabled == last.enabled && now.reason == last.reason) return;
    last = now;
    std::printf(
        "%s\n",
        flags::watchLineJson(now, tracker.mode(), core::wallTimeSeconds(), "change").c_str());
    std::fflush(stdout);
  };
  source.subscribe([&](const std::shared_ptr<const flags::FlagSnapshot>&) { check(); });
  check();  // a change published between start() and subscribe()
  core::SystemClock clock;
  while (!g_stop && (duration <= 0 || clock.now() < duration)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  source.stop();
  return 0;
}

int runFlags(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::fputs(kHelp, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string sub = argv[1];
  if (sub != "explain" && sub != "watch") {
    return usageError("flags", "unknown subcommand '" + sub + "' (use explain or watch)");
  }
  std::string error;
  auto args = Args::parse(argc - 1, argv + 1,
                          {{"--help", false},
                           {"--session", true},
                           {"--json", false},
                           {"--store", true},
                           {"--parameter-name", true},
                           {"--duration", true},
                           {"--poll-interval", true}},
                          &error);
  const std::string cmd = "flags " + sub;
  if (!args) return usageError(cmd, error);
  if (args->wantsHelp()) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  if (!args->requirePositionals(0, &error)) return usageError(cmd, error);
  if (!args->get("--session") || args->get("--session")->empty()) {
    return usageError(cmd, "--session ID is required");
  }
  if (sub == "explain" && (args->has("--duration") || args->has("--poll-interval"))) {
    return usageError(cmd, "--duration and --poll-interval go with watch");
  }
  if (sub == "watch" && args->has("--json")) {
    return usageError(cmd, "watch always prints JSON lines; drop --json");
  }
  flags::FlagEnvironment env = flags::readFlagEnvironment();
  if (auto name = args->get("--parameter-name")) env.parameter_name = *name;
  const std::string url = args->getOr("--store", flags::defaultStoreUrl());
  return sub == "explain" ? runExplain(*args, std::move(env), url)
                          : runWatch(*args, std::move(env), url);
}

}  // namespace

PARLEY_COMMAND("flags", "explain a session's flag decision, or watch it change", runFlags);

}  // namespace parley::app
