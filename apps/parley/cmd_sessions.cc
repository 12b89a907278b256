// `parley sessions list|end`: the operator's view of a running server's sessions, through its
// admin API (GET /api/sessions, DELETE /api/sessions/<id>) with PARLEY_ADMIN_TOKEN. A plain
// HTTP/1.1 client on a socket: the server is on this machine or the operator's network; for a
// server behind TLS, use the API through the proxy (docs/security.md).
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "command.h"

namespace parley::app {
namespace {

using Json = nlohmann::json;

constexpr const char* kHelp =
    "Usage: parley sessions list [--server URL] [--json]\n"
    "       parley sessions end ID [--server URL]\n\n"
    "Lists the active sessions of a running `parley serve`, or ends one (its listeners are told,\n"
    "its transcript is kept). Uses the admin API with the token in PARLEY_ADMIN_TOKEN.\n\n"
    "Options:\n"
    "  --server URL   the server (default http://127.0.0.1:8080)\n"
    "  --json         list: the API's JSON document instead of a table\n"
    "  -h, --help     this text\n\n"
    "Exit status: 0 done, 1 the server refused or could not be reached, 2 usage.\n";

struct HttpReply {
  int status = 0;
  std::string body;
};

// One request on a new connection ("Connection: close"); the whole reply is read.
bool httpCall(const std::string& url, const std::string& method, const std::string& path,
              const std::string& token, HttpReply* reply, std::string* error) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0) {
    *error = "--server must be an http:// URL (got '" + url + "')";
    return false;
  }
  std::string hostport = url.substr(kScheme.size());
  if (auto slash = hostport.find('/'); slash != std::string::npos) hostport.resize(slash);
  std::string host = hostport, port = "80";
  if (auto colon = hostport.rfind(':'); colon != std::string::npos && hostport.back() != ']') {
    host = hostport.substr(0, colon);
    port = hostport.substr(colon + 1);
  }
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    *error = "cannot resolve " + host + ": " + gai_strerror(rc);
    return false;
  }
  int fd = -1;
  for (addrinfo* a = res; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd >= 0 && ::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  if (fd < 0) {
    *error = "cannot connect to " + url + " (is parley serve running?)";
    return false;
  }
  std::string request = method + " " + path + " HTTP/1.1\r\nHost: " + hostport +
                        "\r\nAuthorization: Bearer " + token +
                        "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  for (std::size_t sent = 0; sent < request.size();) {
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      ::close(fd);
      *error = "the connection to " + url + " broke while sending";
      return false;
    }
    sent += static_cast<std::size_t>(n);
  }
  std::string raw;
  char buf[8192];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) raw.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  auto head_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || head_end == std::string::npos || raw.size() < 12) {
    *error = "not an HTTP reply from " + url;
    return false;
  }
  reply->status = std::atoi(raw.c_str() + 9);
  reply->body = raw.substr(head_end + 4);  // Content-Length replies; the server never chunks
  return true;
}

int fail(const std::string& message) {
  std::fprintf(stderr, "parley sessions: %s\n", message.c_str());
  return 1;
}

// The server's {"error","message"} reply in words.
int refused(const HttpReply& r) {
  Json j = Json::parse(r.body, nullptr, false);
  std::string message = j.is_object() && j.contains("message") && j["message"].is_string()
                            ? j["message"].get<std::string>()
                            : r.body;
  return fail("the server answered " + std::to_string(r.status) + ": " + message);
}

int sessionsMain(int argc, char** argv) {
  std::string error;
  auto args = Args::parse(
      argc, argv, {{"--server"}, {"--json", false}, {"--help", false}, {"-h", false}}, &error);
  if (!args) return usageError("sessions", error);
  if (args->wantsHelp()) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  const auto& pos = args->positionals();
  if (pos.empty()) return usageError("sessions", "missing action: list or end");
  const std::string& action = pos[0];
  std::string server = args->getOr("--server", "http://127.0.0.1:8080");
  while (!server.empty() && server.back() == '/') server.pop_back();
  const char* token = std::getenv("PARLEY_ADMIN_TOKEN");
  if (action != "list" && action != "end") {
    return usageError("sessions", "unknown action '" + action + "' (list or end)");
  }
  if (action == "list" && pos.size() != 1) return usageError("sessions", "list takes no ID");
  if (action == "end" && pos.size() != 2) return usageError("sessions", "end needs one ID");
  if (token == nullptr || *token == '\0') {
    return usageError("sessions", "set PARLEY_ADMIN_TOKEN to the server's admin token");
  }
  HttpReply reply;
  if (action == "end") {
    const std::string& id = pos[1];
    for (char c : id) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok) return usageError("sessions", "'" + id + "' is not a session ID");
    }
    if (!httpCall(server, "DELETE", "/api/sessions/" + id, token, &reply, &error)) {
      return fail(error);
    }
    if (reply.status != 200) return refused(reply);
    std::printf("session %s ended\n", id.c_str());
    return 0;
  }
  if (!httpCall(server, "GET", "/api/sessions", token, &reply, &error)) return fail(error);
  if (reply.status != 200) return refused(reply);
  if (args->has("--json")) {
    std::fputs(reply.body.c_str(), stdout);
    return 0;
  }
  Json j = Json::parse(reply.body, nullptr, false);
  if (!j.is_object() || !j.contains("sessions") || !j["sessions"].is_array()) {
    return fail("unexpected reply: " + reply.body.substr(0, 200));
  }
  std::printf("%-28s %-8s %-8s %-10s %s\n", "SESSION", "STATE", "SPEAKER", "LISTENERS", "MODE");
  for (const auto& s : j["sessions"]) {
    std::printf("%-28s %-8s %-8s %-10lld %s\n", s.value("session_id", "").c_str(),
                s.value("state", "").c_str(), s.value("speaker_connected", false) ? "yes" : "no",
                s.value("listener_total", 0LL), s.value("mode", "").c_str());
  }
  std::printf("%zu active session(s)\n", j["sessions"].size());
  return 0;
}

}  // namespace

PARLEY_COMMAND("sessions", "list or end a running server's sessions (admin)", sessionsMain);

}  // namespace parley::app
