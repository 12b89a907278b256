// `parley rollout`: reads and changes the partial-results feature flag in the parameter store
// (status, enable, disable, percentage, --set KEY=VALUE, history, revert). Every write is a new
// version with time, actor and reason. Exit 0 ok, 1 store failure, 2 usage or validation error.
// `parley rollout controller` (automatic rollback) is a separate command.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "command.h"
#include "core/result.h"
#include "flags/flag_value.h"
#include "flags/param_store.h"
#include "flags/report.h"
#include "flags/rollout.h"

namespace parley::app {
namespace {

constexpr const char* kHelp =
    "Usage: parley rollout ACTION [options]\n"
    "\n"
    "Reads and changes the partial-results feature flag (docs/flags.md). Every write is a new\n"
    "version recording time, actor and reason; running servers pick it up within about 1 s.\n"
    "\n"
    "Actions (one per call; --set may be combined with --enable/--disable/--percentage):\n"
    "  --status                 show the values and what they mean (version 0: nothing stored)\n"
    "  --enable                 enabled=true, keeping the current rollout_percentage\n"
    "                           (100 when nothing is stored and ROLLOUT_PERCENTAGE is unset)\n"
    "    --enable-percentage N  ... and set rollout_percentage to N (0-100)\n"
    "  --disable                enabled=false: every new session runs final-only and running\n"
    "                           sessions switch to final-only after flushing committed words\n"
    "  --percentage N           rollout_percentage=N (integer 0-100); N > 0 also sets\n"
    "                           enabled=true (as the old runbook's manage_rollout.py did)\n"
    "  --set KEY=VALUE          set one key (repeatable): enabled, rollout_percentage or an\n"
    "                           engine key (see `parley config`), checked against its range\n"
    "  --history                every version with time, actor, reason and value\n"
    "    --limit N              only the newest N versions\n"
    "  --revert VERSION         write VERSION's value again as a new version\n"
    "\n"
    "Options:\n"
    "  --parameter-name NAME    default $FEATURE_FLAG_PARAMETER_NAME or\n"
    "                           /audio-transcription/partial-results/config\n"
    "  --store URL              sqlite:PATH (default $PARLEY_STORE or sqlite:var/parley.db)\n"
    "  --reason TEXT            why (recorded in the history; default: the command line)\n"
    "  --json                   machine-readable output (fields in docs/flags.md)\n"
    "  --server URL             write through a running server (not available yet)\n"
    "\n"
    "Actor: $PARLEY_ACTOR, else $USER@hostname, else \"cli\".\n"
    "Kill switch: start servers with PARTIAL_RESULTS_ENABLED=false to override the store.\n"
    "Exit status: 0 ok, 1 store failure, 2 usage or validation error.\n"
    "Examples:\n"
    "  parley rollout --status\n"
    "  parley rollout --percentage 10 --reason \"canary\"\n"
    "  parley rollout --disable --reason \"p95 latency 7.4 s\"\n"
    "  parley rollout --set min_stability_threshold=0.9\n"
    "  parley rollout --history --json\n"
    "  parley rollout --revert 3\n";

int fail(const core::Error& e) {
  std::fprintf(stderr, "parley rollout: %s\n", e.message.c_str());
  return core::exitCodeFor(e);
}

std::optional<long long> parseWhole(const std::string& text, long long min, long long max) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (end != text.c_str() + text.size() || errno != 0 || v < min || v > max) return std::nullopt;
  return v;
}

std::string commandLine(int argc, char** argv) {
  std::string out = "parley";
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--reason" || a.rfind("--reason=", 0) == 0 || a == "--json") {
      if (a == "--reason") ++i;
      continue;
    }
    out += " " + a;
  }
  return out;
}

void printNotes(const std::vector<std::string>& notes) {
  for (const auto& n : notes) std::fprintf(stderr, "parley rollout: note: %s\n", n.c_str());
}

