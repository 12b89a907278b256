// `parley serve`: the live server (HTTP + WebSockets on one port). Thin: parses parley.toml,
// then the options that override it, into a ServerConfig; opens the stores, the flag source,
// the embedded speech stack and the automatic rollback; starts server::HttpServer and waits for
// SIGTERM/SIGINT, then shuts down gracefully (sessions drained, transcripts flushed).
// docs/server.md and docs/protocol.md describe it.
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
#include "server/connection_limits.h"
#include "server/http_server.h"
#include "server/rollback_driver.h"
#include "server/server_config.h"
#include "server/session_ids.h"
#include "server/session_registry.h"
#include "server/tls.h"
#include "storage/store.h"
#include "translate/translator.h"
#include "tts/synthesizer.h"

namespace parley::app {
namespace {

constexpr const char* kHelp =
    "Usage: parley serve [options]\n\n"
    "Runs the live server: speaker and listener pages, the JSON API, WebSockets, /metrics,\n"
    "/healthz and /readyz, all on one port.\n\n"
    "Options:\n"
    "  --config FILE        parley.toml: [server], [rollback] and [engine] tables\n"
    "                       (docs/server.md); options given here override the file\n"
    "  --host ADDR          address to bind (default 0.0.0.0: reachable from phones on the LAN;\n"
    "                       use 127.0.0.1 to keep it on this machine)\n"
    "  --port N             port (default 8080; 0 = any free port, printed at start)\n"
    "  --data DIR           data directory: sessions.db (sessions + transcripts) (default var)\n"
    "  --store URL          flag store (default $PARLEY_STORE or sqlite:DIR/parley.db;\n"
    "                       static: for environment-only flags)\n"
    "  --web DIR            pages to serve (default: $PARLEY_WEB_DIR, ./web, next to the binary)\n"
    "  --public-url URL     base of the links handed out (default: the request's Host header)\n"
    "  --tls-cert FILE      serve HTTPS and wss:// with this certificate (chain), PEM; needs\n"
    "                       --tls-key ([server] tls_cert; docs/security.md, \"HTTPS without a\n"
    "                       proxy\"); without both: plain HTTP\n"
    "  --tls-key FILE       the certificate's private key, PEM, unencrypted ([server] tls_key)\n"
    "  --max-listeners N    listeners per session (default 500)\n"
    "  --max-session S      session time limit in seconds (default 7200)\n"
    "  --complaint-window S a listener's complaints count at most once per S seconds,\n"
    "                       1..86400 (default 600; [server] complaint_window_seconds)\n"
    "  --threads N          network threads (default 2)\n"
    "  --max-sessions N     active sessions (default 4 per core; more: 429)\n"
    "  --trusted-networks LIST  comma-separated CIDRs whose clients may create sessions\n"
    "                       without a speaker key (default 127.0.0.0/8,::1/128: this machine)\n"
    "  --unused-session S   end a session no speaker connected to after S seconds (default 600)\n"
    "  --speaker-idle S     end a session whose speaker left S seconds ago (default 1800)\n"
    "  --max-connections N  open HTTP + WebSocket connections in total (default: the\n"
    "                       descriptor limit minus a margin, docs/server.md; [server]\n"
    "                       max_connections)\n"
    "  --max-connections-per-client N\n"
    "                       open connections per client address (default: a quarter of\n"
    "                       max_connections, at most 256; behind a reverse proxy every client\n"
    "                       has the proxy's address: raise it)\n"
    "  --allowed-origins LIST\n"
    "                       comma-separated origins (https://host[:port]) whose pages may open\n"
    "                       the speaker WebSocket besides the server's own (default none)\n"
    "  --no-speech          do not synthesize speech for listeners\n"
    "  --apertium-modes DIR apertium mode files (<pair>.mode), e.g. pairs built from source\n"
    "                       (default /usr/share/apertium/modes; [server] apertium_modes)\n"
    "  -h, --help           this text\n\n"
    "Automatic rollback (docs/alarms.md). Its thresholds, window, minimum samples and\n"
    "cool-downs are set in the [rollback] table of --config (defaults: the runbook's):\n"
    "  --rollback-interval S  seconds between evaluations, 1..3600 (default 60;\n"
    "                       [rollback] interval_seconds)\n"
    "  --no-auto-rollback   off switch of the controller ([rollback] enabled = false); it is\n"
    "                       also off when the flag store is not writable (static:)\n"
    "  --promotion LIST     promotion schedule, e.g. 10:3600,50:86400,100; none: never raise\n"
    "                       (default: never raise; [rollback] promotion)\n\n"
    "Environment: PARLEY_ADMIN_TOKEN (admin API bearer token; unset: admin API disabled),\n"
    "PARLEY_SPEAKER_KEY (creating a session needs it as a bearer token; unset: only clients\n"
    "on the trusted networks may create sessions; docs/security.md),\n"
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
                           {"--tls-cert"},
                           {"--tls-key"},
                           {"--max-listeners"},
                           {"--max-session"},
                           {"--complaint-window"},
                           {"--threads"},
                           {"--max-sessions"},
                           {"--trusted-networks"},
                           {"--unused-session"},
                           {"--speaker-idle"},
                           {"--max-connections"},
                           {"--max-connections-per-client"},
                           {"--allowed-origins"},
                           {"--no-speech", false},
                           {"--rollback-interval"},
                           {"--no-auto-rollback", false},
                           {"--promotion"},
                           {"--apertium-modes"},
                           {"--help", false},
                           {"-h", false}},
                          &error);
  if (!args) return usageError("serve", error);
  if (args->wantsHelp()) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  if (!args->requirePositionals(0, &error)) return usageError("serve", error);

  // Every problem of the file and the options is collected and reported before exiting 2.
  std::vector<std::string> problems;
  server::ServerConfig config;
  engine::EngineConfig engine_config;
  if (auto path = args->get("--config")) {
    if (auto st = server::applyServerConfigFile(config, engine_config, *path); !st.ok()) {
      problems.push_back(st.error().message);
    }
  }
  auto number = [&](const char* opt, double lo, double hi, double* out) {
    auto v = args->get(opt);
    if (!v) return;
    if (auto n = parseNumber(*v, opt, lo, hi, &error)) {
      *out = *n;
    } else {
      problems.push_back(error);
    }
  };
  double port = config.port, listeners = static_cast<double>(config.max_listeners),
         threads = config.threads, connections = static_cast<double>(config.max_connections),
         per_client = static_cast<double>(config.max_connections_per_client);
  number("--port", 0, 65535, &port);
  number("--max-listeners", 1, 100000, &listeners);
  number("--max-connections", 1, 1000000, &connections);
  number("--max-connections-per-client", 1, 1000000, &per_client);
  number("--max-session", 1, 7 * 86400, &config.max_session_s);
  number("--complaint-window", 1, 86400, &config.complaint_window_s);
  number("--threads", 1, 64, &threads);
  double max_sessions = static_cast<double>(config.max_sessions);
  number("--max-sessions", 1, 100000, &max_sessions);
  config.max_sessions = static_cast<std::size_t>(max_sessions);
  number("--unused-session", 1, 7 * 86400, &config.unused_session_s);
  number("--speaker-idle", 1, 7 * 86400, &config.speaker_idle_s);
  if (auto nets = args->get("--trusted-networks")) {
    config.trusted_networks.clear();
    std::string list = *nets;
    for (std::size_t pos = 0; pos <= list.size();) {
      auto comma = list.find(',', pos);
      if (comma == std::string::npos) comma = list.size();
      if (comma > pos) config.trusted_networks.push_back(list.substr(pos, comma - pos));
      pos = comma + 1;
    }
  }
  number("--rollback-interval", 1, 3600, &config.rollback_interval_s);
  config.port = static_cast<int>(port);
  config.max_listeners = static_cast<std::size_t>(listeners);
  config.threads = static_cast<int>(threads);
  config.max_connections = static_cast<std::size_t>(connections);
  config.max_connections_per_client = static_cast<std::size_t>(per_client);
  if (auto origins = args->get("--allowed-origins")) {
    config.allowed_origins = server::splitOriginList(*origins);
  }
  config.host = args->getOr("--host", config.host);
  config.data_dir = args->getOr("--data", config.data_dir);
  config.store_url = args->getOr("--store", config.store_url);
  config.public_url = args->getOr("--public-url", config.public_url);
  config.tls_cert = args->getOr("--tls-cert", config.tls_cert);
  config.tls_key = args->getOr("--tls-key", config.tls_key);
  config.apertium_modes = args->getOr("--apertium-modes", config.apertium_modes);
  if (args->has("--no-speech")) config.synthesize = false;
  if (args->has("--no-auto-rollback")) config.rollback.enabled = false;
  if (auto p = args->get("--promotion")) {
    auto schedule = server::parsePromotionOption(*p);
    if (schedule.ok()) {
      config.rollback.promotion = std::move(schedule).value();
    } else {
      problems.push_back("--promotion: " + schedule.error().message);
    }
  }
  config.web_root = args->getOr("--web", config.web_root);
  if (config.web_root.empty()) config.web_root = server::findWebRoot(argv[0]);
  if (const char* t = std::getenv("PARLEY_ADMIN_TOKEN")) config.admin_token = t;
  if (const char* k = std::getenv("PARLEY_SPEAKER_KEY"); k && *k) config.speaker_key = k;
  if (auto table = storage::sessionsTableFromEnvironment(); table.ok()) {
    config.sessions_table = *table;
  } else {
    problems.push_back(table.error().message);
  }
  for (auto& p : config.validate()) problems.push_back(std::move(p));
  // The certificate and key are loaded now (not after the speech stack): a wrong file is
  // reported at once, naming it.
  if (auto st = server::checkTls(config); !st.ok()) problems.push_back(st.error().message);
  if (!problems.empty()) {
    for (const auto& p : problems) std::fprintf(stderr, "parley serve: %s\n", p.c_str());
    std::fputs("Try 'parley serve --help'.\n", stderr);
    return 2;
  }
  if (config.store_url.empty()) {
    const char* env_store = std::getenv("PARLEY_STORE");
    config.store_url = env_store && *env_store ? std::string(env_store)
                                               : "sqlite:" + config.data_dir + "/parley.db";
  }

  // Descriptors: the soft limit is raised to the hard one before anything is opened or started
  // (children inherit it), and the connection limits not configured are derived from it.
  server::DescriptorLimit nofile = server::raiseDescriptorLimit();
  server::applyConnectionDefaults(config, nofile.soft);
  core::log::info(
      "descriptor_limit", "", "file descriptor limit and connection limits",
      {{"soft_before", nofile.soft_before},
       {"soft", nofile.soft},
       {"hard", nofile.hard},
       {"max_connections", static_cast<long long>(config.max_connections)},
       {"max_connections_per_client", static_cast<long long>(config.max_connections_per_client)}});
  if (!nofile.error.empty()) {
    core::log::warn("descriptor_limit_not_raised", "", nofile.error,
                    {{"soft", nofile.soft}, {"hard", nofile.hard}});
  }
  if (nofile.soft >= 0 &&
      static_cast<long long>(config.max_connections) >
          nofile.soft - static_cast<long long>(server::descriptorMargin(nofile.soft))) {
    core::log::warn("max_connections_above_descriptors", "",
                    "max_connections leaves less than the margin of descriptors for sessions; "
                    "descriptor exhaustion is survived by shedding connections",
                    {{"max_connections", static_cast<long long>(config.max_connections)},
                     {"soft", nofile.soft}});
  }

  // Engine configuration: defaults < parley.toml < environment < flag store.
  flags::FlagEnvironment flag_env = flags::readFlagEnvironment();
  for (const auto& p : flags::applyEngineEnvironment(engine_config)) {
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

  auto services =
      pipeline::Services::createEmbedded(pipeline::EmbeddedOptions{config.apertium_modes});
  if (!services.ok()) {
    std::fprintf(stderr, "parley serve: speech stack unavailable: %s\n",
                 services.error().message.c_str());
    return 1;
  }
  // Offer a language only when it works: its apertium pair translates a test sentence and
  // espeak-ng has its voice.
  std::vector<std::string> languages;
  for (const auto& lang : config.languages) {
    std::string why;
    auto tr = (*services)->translator(lang);
    if (!tr.ok()) {
      why = tr.error().message;
    } else if (auto t = (*tr)->translate("Good morning, everyone."); !t.ok() || t->empty()) {
      why = "test sentence: " + (t.ok() ? std::string("empty translation") : t.error().message);
    } else if (config.synthesize) {
      auto synth = (*services)->synthesizer();
      auto speech = synth.ok() ? (*synth)->synthesize(*t, (*services)->voiceFor(lang))
                               : core::Result<tts::Speech>(synth.error());
      if (!speech.ok())
        why = "voice " + (*services)->voiceFor(lang) + ": " + speech.error().message;
    }
    if (why.empty()) {
      languages.push_back(lang);
    } else {
      core::log::warn("language_unavailable", "", "target language not offered",
                      {{"lang", lang}, {"error", why}});
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
  reg.complaint_window_s = config.complaint_window_s;
  reg.synthesize = config.synthesize;
  reg.languages = languages;
  reg.max_sessions = config.max_sessions;
  reg.unused_session_s = config.unused_session_s;
  reg.speaker_idle_s = config.speaker_idle_s;
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
  // A translator is loaded when a session needs its language and unloaded once no session has
  // used it for translator_idle_seconds.
  deps.maintenance = [&svc, idle = config.translator_idle_s] {
    (void)svc.releaseIdleTranslators(idle);
  };
  // The rollback that runs itself (docs/alarms.md): configured by [rollback] and the options
  // above; off with its off switch or without a writable flag store.
  obs::ControllerConfig controller_config = config.rollback;
  if (controller_config.enabled && param_store == nullptr) {
    controller_config.enabled = false;
    core::log::info("auto_rollback_off", "",
                    "automatic rollback is off: the flag store is not writable",
                    {{"store", config.store_url}});
  }
  std::unique_ptr<server::RollbackDriver> rollback_driver;
  if (controller_config.enabled) {
    rollback_driver = std::make_unique<server::RollbackDriver>(*param_store, flag_env, monitor,
                                                               controller_config);
  }

  deps.rollback_driver = rollback_driver.get();
  server::HttpServer http(config, deps);
  if (auto st = http.start(); !st.ok()) {
    std::fprintf(stderr, "parley serve: %s\n", st.error().message.c_str());
    (*flag_source)->stop();
    return core::exitCodeFor(st.error());  // 2: a TLS file changed since it was checked
  }
  std::printf("parley serve: listening on %s://%s:%d (web %s, data %s, %zu session(s) restored)\n",
              config.tls_cert.empty() ? "http" : "https", config.host.c_str(), http.port(),
              config.web_root.c_str(), config.data_dir.c_str(), registry.activeCount());
  std::fflush(stdout);
  core::log::info("server_started", "", "listening",
                  {{"port", http.port()}, {"tls", !config.tls_cert.empty()}});
  if (rollback_driver) {
    rollback_driver->start(config.rollback_interval_s);
    core::log::info(
        "auto_rollback_started", "", "automatic rollback running",
        {{"interval_s", config.rollback_interval_s},
         {"window_s", controller_config.window_s},
         {"min_samples", controller_config.min_samples},
         {"promotion_steps", static_cast<long long>(controller_config.promotion.size())}});
  }

  int sig = 0;
  sigwait(&signals, &sig);
  core::log::info("server_stopping", "", "signal received: draining sessions",
                  {{"signal", sig}, {"sessions", static_cast<long long>(registry.activeCount())}});
  if (rollback_driver) rollback_driver->stop();
  http.shutdown();
  (*flag_source)->stop();
  core::log::info("server_stopped", "", "shutdown complete");
  return 0;
}

}  // namespace

PARLEY_COMMAND("serve", "run the live server (HTTP, WebSockets, pages)", serveMain);

}  // namespace parley::app
