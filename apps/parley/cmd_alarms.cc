// `parley alarms`: the runbook's alarms (src/obs/alarms.h). They are evaluated inside a running
// server; this command fetches them (GET URL/api/alarms over plain HTTP), lists their
// definitions, or prints them as Prometheus alerting rules.
#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "command.h"
#include "core/result.h"
#include "obs/alarms.h"

namespace {

constexpr const char* kName = "alarms";

void printHelp() {
  std::printf(
      "Usage: parley alarms --server URL [--json]\n"
      "       parley alarms --list\n"
      "       parley alarms --prometheus-rules\n\n"
      "The runbook's five alarms (latency p95 > 5 s in 2 of 2 5-minute periods; dropped > 100/min\n"
      "2 of 2; orphaned > 10 per 5 min 2 of 2; recognizer fallback >= 1; errors > 5 per 5 min)\n"
      "are evaluated inside a running server over its live metrics. This command:\n"
      "  --server URL        fetches URL/api/alarms (e.g. http://127.0.0.1:8080) and prints\n"
      "                      each alarm's state; exit 0 whether or not alarms fire\n"
      "  --json              with --server: print the server's JSON as is\n"
      "  --list              prints the alarm definitions (no server needed)\n"
      "  --prometheus-rules  prints a Prometheus alerting-rules file with the same alarms over\n"
      "                      parley's metric names (promtool check rules accepts it)\n"
      "  --timeout SECONDS   with --server: give up after this long (default 5)\n"
      "  -h, --help          this help\n\n"
      "Without one of --server, --list or --prometheus-rules there is nothing to evaluate\n"
      "(alarms live in a running server): usage error, exit 2. See docs/alarms.md.\n"
      "Exit status: 0 ok, 1 server unreachable or bad answer, 2 usage error.\n");
}

struct Url {
  std::string host;
  std::string port = "80";
  std::string prefix;  // path prefix without trailing slash
};

parley::core::Result<Url> parseUrl(std::string text) {
  const std::string scheme = "http://";
  if (text.rfind(scheme, 0) == 0)
    text = text.substr(scheme.size());
  else if (text.find("://") != std::string::npos)
    return parley::core::Error::usage("--server: only http:// URLs are supported");
  Url url;
  std::size_t slash = text.find('/');
  std::string authority = text.substr(0, slash);
  if (slash != std::string::npos) url.prefix = text.substr(slash);
  while (!url.prefix.empty() && url.prefix.back() == '/') url.prefix.pop_back();
  std::size_t colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']') == std::string::npos) {
    url.port = authority.substr(colon + 1);
    authority = authority.substr(0, colon);
  }
  if (!authority.empty() && authority.front() == '[' && authority.back() == ']') {
    authority = authority.substr(1, authority.size() - 2);
  }
  url.host = authority;
  if (url.host.empty() || url.port.empty() ||
      url.port.find_first_not_of("0123456789") != std::string::npos) {
    return parley::core::Error::usage("--server: expected http://HOST:PORT (got '" + text + "')");
  }
  return url;
}

std::string dechunk(const std::string& body) {
  std::string out;
  std::size_t pos = 0;
  while (pos < body.size()) {
    std::size_t eol = body.find("\r\n", pos);
    if (eol == std::string::npos) break;
    std::size_t size = std::strtoul(body.substr(pos, eol - pos).c_str(), nullptr, 16);
    if (size == 0) break;
    out += body.substr(eol + 2, size);
    pos = eol + 2 + size + 2;
  }
  return out;
}

// GET over plain HTTP/1.0 (the server closes the connection after the answer).
parley::core::Result<std::string> httpGet(const Url& url, const std::string& path,
                                          double timeout_s) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = getaddrinfo(url.host.c_str(), url.port.c_str(), &hints, &res); rc != 0) {
    return parley::core::Error::unavailable("cannot resolve " + url.host + ": " + gai_strerror(rc));
  }
  int fd = -1;
  std::string last_error = "no address";
  for (addrinfo* a = res; a; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    timeval tv{};
    tv.tv_sec = static_cast<long>(timeout_s);
    tv.tv_usec = static_cast<long>((timeout_s - std::floor(timeout_s)) * 1e6);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    last_error = std::strerror(errno);
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) {
    return parley::core::Error::unavailable("cannot connect to " + url.host + ":" + url.port +
                                            ": " + last_error);
  }
  std::string request = "GET " + url.prefix + path + " HTTP/1.0\r\nHost: " + url.host + ":" +
                        url.port + "\r\nAccept: application/json\r\nConnection: close\r\n\r\n";
  for (std::size_t sent = 0; sent < request.size();) {
    ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      close(fd);
      return parley::core::Error::unavailable("cannot send request: " +
                                              std::string(std::strerror(errno)));
    }
    sent += static_cast<std::size_t>(n);
  }
  std::string response;
  char buf[8192];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0) {
      close(fd);
      return parley::core::Error::unavailable("no answer from " + url.host + ":" + url.port + ": " +
                                              std::strerror(errno));
    }
    if (n == 0) break;
    response.append(buf, static_cast<std::size_t>(n));
    if (response.size() > (64u << 20)) break;
  }
  close(fd);
  std::size_t header_end = response.find("\r\n\r\n");
  if (response.rfind("HTTP/", 0) != 0 || header_end == std::string::npos) {
    return parley::core::Error::unavailable("not an HTTP answer from " + url.host);
  }
  std::string status_line = response.substr(0, response.find("\r\n"));
  std::size_t sp = status_line.find(' ');
  int status = sp == std::string::npos ? 0 : std::atoi(status_line.c_str() + sp + 1);
  std::string headers = response.substr(0, header_end);
  std::string body = response.substr(header_end + 4);
  std::string lower;
  for (char c : headers) lower.push_back(static_cast<char>(std::tolower(c)));
  if (lower.find("transfer-encoding: chunked") != std::string::npos) body = dechunk(body);
  if (status != 200) {
    return parley::core::Error::unavailable("GET " + url.prefix + path + ": " + status_line);
  }
  return body;
}