int runRollout(int argc, char** argv) {
  std::string error;
  auto args = Args::parse(argc, argv,
                          {{"--help", false},
                           {"--status", false},
                           {"--enable", false},
                           {"--enable-percentage", true},
                           {"--disable", false},
                           {"--percentage", true},
                           {"--set", true, true},
                           {"--history", false},
                           {"--limit", true},
                           {"--revert", true},
                           {"--parameter-name", true},
                           {"--store", true},
                           {"--reason", true},
                           {"--json", false},
                           {"--server", true}},
                          &error);
  if (!args) return usageError("rollout", error);
  if (args->wantsHelp()) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  if (!args->requirePositionals(0, &error)) return usageError("rollout", error);
  if (args->has("--server")) {
    return usageError("rollout",
                      "--server: writes through a running server arrive with the server work; "
                      "use --store URL (servers read the same store and see changes within ~1 s)");
  }
  const bool status = args->has("--status");
  const bool history = args->has("--history");
  const bool revert = args->has("--revert");
  const bool write = args->has("--enable") || args->has("--disable") || args->has("--percentage") ||
                     args->has("--set");
  int actions = status + history + revert + write;
  if (actions == 0) {
    return usageError("rollout",
                      "choose an action: --status, --enable, --disable, --percentage N, "
                      "--set KEY=VALUE, --history or --revert VERSION");
  }
  if (actions > 1) {
    return usageError("rollout",
                      "use one action at a time (--set may be combined with "
                      "--enable, --disable or --percentage)");
  }
  if (args->has("--enable") && args->has("--disable")) {
    return usageError("rollout", "--enable and --disable contradict each other");
  }
  if (args->has("--enable-percentage") && !args->has("--enable")) {
    return usageError("rollout", "--enable-percentage goes with --enable");
  }
  if (args->has("--percentage") && (args->has("--enable") || args->has("--disable"))) {
    return usageError("rollout", "use --enable --enable-percentage N or --percentage N, not both");
  }
  if (args->has("--limit") && !history) return usageError("rollout", "--limit goes with --history");

  flags::FlagEnvironment env = flags::readFlagEnvironment();
  for (const auto& p : env.problems) {
    std::fprintf(stderr, "parley rollout: warning: ignoring %s\n", p.c_str());
  }
  if (auto name = args->get("--parameter-name")) {
    if (name->empty()) return usageError("rollout", "--parameter-name must not be empty");
    env.parameter_name = *name;
  }
  const std::string url = args->getOr("--store", flags::defaultStoreUrl());
  auto opened = flags::openStore(url);
  if (!opened.ok()) return fail(opened.error());
  flags::ParamStore& store = **opened;
  const bool json = args->has("--json");

  if (status) {
    auto parsed = flags::parseStoreUrl(url);
    std::error_code ec;
    if (parsed.ok() && parsed->kind == "sqlite" && !std::filesystem::exists(parsed->path, ec)) {
      const std::string lkg = flags::lkgPathFor(url);
      if (std::filesystem::exists(lkg, ec)) {
        // Consumers have read values from this store before: it was deleted or moved.
        std::fprintf(stderr,
                     "parley rollout: store database %s is missing, but %s exists: the database "
                     "was deleted or moved (consumers use the last known good value, STALE); "
                     "restore it, or write a new value to start a new history\n",
                     parsed->path.c_str(), lkg.c_str());
        return 1;
      }
      std::fprintf(stderr,
                   "parley rollout: note: store database %s does not exist yet; showing the "
                   "defaults (version 0)\n",
                   parsed->path.c_str());
    }
    auto s = flags::readStatus(store, env);
    if (!s.ok()) return fail(s.error());
    if (auto found = flags::findLastAutomaticAction(store, *s); !found.ok()) {
      return fail(found.error());
    }
    std::fputs(json ? (flags::statusJson(*s) + "\n").c_str() : flags::statusText(*s).c_str(),
               stdout);
    if (!s->invalid.empty()) {
      std::fprintf(stderr, "parley rollout: version %lld of %s is invalid: %s\n", s->version,
                   env.parameter_name.c_str(), s->invalid.c_str());
      return 1;
    }
    return 0;
  }

  if (history) {
    int limit = 0;
    if (auto l = args->get("--limit")) {
      auto n = parseWhole(*l, 1, 1000000);
      if (!n) return usageError("rollout", "--limit must be a positive integer (got '" + *l + "')");
      limit = static_cast<int>(*n);
    }
    auto h = store.history(env.parameter_name, limit);
    if (!h.ok()) return fail(h.error());
    std::fputs(json ? (flags::historyJson(*h) + "\n").c_str() : flags::historyText(*h).c_str(),
               stdout);
    return 0;
  }

  const std::string actor = flags::actorFromEnvironment();
  const std::string reason = args->getOr("--reason", commandLine(argc, argv));
  core::Result<flags::WriteResult> written = core::Error::internal("no action");
  if (revert) {
    std::string text = *args->get("--revert");
    auto v = parseWhole(text, 1, (1LL << 62));
    if (!v) {
      return usageError("rollout", "--revert needs a version number >= 1 (got '" + text + "')");
    }
    written = flags::revertTo(store, env, *v, actor, reason);
  } else {
    flags::RolloutChange change;
    auto before = flags::readStatus(store, env);
    if (!before.ok()) return fail(before.error());
    if (args->has("--enable")) {
      change.enabled = true;
      if (auto p = args->get("--enable-percentage")) {
        auto n = parseWhole(*p, 0, 100);
        if (!n) {
          return fail(core::Error::invalid(
              "--enable-percentage: rollout_percentage must be an integer in [0, 100] (got '" + *p +
              "')"));
        }
        change.rollout_percentage = static_cast<int>(*n);
      }
    }
    if (args->has("--disable")) change.enabled = false;
    if (auto p = args->get("--percentage")) {
      auto n = parseWhole(*p, 0, 100);
      if (!n) {
        return fail(core::Error::invalid(
            "--percentage: rollout_percentage must be an integer in [0, 100] (got '" + *p + "')"));
      }
      change.rollout_percentage = static_cast<int>(*n);
      if (*n > 0) {
        change.enabled = true;
        if (!before->value.enabled) {
          std::fprintf(stderr,
                       "parley rollout: note: --percentage %lld also sets enabled=true (it was "
                       "disabled)\n",
                       *n);
        }
      }
    }
    for (const auto& kv : args->getAll("--set")) {
      auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        return usageError("rollout", "--set needs KEY=VALUE (got '" + kv + "')");
      }
      change.sets.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    }
    written = flags::writeChange(store, env, change, actor, reason);
  }
  if (!written.ok()) return fail(written.error());
  printNotes(written->notes);
  const auto& w = *written;
  if (w.value.enabled && w.value.rollout_percentage == 0) {
    std::fprintf(stderr,
                 "parley rollout: note: enabled at 0%%: no session gets partial results; use "
                 "--percentage N\n");
  }
  if (json) {
    auto s = flags::readStatus(store, env);
    if (!s.ok()) return fail(s.error());
    std::printf("%s\n", flags::statusJson(*s).c_str());
  } else {
    std::printf("%s version %lld written by %s (%s)\nstate: %s\n", env.parameter_name.c_str(),
                w.written.version, w.written.actor.c_str(), w.written.reason.c_str(),
                flags::describeRollout(w.value.enabled, w.value.rollout_percentage).c_str());
  }
  return 0;
}

}  // namespace

PARLEY_COMMAND("rollout", "feature flag: status, enable, disable, percentage, history, revert",
               runRollout);

}  // namespace parley::app
