// `parley serve`: the live server (HTTP + WebSockets on one port). Thin: parses options and
// parley.toml into a ServerConfig, opens the stores, the flag source and the embedded speech
// stack, starts server::HttpServer and waits for SIGTERM/SIGINT, then shuts down gracefully
// (sessions drained, transcripts flushed). docs/server.md and docs/protocol.md describe it.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "command.h"
#include "core/clock.h"
#include "core/log.h"
#include "flags/flag_source.h"
#include "flags/flag_value.h"
#include "flags/param_store.h"
#include "obs/monitor.h"
#include "obs/rollout_controller.h"
#include "pipeline/session_pipeline.h"
#include "server/auto_rollback.h"
#include "server/http_server.h"
#include "server/server_config.h"
#include "server/session_ids.h"
#include "server/session_registry.h"
#include "storage/store.h"

namespace parley::app {
namespace {

constexpr const char* kHelp =
    "Usage: parley serve [options]\n\n"
    "Runs the live server: speaker and listener pages, the JSON API, WebSockets, /metrics,\n"
    "/healthz and /readyz, all on one port.\n\n"
    "Options:\n"
    "  --config FILE        parley.toml: [server] keys (docs/server.md) and [engine] keys\n"
    "  --host ADDR          address to bind (default 0.0.0.0: reachable from phones on the LAN;\n"
    "                       use 127.0.0.1 to keep it on this machine)\n"
    "  --port N             port (default 8080; 0 = any free port, printed at start)\n"
    "  --data DIR           data directory: sessions.db (sessions + transcripts) (default var)\n"
    "  --store URL          flag store (default $PARLEY_STORE or sqlite:DIR/parley.db;\n"
    "                       static: for environment-only flags)\n"
    "  --web DIR            pages to serve (default: $PARLEY_WEB_DIR, ./web, next to the binary)\n"
    "  --public-url URL     base of the links handed out (default: the request's Host header)\n"
    "  --max-listeners N    listeners per session (default 500)\n"
    "  --max-session S      session time limit in seconds (default 7200)\n"
    "  --threads N          network threads (default 2)\n"
    "  --no-speech          do not synthesize speech for listeners\n"
    "  --rollback-interval S  seconds between automatic rollback evaluations (default 60)\n"
    "  --no-auto-rollback   off switch of the automatic rollback controller (docs/alarms.md)\n"
    "  --promotion LIST     promotion schedule, e.g. 10:3600,50:86400,100 (default: never raise)\n"
    "  --help               this text\n\n"
    "Environment: PARLEY_ADMIN_TOKEN (admin API bearer token; unset: admin API disabled),\n"
    "SESSIONS_TABLE_NAME (default Sessions), PARLEY_STORE, the flag variables of\n"
    "docs/configuration.md, LOG_LEVEL, STRUCTURED_LOGGING.\n\n"
    "Exit status: 0 after a graceful shutdown (SIGTERM/SIGINT), 1 runtime failure (port in use,\n"
    "store or speech stack unavailable), 2 invalid options or configuration.\n";

int serveMain(int argc, char** argv) {
  std::string error;
  auto args = Args::parse(argc, argv,
                          {{"--config"},
                           {"--host"},
                           {"--port"},
                           {"--data"},
                           {"--store"},
                           {"--web"},
                           {"--public-url"},
                           {"--max-listeners"},
                           {"--max-session"},
                           {"--threads"},
                           {"--no-speech", false},
                           {"--rollback-interval"},
                           {"--no-auto-rollback", false},
                           {"--promotion"},
                           {"--help", false}},
                          &error);
  if (!args) return usageError("serve", error);
  if (args->has("--help")) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  if (!args->positionals().empty()) {
    return usageError("serve", "unexpected argument " + args->positionals()[0]);
  }

  server::ServerConfig config;
  engine::EngineConfig engine_config;
  if (auto path = args->get("--config")) {
    if (auto st = server::applyServerConfigFile(config, engine_config, *path); !st.ok()) {
      std::fprintf(stderr, "parley serve: %s\n", st.error().message.c_str());
      return 2;
    }
  }
  auto number = [&](const char* opt, double lo, double hi, double* out) {
    auto v = args->get(opt);
    if (!v) return true;
    auto n = parseNumber(*v, opt, lo, hi, &error);
    if (!n) return false;
    *out = *n;
    return true;
  };
  double port = config.port, listeners = static_cast<double>(config.max_listeners),
         max_session = config.max_session_s, threads = config.threads;
  if (!number("--port", 0, 65535, &port) || !number("--max-listeners", 1, 100000, &listeners) ||
      !number("--max-session", 1, 7 * 86400, &max_session) ||
      !number("--threads", 1, 64, &threads)) {
    return usageError("serve", error);
  }
  config.port = static_cast<int>(port);
  config.max_listeners = static_cast<std::size_t>(listeners);
  config.max_session_s = max_session;
  config.threads = static_cast<int>(threads);
  config.host = args->getOr("--host", config.host);
  config.data_dir = args->getOr("--data", config.data_dir);
  config.store_url = args->getOr("--store", config.store_url);
  config.public_url = args->getOr("--public-url", config.public_url);
  if (args->has("--no-speech")) config.synthesize = false;
  config.web_root = args->getOr("--web", config.web_root);
  if (config.web_root.empty()) config.web_root = server::findWebRoot(argv[0]);
  if (const char* t = std::getenv("PARLEY_ADMIN_TOKEN")) config.admin_token = t;
  auto table = storage::sessionsTableFromEnvironment();
  if (!table.ok()) {
    std::fprintf(stderr, "parley serve: %s\n", table.error().message.c_str());
    return 2;
  }
  config.sessions_table = *table;
  if (auto problems = config.validate(); !problems.empty()) {
    for (const auto& p : problems) std::fprintf(stderr, "parley serve: %s\n", p.c_str());
    return 2;
  }
  if (config.store_url.empty()) {
    const char* env_store = std::getenv("PARLEY_STORE");
    config.store_url = env_store && *env_store ? std::string(env_store)
                                               : "sqlite:" + config.data_dir + "/parley.db";
  }

  // Engine configuration: defaults < parley.toml < environment < flag store.
  flags::FlagEnvironment flag_env = flags::readFlagEnvironment();
  for (const auto& p : engine::applyEnvironment(engine_config)) {
    core::log::warn("config_ignored", "", p);
  }
  flag_env.config = engine_config;
  for (const auto& p : flag_env.problems) core::log::warn("config_ignored", "", p);

  // Signals are handled by this thread only (sigwait below); threads started later inherit
  // the blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto services = pipeline::Services::createEmbedded();
  if (!services.ok()) {
    std::fprintf(stderr, "parley serve: speech stack unavailable: %s\n",
                 services.error().message.c_str());
    return 1;
  }
  std::vector<std::string> languages;
  for (const auto& lang : config.languages) {
    auto tr = (*services)->translator(lang);
    if (tr.ok()) {
      languages.push_back(lang);
    } else {
      core::log::warn("language_unavailable", "", "target language not offered",
                      {{"lang", lang}, {"error", tr.error().message}});
    }
  }
  if (languages.empty()) {
    std::fprintf(stderr, "parley serve: no target language is available\n");
    return 1;
  }

  auto store = storage::Store::open(
      {config.data_dir + "/sessions.db", config.sessions_table, /*synchronous_full=*/true});
  if (!store.ok()) {
    std::fprintf(stderr, "parley serve: %s\n", store.error().message.c_str());
    return 1;
  }
  auto flag_source = flags::openFlagSource(config.store_url, flag_env);
  if (!flag_source.ok()) {
    std::fprintf(stderr, "parley serve: %s\n", flag_source.error().message.c_str());
    return flag_source.error().code == core::ErrorCode::kUsage ? 2 : 1;
  }
  std::unique_ptr<flags::ParamStore> param_store;
  if (config.store_url.rfind("static:", 0) != 0) {
    auto ps = flags::openStore(config.store_url);
    if (ps.ok()) param_store = std::move(ps).value();
  }
  core::SystemClock clock;
  obs::Monitor monitor(clock);

  server::RegistryOptions reg;
  reg.max_listeners = config.max_listeners;
  reg.max_session_s = config.max_session_s;
  reg.history = config.history;
  reg.synthesize = config.synthesize;
  reg.languages = languages;
  pipeline::Services& svc = **services;
  server::SessionRegistry registry(
      reg, **store, **flag_source, monitor,
      [&svc, &clock](pipeline::PipelineOptions o, pipeline::SessionPipeline::SegmentCallback s,
                     pipeline::SessionPipeline::CaptionCallback c) {
        return pipeline::SessionPipeline::start(std::move(o), svc, clock, std::move(s),
                                                std::move(c));
      },
      server::systemRandomSource());
  if (auto st = registry.restore(); !st.ok()) {
    std::fprintf(stderr, "parley serve: cannot restore sessions: %s\n", st.error().message.c_str());
    return 1;
  }
  (*flag_source)->subscribe([&registry](const auto&) { registry.applyFlags(); });
  (*flag_source)->start();

  server::ServerDeps deps;
  deps.store = store->get();
  deps.flags = flag_source->get();
  deps.param_store = param_store.get();
  deps.flag_env = flag_env;
  deps.monitor = &monitor;
  deps.registry = &registry;
  deps.backends_ready = [&svc](std::string* why) { return svc.ready(why); };
  // The rollback that runs itself (docs/alarms.md): off with --no-auto-rollback or without a
  // writable flag store.
  obs::ControllerConfig controller_config;
  controller_config.enabled = !args->has("--no-auto-rollback") && param_store != nullptr;
  if (auto p = args->get("--promotion")) {
    auto schedule = obs::parsePromotionSchedule(*p);
    if (!schedule.ok()) return usageError("serve", "--promotion: " + schedule.error().message);
    controller_config.promotion = std::move(schedule).value();
  }
  double rollback_interval = 60;
  if (auto v = args->get("--rollback-interval")) {
    auto n = parseNumber(*v, "--rollback-interval", 1, 3600, &error);
    if (!n) return usageError("serve", error);
    rollback_interval = *n;
  }
  std::unique_ptr<server::AutoRollback> auto_rollback;
  if (controller_config.enabled) {
    auto_rollback =
        std::make_unique<server::AutoRollback>(*param_store, flag_env, monitor, controller_config);
  }

  server::HttpServer http(config, deps);
  if (auto st = http.start(); !st.ok()) {
    std::fprintf(stderr, "parley serve: %s\n", st.error().message.c_str());
    (*flag_source)->stop();
    return 1;
  }
  std::printf(
      "parley serve: listening on http://%s:%d (web %s, data %s, %zu session(s) restored)\n",
      config.host.c_str(), http.port(), config.web_root.c_str(), config.data_dir.c_str(),
      registry.activeCount());
  std::fflush(stdout);
  core::log::info("server_started", "", "listening", {{"port", http.port()}});
  if (auto_rollback) auto_rollback->start(rollback_interval);

  int sig = 0;
  sigwait(&signals, &sig);
  core::log::info("server_stopping", "", "signal received: draining sessions",
                  {{"signal", sig}, {"sessions", static_cast<long long>(registry.activeCount())}});
  if (auto_rollback) auto_rollback->stop();
  http.shutdown();
  (*flag_source)->stop();
  core::log::info("server_stopped", "", "shutdown complete");
  return 0;
}

}  // namespace

PARLEY_COMMAND("serve", "run the live server (HTTP, WebSockets, pages)", serveMain);

}  // namespace parley::app
