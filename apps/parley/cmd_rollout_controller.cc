// `parley rollout controller`: the automatic rollback controller (src/obs/rollout_controller.h).
// The live controller runs inside the server; here --simulate feeds recorded or synthetic
// metric windows (JSON lines) to the same code and prints its decisions as JSON lines.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "command.h"
#include "obs/rollout_controller.h"

namespace {

constexpr const char* kName = "rollout controller";

void printHelp() {
  std::printf(
      "Usage: parley rollout controller --simulate WINDOWS.jsonl [options]\n\n"
      "Runs the automatic rollback controller (the runbook's decision matrix) over metric\n"
      "windows, one JSON object a line ('-' reads stdin), and prints one decision a line:\n"
      "  in:  {\"t\": 300, \"percentage\": 100, \"canary\": {\"samples\": 12, \"latency_p95_s\": "
      "6.1,\n"
      "        \"error_rate\": 0.01, \"dropped_per_min\": 4, \"orphaned_per_session\": 0.2,\n"
      "        \"complaints_per_hour\": 0, \"complaining_listeners\": 0},\n"
      "        \"baseline\": {...same keys...}}\n"
      "  out: {\"t\": 300, \"action\": \"set_percentage\", \"percentage\": 50,\n"
      "        \"reason\": \"latency_p95_s 6.1 > 5 over 5m\", \"metric\": \"latency_p95_s\"}\n"
      "Actions: none | hold | disable | set_percentage. Nothing is written to any flag store.\n"
      "The live controller runs inside the server; see docs/alarms.md.\n\n"
      "Options:\n"
      "  --simulate FILE          metric windows, JSON lines (required)\n"
      "  --min-samples N          canary sessions needed in a window (default 5)\n"
      "  --complaints-min-listeners N\n"
      "                           distinct complaining listeners the complaints row needs\n"
      "                           (default 3)\n"
      "  --promotion STEPS        promotion schedule PERCENT:BAKE_SECONDS,... e.g.\n"
      "                           10:3600,50:86400,100 (default: none, never raises)\n"
      "  --off                    the off switch: decide nothing (every line is \"none\")\n"
      "  --window SECONDS         window of latency/errors/dropped/orphaned, for reasons (300)\n"
      "  --complaints-window S    window of complaints, for reasons (3600)\n"
      "  --latency-cooldown S     cool-down after a latency action (300)\n"
      "  --error-cooldown S       cool-down after an error-rate action (120)\n"
      "  --other-cooldown S       cool-down after dropped/orphaned/complaints actions (300)\n"
      "  -h, --help               this help\n\n"
      "Exit status: 0 all lines decided, 1 some input lines were invalid (reported on stderr\n"
      "with their line number and skipped), 2 usage error.\n");
}

int rolloutControllerMain(int argc, char** argv) {
  std::string error;
  auto args = parley::app::Args::parse(argc, argv,
                                       {{"--simulate"},
                                        {"--min-samples"},
                                        {"--complaints-min-listeners"},
                                        {"--promotion"},
                                        {"--off", false},
                                        {"--window"},
                                        {"--complaints-window"},
                                        {"--latency-cooldown"},
                                        {"--error-cooldown"},
                                        {"--other-cooldown"},
                                        {"--help", false},
                                        {"-h", false}},
                                       &error);
  if (!args) return parley::app::usageError(kName, error);
  if (args->wantsHelp()) {
    printHelp();
    return 0;
  }
  if (!args->requirePositionals(0, &error)) return parley::app::usageError(kName, error);
  if (!args->has("--simulate")) {
    return parley::app::usageError(
        kName, "--simulate FILE is required (the live controller runs inside the server)");
  }
  parley::obs::ControllerConfig config;
  config.enabled = !args->has("--off");
  auto number = [&](const char* option, double min, double max, double* out) {
    if (auto v = args->get(option)) {
      auto parsed = parley::app::parseNumber(*v, option, min, max, &error);
      if (!parsed) return false;
      *out = *parsed;
    }
    return true;
  };
  double min_samples = config.min_samples;
  double min_listeners = config.complaints_min_listeners;
  if (!number("--min-samples", 1, 1e9, &min_samples) ||
      !number("--complaints-min-listeners", 1, 1e9, &min_listeners) ||
      !number("--window", 1, 1e7, &config.window_s) ||
      !number("--complaints-window", 1, 1e7, &config.complaints_window_s) ||
      !number("--latency-cooldown", 0, 1e7, &config.latency_cooldown_s) ||
      !number("--error-cooldown", 0, 1e7, &config.error_cooldown_s) ||
      !number("--other-cooldown", 0, 1e7, &config.other_cooldown_s)) {
    return parley::app::usageError(kName, error);
  }
  if (min_samples != static_cast<int>(min_samples)) {
    return parley::app::usageError(kName, "--min-samples must be an integer");
  }
  config.min_samples = static_cast<int>(min_samples);
  if (min_listeners != static_cast<int>(min_listeners)) {
    return parley::app::usageError(kName, "--complaints-min-listeners must be an integer");
  }
  config.complaints_min_listeners = static_cast<int>(min_listeners);
  if (auto p = args->get("--promotion")) {
    auto steps = parley::obs::parsePromotionSchedule(*p);
    if (!steps.ok()) return parley::app::usageError(kName, "--promotion: " + steps.error().message);
    config.promotion = std::move(steps).value();
  }
  if (auto problems = config.validate(); !problems.empty()) {
    return parley::app::usageError(kName, problems.front());
  }

  const std::string path = *args->get("--simulate");
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path);
    if (!file) {
      std::fprintf(stderr, "parley %s: cannot read %s\n", kName, path.c_str());
      return 1;
    }
    in = &file;
  }
  parley::obs::RolloutController controller(config);
  std::string line;
  long line_no = 0;
  int bad = 0;
  double last_t = -1e300;
  while (std::getline(*in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto window = parley::obs::parseControllerInput(line);
    std::string problem;
    if (!window.ok())
      problem = window.error().message;
    else if (window->t < last_t)
      problem = "t goes backwards (previous line had a later t)";
    if (!problem.empty()) {
      std::fprintf(stderr, "parley %s: %s:%ld: %s (line skipped)\n", kName, path.c_str(), line_no,
                   problem.c_str());
      ++bad;
      continue;
    }
    last_t = window->t;
    auto decision = controller.step(*window);
    std::string out = parley::obs::decisionJson(decision) + "\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  std::fflush(stdout);
  if (bad > 0) {
    std::fprintf(stderr, "parley %s: %d invalid line%s skipped\n", kName, bad, bad == 1 ? "" : "s");
    return 1;
  }
  return 0;
}

}  // namespace

PARLEY_COMMAND("rollout controller", "automatic rollback controller: simulate it on metric windows",
               rolloutControllerMain);