std::string formatValue(const nlohmann::json& v) {
  if (v.is_null()) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v.get<double>());
  return buf;
}

void printList() {
  std::printf("%-22s %-10s %-8s %-44s %s\n", "ALARM", "SEVERITY", "SCOPE", "CONDITION",
              "RUNBOOK ALARM");
  for (const auto& a : parley::obs::alarmTable()) {
    char condition[96];
    const char* what = a.signal == parley::obs::AlarmSignal::kLatencyP95 ? "word latency p95"
                       : a.signal == parley::obs::AlarmSignal::kDropped  ? "dropped"
                       : a.signal == parley::obs::AlarmSignal::kOrphaned ? "orphaned"
                       : a.signal == parley::obs::AlarmSignal::kFallback ? "fallbacks"
                       : a.signal == parley::obs::AlarmSignal::kErasure  ? "erasure"
                                                                         : "errors";
    std::snprintf(condition, sizeof condition, "%s %s %g per %gs, %d of %d", what,
                  parley::obs::comparisonSymbol(a.op), a.threshold, a.period_s, a.periods,
                  a.periods);
    std::printf("%-22s %-10s %-8s %-44s %s\n", a.name, a.severity,
                a.per_decision ? "decision" : "all", condition, a.runbook_name);
  }
}

int alarmsMain(int argc, char** argv) {
  std::string error;
  auto args = parley::app::Args::parse(argc, argv,
                                       {{"--server"},
                                        {"--json", false},
                                        {"--list", false},
                                        {"--prometheus-rules", false},
                                        {"--timeout"},
                                        {"--help", false},
                                        {"-h", false}},
                                       &error);
  if (!args) return parley::app::usageError(kName, error);
  if (args->wantsHelp()) {
    printHelp();
    return 0;
  }
  if (!args->requirePositionals(0, &error)) return parley::app::usageError(kName, error);
  int modes = args->has("--server") + args->has("--list") + args->has("--prometheus-rules");
  if (modes > 1) {
    return parley::app::usageError(kName, "use one of --server, --list and --prometheus-rules");
  }
  if (args->has("--prometheus-rules")) {
    std::string yaml = parley::obs::prometheusRulesYaml();
    std::fwrite(yaml.data(), 1, yaml.size(), stdout);
    return 0;
  }
  if (args->has("--list")) {
    printList();
    return 0;
  }
  if (!args->has("--server")) {
    return parley::app::usageError(
        kName,
        "alarms are evaluated inside a running server: give --server URL (or --list, "
        "--prometheus-rules)");
  }
  double timeout = 5;
  if (auto t = args->get("--timeout")) {
    auto v = parley::app::parseNumber(*t, "--timeout", 0.1, 600, &error);
    if (!v) return parley::app::usageError(kName, error);
    timeout = *v;
  }
  auto url = parseUrl(*args->get("--server"));
  if (!url.ok()) return parley::app::usageError(kName, url.error().message);
  auto body = httpGet(*url, "/api/alarms", timeout);
  if (!body.ok()) {
    std::fprintf(stderr, "parley alarms: %s\n", body.error().message.c_str());
    return 1;
  }
  auto j = nlohmann::json::parse(*body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("alarms") || !j["alarms"].is_array()) {
    std::fprintf(stderr, "parley alarms: the server's /api/alarms answer is not alarm JSON\n");
    return 1;
  }
  if (args->has("--json")) {
    std::printf("%s\n", j.dump().c_str());
    return 0;
  }
  std::printf("%-22s %-10s %-6s %-16s %s\n", "ALARM", "DECISION", "STATE", "VALUES", "CONDITION");
  for (const auto& a : j["alarms"]) {
    std::string values;
    if (a.contains("values") && a["values"].is_array()) {
      for (const auto& v : a["values"]) values += (values.empty() ? "" : ",") + formatValue(v);
    }
    std::string condition = a.value("statistic", "") + " " + a.value("op", "") + " " +
                            formatValue(a.value("threshold", nlohmann::json())) + " per " +
                            formatValue(a.value("period_s", nlohmann::json())) + "s";
    std::printf("%-22s %-10s %-6s %-16s %s\n", a.value("name", "?").c_str(),
                a.value("decision", "?").c_str(), a.value("state", "?").c_str(), values.c_str(),
                condition.c_str());
  }
  std::printf("%d firing\n", j.value("firing", 0));
  return 0;
}

}  // namespace

PARLEY_COMMAND("alarms", "runbook alarms: fetch from a server, list, export Prometheus rules",
               alarmsMain);
