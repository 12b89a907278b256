#include "server/http_server.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>  // is_upgrade; connections: ws_connection.cc
#include <chrono>
#include <cmath>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "core/hash.h"
#include "core/log.h"
#include "flags/report.h"
#include "flags/rollout.h"
#include "server/api_parse.h"
#include "server/client_limits.h"
#include "server/connection_limits.h"
#include "server/http_internal.h"
#include "server/protocol.h"
#include "server/rollback_driver.h"
#include "server/session_ids.h"
#include "server/tls.h"
#include "server/transport.h"
#include "server/ws_connection.h"
#include "storage/subtitles.h"

namespace parley::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

double steadySeconds() {
  return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
}

// Transport limits (docs/server.md, "Connection limits"). Request headers (Beast's default,
// explicit here) and bodies; the time a connection may take to send a request's header (also
// how long an idle keep-alive connection is kept) and then its body.
constexpr std::uint32_t kHeaderLimitBytes = 8 * 1024;
constexpr std::uint64_t kBodyLimitBytes = 1 << 20;
constexpr std::chrono::seconds kHeaderTimeout{15};
constexpr std::chrono::seconds kBodyTimeout{60};
// After refusing a request it has not read (431, 413), the server reads and discards what the
// client still sends, up to this much and this long, so that closing does not reset the
// connection before the client has read the answer.
constexpr std::size_t kLingerBytes = 4 << 20;
constexpr std::chrono::seconds kLingerTimeout{5};
// Retry-After of the 503 written to connections refused at accept.
constexpr int kRetryAfterSeconds = 5;
// After shutdown's drain wait: how long the cut-off connections get to finish their handlers.
constexpr double kAbortBudgetSeconds = 5.0;
// With TLS: the time a client has to complete the handshake (then it is dropped and counted),
// and the time the server waits for the client's close_notify after sending its own.
constexpr std::chrono::seconds kTlsHandshakeTimeout{10};
constexpr std::chrono::seconds kTlsShutdownTimeout{5};

bool isDescriptorExhaustion(const boost::system::error_code& ec) {
  return ec == net::error::no_descriptors ||
         ec == boost::system::errc::too_many_files_open_in_system ||
         ec == net::error::no_buffer_space || ec == net::error::no_memory;
}

}  // namespace

struct HttpServer::Impl {
  Impl(ServerConfig c, ServerDeps d)
      : config(withConnectionDefaults(std::move(c))),
        deps(std::move(d)),
        limiter(config.max_connections, config.max_connections_per_client,
                [monitor = deps.monitor](int delta) {
                  if (!monitor) return;
                  if (delta > 0) {
                    monitor->connectionOpened();
                  } else {
                    monitor->connectionClosed();
                  }
                }),
        blocking(static_cast<std::size_t>(config.blocking_threads)),
        shared(std::make_shared<ConnectionContext>(config, deps.registry, deps.clock, &blocking)),
        acceptor(net::make_strand(ioc)),
        accept_timer(acceptor.get_executor()),
        tick_timer(ioc),
        trusted(NetworkList::parse(config.trusted_networks).valueOr(NetworkList{})),
        create_limiter(config.session_creates_per_minute, config.session_create_burst) {
    allowed_origins = config.allowed_origins;
    if (!config.public_url.empty()) allowed_origins.push_back(config.public_url);
  }

  static ServerConfig withConnectionDefaults(ServerConfig c) {
    applyConnectionDefaults(c, currentDescriptorLimit());
    return c;
  }

  ServerConfig config;
  ServerDeps deps;
  // Declared before the io_context: connections still queued in it when it is destroyed
  // release their slots into a live limiter.
  ConnectionLimiter limiter;
  net::io_context ioc;
  net::thread_pool blocking;
  std::shared_ptr<ConnectionContext> shared;  // with every WebSocket connection
  // The acceptor, its back-off timer and the reserve descriptor belong to the acceptor's strand.
  tcp::acceptor acceptor;
  net::steady_timer accept_timer;
  AcceptBackoff accept_backoff;
  int reserve_fd = -1;
  std::vector<std::string> allowed_origins;  // allowed_origins + public_url
  std::atomic<double> last_refusal_log{0};
  std::atomic<long long> refusals_since_log{0};
  // TLS (set by start() when tls_cert and tls_key are configured); nullptr: plain HTTP.
  std::shared_ptr<net::ssl::context> tls;
  std::atomic<double> last_tls_failure_log{0};
  std::atomic<long long> tls_failures_since_log{0};
  net::steady_timer tick_timer;
  long long ticks = 0;  // of tick_timer
  std::vector<std::thread> threads;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::atomic<bool> stopped{false};
  int bound_port = 0;
  NetworkList trusted;  // may create sessions without the speaker key (when none is set)
  std::mutex create_mu;
  RateLimiter create_limiter;  // session creation per client address (guarded by create_mu)

  void accept();
  void admit(tcp::socket socket);
  void refuse(tcp::socket& socket, Refusal why);
  void writeRefusal(tcp::socket& socket, Refusal why);
  void tlsHandshakeFailed(const beast::error_code& ec);
  void shedAfterExhaustion(const beast::error_code& ec);
  void scheduleTick();
  void handleHttp(const std::shared_ptr<class HttpSession>& session, HttpRequest req,
                  const std::string& remote);
  std::optional<HttpResponse> route(const std::shared_ptr<class HttpSession>& session,
                                    const HttpRequest& req, const std::string& remote);
  std::optional<HttpResponse> staticFile(const HttpRequest& req, const std::string& file);
  std::string baseUrl(const HttpRequest& req, bool websocket_scheme) const;
  // nullopt: authorized; otherwise the 401/403 response.
  std::optional<HttpResponse> requireAdmin(const HttpRequest& req) const;
  bool isAdmin(const HttpRequest& req) const;
  // POST /api/sessions: the rate limit, then who may create (speaker key, trusted networks).
  std::optional<HttpResponse> mayCreateSession(const HttpRequest& req, const std::string& remote);
  std::optional<HttpResponse> createSession(const HttpRequest& req, const std::string& remote);
};

// --- HTTP connections ------------------------------------------------------------------------

// An HTTP connection, plain or TLS: with TLS the handshake comes first (within
// kTlsHandshakeTimeout); then requests are read and answered until the client closes, a
// timeout, or an upgrade hands the stream to a WsConnection.
class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(Transport&& stream, HttpServer::Impl& srv, ConnectionLimiter::Slot slot)
      : slot_(std::move(slot)), stream_(std::move(stream)), srv_(srv) {
    beast::error_code ec;
    auto ep = stream_.tcp().socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
  }

  void run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&HttpSession::start, shared_from_this()));
  }

  // Sends a response produced later (on another thread).
  void reply(HttpResponse res) {
    net::post(stream_.get_executor(), [self = shared_from_this(), r = std::move(res)]() mutable {
      self->write(std::move(r));
    });
  }

 private:
  void start() {
    if (!stream_.tls()) {
      doRead();
      return;
    }
    stream_.tcp().expires_after(kTlsHandshakeTimeout);
    stream_.async_handshake(
        beast::bind_front_handler(&HttpSession::onHandshake, shared_from_this()));
  }

  // A client that fails or does not finish the handshake (plain HTTP sent to the TLS port, a
  // certificate it refuses, silence) is dropped: nothing is written in clear.
  void onHandshake(beast::error_code ec) {
    if (ec) {
      srv_.tlsHandshakeFailed(ec);
      return;  // the destructor closes the socket and releases the slot
    }
    doRead();
  }

  // Ends the connection after its last response, or after a read error: with TLS,
  // close_notify first (waiting at most kTlsShutdownTimeout for the client's); then the send
  // side is shut down, and the socket closed when the session goes.
  void finish() {
    if (!stream_.tls()) {
      beast::error_code ignored;
      stream_.tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
      return;
    }
    stream_.tcp().expires_after(kTlsShutdownTimeout);
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) {
      beast::error_code ignored;
      self->stream_.tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
    });
  }

  void doRead() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimitBytes);
    parser_->body_limit(kBodyLimitBytes);
    stream_.tcp().expires_after(kHeaderTimeout);
    http::async_read_header(stream_, buf_, *parser_,
                            beast::bind_front_handler(&HttpSession::onHeader, shared_from_this()));
  }

  void onHeader(beast::error_code ec, std::size_t) {
    if (refuseOversized(ec)) return;
    if (ec) {
      finish();
      return;
    }
    if (auto length = parser_->content_length(); length && *length > kBodyLimitBytes) {
      refuseOversized(http::error::body_limit);
      return;
    }
    stream_.tcp().expires_after(kBodyTimeout);
    http::async_read(stream_, buf_, *parser_,
                     beast::bind_front_handler(&HttpSession::onRead, shared_from_this()));
  }

  // 431 for a header over kHeaderLimitBytes, 413 for a body over kBodyLimitBytes; false for
  // any other outcome.
  bool refuseOversized(const beast::error_code& ec) {
    HttpRequest req{http::verb::get, "/", 11};
    HttpResponse res;
    if (ec == http::error::header_limit) {
      res = errorResponse(
          req, http::status::request_header_fields_too_large, "header_too_large",
          "the request header is larger than " + std::to_string(kHeaderLimitBytes / 1024) + " KiB");
    } else if (ec == http::error::body_limit) {
      res = errorResponse(
          req, http::status::payload_too_large, "body_too_large",
          "the request body is larger than " + std::to_string(kBodyLimitBytes >> 20) + " MiB");
    } else {
      return false;
    }
    res.keep_alive(false);
    linger_ = true;
    write(std::move(res));
    return true;
  }

  // Shuts our side down and reads what the client still sends (a body the server refused)
  // until it closes, kLingerBytes or kLingerTimeout: the client reads the answer, not a reset.
  // With TLS too, on the TCP layer: what is discarded need not be decrypted.
  void linger() {
    beast::error_code ignored;
    stream_.tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.tcp().expires_after(kLingerTimeout);
    linger_buf_.resize(16384);  // only now: idle connections do not carry it
    lingerRead(0);
  }

  void lingerRead(std::size_t discarded) {
    if (discarded >= kLingerBytes) return;  // the destructor closes the socket
    stream_.tcp().async_read_some(
        net::buffer(linger_buf_),
        [self = shared_from_this(), discarded](beast::error_code ec, std::size_t n) {
          if (!ec) self->lingerRead(discarded + n);
        });
  }

  void onRead(beast::error_code ec, std::size_t) {
    if (refuseOversized(ec)) return;
    if (ec) {
      finish();
      return;
    }
    HttpRequest req = parser_->release();
    if (websocket::is_upgrade(req)) {
      Target t = parseTarget(std::string_view(req.target().data(), req.target().size()));
      auto get = [&](const char* k) {
        auto it = t.query.find(k);
        return it == t.query.end() ? std::string() : it->second;
      };
      Role role;
      if (t.path == "/ws/speak") {
        role = Role::kSpeaker;
      } else if (t.path == "/ws/listen") {
        role = Role::kListener;
      } else {
        write(errorResponse(req, http::status::not_found, "not_found",
                            "WebSocket endpoints are /ws/speak and /ws/listen"));
        return;
      }
      // A page on another site must not drive the speaker socket with a token it learned
      // (docs/protocol.md); clients that send no Origin (not browsers) are not concerned.
      if (auto origin = req.find(http::field::origin);
          role == Role::kSpeaker && origin != req.end()) {
        auto host = req.find(http::field::host);
        std::string_view host_text =
            host == req.end() ? std::string_view()
                              : std::string_view(host->value().data(), host->value().size());
        std::string_view origin_text(origin->value().data(), origin->value().size());
        if (!originAllowed(origin_text, host_text, srv_.allowed_origins)) {
          auto res = errorResponse(req, http::status::forbidden, "origin_not_allowed",
                                   "the speaker WebSocket only accepts pages of this server "
                                   "(or of allowed_origins); Origin " +
                                       std::string(origin_text) + " is not one");
          res.keep_alive(false);
          write(std::move(res));
          return;
        }
      }
      stream_.tcp().expires_never();
      startWebSocket(std::move(stream_), srv_.shared, role, get("session"), get("lang"),
                     get("token"), std::move(slot_), std::move(req));
      return;
    }
    srv_.handleHttp(shared_from_this(), std::move(req), remote_);
  }

 public:
  void write(HttpResponse res) {
    bool keep = res.keep_alive();
    auto sp = std::make_shared<HttpResponse>(std::move(res));
    http::async_write(stream_, *sp,
                      [self = shared_from_this(), sp, keep](beast::error_code ec, std::size_t) {
                        if (ec) return;
                        if (self->linger_) {
                          self->linger();
                          return;
                        }
                        if (!keep || self->srv_.shared->stopping) {
                          self->finish();
                          return;
                        }
                        self->doRead();
                      });
  }

 private:
  ConnectionLimiter::Slot slot_;  // moves to the WsConnection on an upgrade
  Transport stream_;              // moves to the WsConnection on an upgrade
  HttpServer::Impl& srv_;
  beast::flat_buffer buf_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string remote_;
  bool linger_ = false;  // the response refuses an unread request: linger() after writing it
  std::vector<char> linger_buf_;
};

// --- routes ------------------------------------------------------------------------------------

void HttpServer::Impl::handleHttp(const std::shared_ptr<HttpSession>& session, HttpRequest req,
                                  const std::string& remote) {
  std::optional<HttpResponse> res;
  try {
    res = route(session, req, remote);
  } catch (const std::exception& e) {
    // The exception's text stays in the log: it may name internals the client has no use for.
    core::log::error("http_handler_failed", "", e.what());
    deps.monitor->error("transport");
    res = errorResponse(req, http::status::internal_server_error, "internal",
                        "internal error (logged as http_handler_failed)");
  }
  if (res) session->write(std::move(*res));
}

std::string HttpServer::Impl::baseUrl(const HttpRequest& req, bool ws) const {
  std::string base = config.public_url;
  if (base.empty()) {
    auto host = req.find(http::field::host);
    std::string h =
        host == req.end() ? "127.0.0.1:" + std::to_string(bound_port) : std::string(host->value());
    base = (tls ? "https://" : "http://") + h;
  }
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (ws) {
    if (base.rfind("https://", 0) == 0) return "wss://" + base.substr(8);
    if (base.rfind("http://", 0) == 0) return "ws://" + base.substr(7);
  }
  return base;
}

std::optional<HttpResponse> HttpServer::Impl::requireAdmin(const HttpRequest& req) const {
  if (config.admin_token.empty()) {
    return errorResponse(req, http::status::forbidden, "admin_disabled",
                         "the admin API is disabled: set PARLEY_ADMIN_TOKEN");
  }
  if (!secureEquals(bearerToken(req), config.admin_token)) {
    auto res = errorResponse(req, http::status::unauthorized, "unauthorized",
                             "admin token required: Authorization: Bearer <PARLEY_ADMIN_TOKEN>");
    res.set(http::field::www_authenticate, "Bearer");
    return res;
  }
  return std::nullopt;
}

namespace {

std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t pos = 0;
  while (pos < path.size()) {
    auto slash = path.find('/', pos);
    if (slash == std::string::npos) slash = path.size();
    if (slash > pos) parts.push_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return parts;
}

http::status statusFor(const core::Error& e) {
  switch (e.code) {
    case core::ErrorCode::kInvalidInput:
    case core::ErrorCode::kUsage:
      return http::status::bad_request;
    case core::ErrorCode::kNotFound:
      return http::status::not_found;
    case core::ErrorCode::kUnavailable:
      return http::status::service_unavailable;
    default:
      return http::status::internal_server_error;
  }
}

const char* errorName(const core::Error& e) {
  switch (e.code) {
    case core::ErrorCode::kInvalidInput:
    case core::ErrorCode::kUsage:
      return "invalid_input";
    case core::ErrorCode::kNotFound:
      return "not_found";
    case core::ErrorCode::kUnavailable:
      return "unavailable";
    default:
      return "internal";
  }
}

}  // namespace

bool HttpServer::Impl::isAdmin(const HttpRequest& req) const {
  return !config.admin_token.empty() && secureEquals(bearerToken(req), config.admin_token);
}

std::optional<HttpResponse> HttpServer::Impl::mayCreateSession(const HttpRequest& req,
                                                               const std::string& remote) {
  double retry = 0;
  bool allowed;
  {
    std::lock_guard lock(create_mu);
    allowed = create_limiter.allow(remote, steadySeconds(), &retry);
  }
  if (!allowed) {
    auto res = errorResponse(req, http::status::too_many_requests, "rate_limited",
                             "too many session creations from this address; retry later");
    res.set(http::field::retry_after, std::to_string(static_cast<long long>(std::ceil(retry))));
    return res;
  }
  if (isAdmin(req)) return std::nullopt;
  if (!config.speaker_key.empty()) {
    if (secureEquals(bearerToken(req), config.speaker_key)) return std::nullopt;
    auto res = errorResponse(req, http::status::unauthorized, "speaker_key_required",
                             "creating a session needs the speaker key: Authorization: Bearer "
                             "<key> (the server's PARLEY_SPEAKER_KEY or [server] speaker_key)");
    res.set(http::field::www_authenticate, "Bearer");
    return res;
  }
  if (trusted.contains(remote)) return std::nullopt;
  auto res = errorResponse(
      req, http::status::unauthorized, "speaker_key_required",
      "this server creates sessions only for clients on its trusted networks (this machine by "
      "default); to create sessions from other machines, start it with PARLEY_SPEAKER_KEY (or "
      "[server] speaker_key) set and send Authorization: Bearer <key>");
  res.set(http::field::www_authenticate, "Bearer");
  return res;
}

std::optional<HttpResponse> HttpServer::Impl::createSession(const HttpRequest& req,
                                                            const std::string& remote) {
  if (auto denied = mayCreateSession(req, remote)) return denied;
  auto parsed = parseSessionBody(req.body());
  if (!parsed.ok()) {
    return errorResponse(req, http::status::bad_request, parsed.problem->code,
                         parsed.problem->message);
  }
  const SessionRequest& request = parsed.value;
  if (deps.registry->atSessionLimit()) {
    auto res = errorResponse(req, http::status::too_many_requests, "too_many_sessions",
                             "the server holds its maximum of active sessions (max_sessions); "
                             "end one or retry later");
    res.set(http::field::retry_after, "60");
    return res;
  }
  auto created = deps.registry->create(request);
  if (!created.ok()) {
    const auto& e = created.error();
    if (e.code == core::ErrorCode::kUnavailable && deps.registry->atSessionLimit()) {
      return errorResponse(req, http::status::too_many_requests, "too_many_sessions", e.message);
    }
    return errorResponse(req, statusFor(e), errorName(e), e.message);
  }
  // The recognizer is loaded when the speaker connects, not here: a session nobody speaks in
  // costs a row and a little memory, never a pipeline.
  std::string ws = baseUrl(req, true), base = baseUrl(req, false);
  Json j = {{"session_id", created->id},
            {"speaker_token", created->token},
            {"speak_url", ws + "/ws/speak?session=" + created->id + "&token=" + created->token},
            {"listen_url", base + "/listen/" + created->id},
            {"listen_ws_url", ws + "/ws/listen?session=" + created->id + "&lang="},
            {"source_language", request.source_language},
            {"targets", request.targets},
            {"public_transcript", request.public_transcript}};
  auto info = deps.registry->describeJson(created->id);
  if (info.ok()) j["decision"] = Json::parse(*info)["decision"];
  return jsonResponse(req, http::status::created, j.dump());
}

std::optional<HttpResponse> HttpServer::Impl::staticFile(const HttpRequest& req,
                                                         const std::string& file) {
  auto path = resolveStaticFile(config.web_root, file);
  if (!path) return errorResponse(req, http::status::not_found, "not_found", "no such file");
  std::ifstream in(*path, std::ios::binary);
  if (!in) return errorResponse(req, http::status::not_found, "not_found", "no such file");
  std::ostringstream body;
  body << in.rdbuf();
  return makeResponse(req, http::status::ok, body.str(), contentTypeFor(file));
}

std::optional<HttpResponse> HttpServer::Impl::route(const std::shared_ptr<HttpSession>& session,
                                                    const HttpRequest& req,
                                                    const std::string& remote) {
  Target t = parseTarget(std::string_view(req.target().data(), req.target().size()));
  if (!t.valid) {
    return errorResponse(req, http::status::bad_request, "invalid_input",
                         "malformed percent escape in the request path");
  }
  auto parts = splitPath(t.path);
  auto method = req.method();
  bool get = method == http::verb::get || method == http::verb::head;
  auto query = [&](const char* k, std::string fallback = "") {
    auto it = t.query.find(k);
    return it == t.query.end() ? fallback : it->second;
  };
  auto methodNotAllowed = [&] {
    return errorResponse(req, http::status::method_not_allowed, "method_not_allowed",
                         "method not allowed on " + t.path);
  };
  auto fromError = [&](const core::Error& e) {
    return errorResponse(req, statusFor(e), errorName(e), e.message);
  };
  // Pages.
  if (parts.empty()) return get ? staticFile(req, "index.html") : methodNotAllowed();
  if (parts.size() == 1 && (parts[0] == "speak" || parts[0] == "ops" || parts[0] == "listen")) {
    return get ? staticFile(req, parts[0] + ".html") : methodNotAllowed();
  }
  if (parts.size() == 2 && parts[0] == "listen") {
    return get ? staticFile(req, "listen.html") : methodNotAllowed();
  }
  if (t.path.rfind("/static/", 0) == 0) {
    std::string file = t.path.substr(std::strlen("/static/"));
    return get ? staticFile(req, file) : methodNotAllowed();
  }

  // Health and observability (no token).
  if (t.path == "/healthz") {
    return jsonResponse(req, http::status::ok, R"({"status":"ok"})");
  }
  if (t.path == "/readyz") {
    Json checks = Json::object();
    std::string why;
    bool backends = deps.backends_ready ? deps.backends_ready(&why) : false;
    checks["recognizer_translator_synthesizer"] = {{"ok", backends}, {"detail", why}};
    auto probe = deps.store->session("readyz-probe-000");
    checks["store"] = {{"ok", probe.ok()}, {"detail", probe.ok() ? "" : probe.error().message}};
    bool ready = backends && probe.ok() && !shared->stopping;
    Json j = {{"ready", ready}, {"checks", checks}};
    return jsonResponse(req, ready ? http::status::ok : http::status::service_unavailable,
                        j.dump());
  }
  if (t.path == "/metrics") {
    return makeResponse(req, http::status::ok, deps.monitor->metricsText(),
                        "text/plain; version=0.0.4; charset=utf-8");
  }
  if (t.path == "/api/alarms")
    return jsonResponse(req, http::status::ok, deps.monitor->alarmsJson());
  if (t.path == "/api/rollout/controller") {
    if (!get) return methodNotAllowed();
    if (!deps.rollback_driver) {
      Json off = {
          {"enabled", false},
          {"reason", "automatic rollback is off (--no-auto-rollback or no writable flag store)"}};
      return jsonResponse(req, http::status::ok, off.dump());
    }
    return jsonResponse(req, http::status::ok, deps.rollback_driver->stateJson());
  }
  if (t.path == "/api/latency") {
    double window = std::clamp(std::atof(query("window", "300").c_str()), 10.0, 600.0);
    return jsonResponse(req, http::status::ok, deps.registry->latencyJson(window));
  }

  // Sessions.
  if (parts.size() >= 2 && parts[0] == "api" && parts[1] == "sessions") {
    if (parts.size() == 2) {
      if (method == http::verb::post) return createSession(req, remote);
      if (get) {
        if (auto denied = requireAdmin(req)) return denied;
        return jsonResponse(req, http::status::ok, deps.registry->listJson());
      }
      return methodNotAllowed();
    }
    const std::string& id = parts[2];
    if (parts.size() == 3) {
      if (get) {
        auto j = deps.registry->describeJson(id);
        if (!j.ok()) return fromError(j.error());
        return jsonResponse(req, http::status::ok, *j);
      }
      if (method == http::verb::delete_) {
        std::string token = bearerToken(req);
        if (token.empty()) token = query("token");
        if (!deps.registry->exists(id)) {
          auto rec = deps.store->session(id);
          if (rec.ok() && rec->has_value()) {
            return errorResponse(req, http::status::gone, "session_ended",
                                 "the session has already ended");
          }
          return errorResponse(req, http::status::not_found, "not_found", "unknown session");
        }
        if (!deps.registry->checkToken(id, token) && !isAdmin(req)) {
          return errorResponse(req, http::status::unauthorized, "unauthorized",
                               "the speaker token (or the admin token) is required: "
                               "Authorization: Bearer <token>");
        }
        HttpRequest copy = req;
        net::post(blocking, [this, session, copy, id] {
          auto st = deps.registry->end(id, "deleted");
          if (!st.ok()) {
            session->reply(errorResponse(copy, statusFor(st.error()), errorName(st.error()),
                                         st.error().message));
            return;
          }
          Json j = {{"session_id", id}, {"state", "ended"}};
          session->reply(jsonResponse(copy, http::status::ok, j.dump()));
        });
        return std::nullopt;
      }
      return methodNotAllowed();
    }
    if (parts.size() == 4 && parts[3] == "transcript") {
      if (!get) return methodNotAllowed();
      auto rec = deps.store->session(id);
      if (!rec.ok()) return fromError(rec.error());
      if (!rec->has_value()) {
        return errorResponse(req, http::status::not_found, "not_found", "unknown session");
      }
      const auto& r = **rec;
      if (!r.public_transcript && !isAdmin(req)) {
        std::string token = bearerToken(req);
        if (token.empty()) token = query("token");
        // Digests are compared: the timing says nothing about the token.
        if (token.empty() || core::sha256Hex(token) != r.token_hash) {
          auto res = errorResponse(req, http::status::unauthorized, "unauthorized",
                                   "the transcript needs the speaker token (Authorization: "
                                   "Bearer <token> or ?token=) or the admin token, unless the "
                                   "session was created with \"public_transcript\": true");
          res.set(http::field::www_authenticate, "Bearer");
          return res;
        }
      }
      std::string format = query("format", "json");
      if (format == "srt" || format == "vtt") {
        std::string lang = query("lang", r.targets.empty() ? r.source_language : r.targets[0]);
        // Subtitles come from the final caption lines when the session has them (whole,
        // corrected sentences), else from the append-only captions.
        auto final_lines = deps.store->lines(id, lang);
        if (!final_lines.ok()) return fromError(final_lines.error());
        auto rows = deps.store->transcript(id, lang);
        if (!rows.ok()) return fromError(rows.error());
        if (!final_lines->empty()) {
          rows->clear();
          for (const auto& l : *final_lines) {
            storage::TranscriptEntry e;
            e.session_id = l.session_id;
            e.lang = l.lang;
            e.seq = l.line;
            e.text = l.text;
            e.source_text = l.source_text;
            e.audio_start = l.audio_start;
            e.audio_end = l.audio_end;
            rows->push_back(std::move(e));
          }
        }
        if (format == "srt") {
          return makeResponse(req, http::status::ok, storage::toSrt(*rows),
                              "application/x-subrip; charset=utf-8");
        }
        return makeResponse(req, http::status::ok, storage::toVtt(*rows),
                            "text/vtt; charset=utf-8");
      }
      if (format != "json") {
        return errorResponse(req, http::status::bad_request, "invalid_input",
                             "format must be json, srt or vtt");
      }
      auto rows = deps.store->transcript(id, query("lang"));
      if (!rows.ok()) return fromError(rows.error());
      Json langs = Json::object();
      for (const auto& e : *rows) {
        langs[e.lang].push_back({{"seq", e.seq},
                                 {"source_seq", e.source_seq},
                                 {"kind", e.kind},
                                 {"text", e.text},
                                 {"source_text", e.source_text},
                                 {"audio_start", e.audio_start},
                                 {"audio_end", e.audio_end},
                                 {"latency_ms", std::lround(e.latency_s * 1000.0)},
                                 {"written_at", e.written_at}});
      }
      auto final_lines = deps.store->lines(id, query("lang"));
      if (!final_lines.ok()) return fromError(final_lines.error());
      Json lines = Json::object();
      for (const auto& l : *final_lines) {
        lines[l.lang].push_back({{"line", l.line},
                                 {"rev", l.rev},
                                 {"text", l.text},
                                 {"source_text", l.source_text},
                                 {"confirmed", l.confirmed},
                                 {"audio_start", l.audio_start},
                                 {"audio_end", l.audio_end},
                                 {"latency_ms", std::lround(l.latency_s * 1000.0)},
                                 {"written_at", l.written_at}});
      }
      Json j = {{"session_id", r.id},
                {"state", storage::sessionStateName(r.state)},
                {"source_language", r.source_language},
                {"targets", r.targets},
                {"languages", langs},
                {"lines", lines}};
      return jsonResponse(req, http::status::ok, j.dump());
    }
    if (parts.size() == 4 && parts[3] == "complaints") {
      if (method != http::verb::post) return methodNotAllowed();
      // Counted only with the listener_key of a listener connected to this session; anything
      // else is answered 202 not_counted (or 400 when malformed) and never moves the rollout.
      auto parsed = parseComplaintBody(req.body());
      if (!parsed.ok()) {
        if (auto st = deps.registry->invalidComplaint(id); !st.ok()) return fromError(st.error());
        return errorResponse(req, http::status::bad_request, parsed.problem->code,
                             parsed.problem->message);
      }
      const ComplaintFields& fields = parsed.value;
      auto outcome =
          deps.registry->complaint(id, fields.listener_key, fields.text, fields.last_seq);
      if (!outcome.ok()) return fromError(outcome.error());
      Json j = {{"status", outcome->counted ? "recorded" : "not_counted"}};
      if (!outcome->counted) j["reason"] = outcome->reason;
      return jsonResponse(req, http::status::accepted, j.dump());
    }
    return errorResponse(req, http::status::not_found, "not_found", "no such endpoint");
  }

  // Flags (admin).
  if (parts.size() >= 2 && parts[0] == "api" && parts[1] == "flags") {
    if (auto denied = requireAdmin(req)) return denied;
    if (!deps.param_store) {
      return errorResponse(req, http::status::service_unavailable, "unavailable",
                           "no flag store configured (static flags)");
    }
    const std::string& name = deps.flags->parameterName();
    if (parts.size() == 2 && get) {
      auto st = flags::readStatus(*deps.param_store, deps.flag_env);
      if (!st.ok()) return fromError(st.error());
      if (auto found = flags::findLastAutomaticAction(*deps.param_store, *st); !found.ok()) {
        return fromError(found.error());
      }
      Json j = Json::parse(flags::statusJson(*st));
      j["kill_switch"] = deps.flags->killSwitchActive();
      auto snap = deps.flags->snapshot();
      if (snap) {
        j["live"] = {{"source", flags::sourceName(snap->source)},
                     {"enabled", snap->enabled},
                     {"rollout_percentage", snap->rollout_percentage},
                     {"version", snap->version}};
      }
      return jsonResponse(req, http::status::ok, j.dump());
    }
    if (parts.size() == 3 && parts[2] == "history" && get) {
      int limit = std::clamp(std::atoi(query("limit", "50").c_str()), 1, 1000);
      auto h = deps.param_store->history(name, limit);
      if (!h.ok()) return fromError(h.error());
      return jsonResponse(req, http::status::ok, flags::historyJson(*h));
    }
    if (method != http::verb::post) return methodNotAllowed();
    FlagsEndpoint endpoint = FlagsEndpoint::kOther;
    if (parts.size() == 3 && parts[2] == "kill-switch") {
      endpoint = FlagsEndpoint::kKillSwitch;
    } else if (parts.size() == 3 && parts[2] == "revert") {
      endpoint = FlagsEndpoint::kRevert;
    } else if (parts.size() == 2) {
      endpoint = FlagsEndpoint::kChange;
    }
    auto parsed = parseFlagsBody(endpoint, req.body());
    if (!parsed.ok()) {
      return errorResponse(req, http::status::bad_request, parsed.problem->code,
                           parsed.problem->message);
    }
    const FlagsBody& body = parsed.value;
    const std::string& reason = body.reason;
    std::string actor = "admin@" + (remote.empty() ? std::string("http") : remote);
    if (endpoint == FlagsEndpoint::kKillSwitch) {
      deps.flags->setKillSwitchOverride(body.active);
      deps.registry->applyFlags();
      core::log::warn(
          "kill_switch_changed", "", "kill switch changed through the admin API",
          {{"active", deps.flags->killSwitchActive()}, {"actor", actor}, {"reason", reason}});
      Json j = {{"kill_switch", deps.flags->killSwitchActive()}};
      return jsonResponse(req, http::status::ok, j.dump());
    }
    core::Result<flags::WriteResult> written = core::Error::internal("no change");
    if (endpoint == FlagsEndpoint::kRevert) {
      written = flags::revertTo(*deps.param_store, deps.flag_env, body.version, actor, reason);
    } else if (endpoint == FlagsEndpoint::kChange) {
      written = flags::writeChange(*deps.param_store, deps.flag_env, body.change, actor, reason);
    } else {
      return errorResponse(req, http::status::not_found, "not_found", "no such endpoint");
    }
    if (!written.ok()) return fromError(written.error());
    deps.flags->refresh();  // publishes now; subscribers switch running sessions
    deps.registry->applyFlags();
    Json j = {{"version", written->written.version},
              {"value", Json::parse(written->written.value, nullptr, false)},
              {"notes", written->notes}};
    return jsonResponse(req, http::status::ok, j.dump());
  }

  return errorResponse(req, http::status::not_found, "not_found", "no such page or endpoint");
}

// --- lifecycle ---------------------------------------------------------------------------------

// Runs on the acceptor's strand (as do the back-off timer and the reserve descriptor).
void HttpServer::Impl::accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (shared->stopping) return;
      if (isDescriptorExhaustion(ec)) {
        shedAfterExhaustion(ec);  // re-arms after a pause
      } else {
        accept();  // an error of that one connection (Linux reports some through accept)
      }
      return;
    }
    if (accept_backoff.active()) {
      accept_backoff.reset();
      core::log::info("accept_recovered", "", "accepting connections again",
                      {{"open_connections", static_cast<long long>(limiter.open())}});
    }
    admit(std::move(socket));
    if (!shared->stopping) accept();
  });
}

// Out of descriptors: accept() fails at once as long as a connection is pending, so re-arming
// at once would spin. Frees the reserve descriptor to accept one pending connection and close
// it (the client is told no rather than left waiting), takes the reserve back, and waits
// 50 ms .. 1 s before accepting again.
void HttpServer::Impl::shedAfterExhaustion(const beast::error_code& ec) {
  bool first = !accept_backoff.active();
  auto pause = accept_backoff.next();
  if (reserve_fd >= 0) {
    ::close(reserve_fd);
    reserve_fd = -1;
  }
  int fd = ::accept4(acceptor.native_handle(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd >= 0) {
    ::close(fd);
    if (deps.monitor) deps.monitor->connectionRejected(refusalName(Refusal::kDescriptors));
  }
  reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (first) {
    core::log::warn("accept_descriptors_exhausted", "",
                    "out of file descriptors: shedding pending connections and backing off",
                    {{"error", ec.message()},
                     {"open_connections", static_cast<long long>(limiter.open())},
                     {"max_connections", static_cast<long long>(limiter.maxTotal())}});
  }
  accept_timer.expires_after(pause);
  accept_timer.async_wait([this](beast::error_code wait_ec) {
    if (wait_ec || shared->stopping) return;
    accept();
  });
}

void HttpServer::Impl::admit(tcp::socket socket) {
  beast::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  std::string client = ec ? std::string() : clientKey(ep.address().to_string());
  Refusal why = Refusal::kNone;
  auto slot = limiter.acquire(client, &why);
  if (!slot) {
    refuse(socket, why);
    return;
  }
  Transport stream = tls ? Transport(std::move(socket), *tls) : Transport(std::move(socket));
  std::make_shared<HttpSession>(std::move(stream), *this, std::move(slot))->run();
}

// Over a cap: a 503 written without waiting (best effort: a client that already sent its
// request may see a reset instead), then closed; with TLS, closed without a word (a TLS client
// could not read a 503 in clear, and no handshake is spent on it). Counted; logged at most
// every 10 s.
void HttpServer::Impl::refuse(tcp::socket& socket, Refusal why) {
  if (!tls) writeRefusal(socket, why);
  beast::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
  if (deps.monitor) deps.monitor->connectionRejected(refusalName(why));
  ++refusals_since_log;
  double now = steadySeconds(), last = last_refusal_log.load();
  if (now - last >= 10 && last_refusal_log.compare_exchange_strong(last, now)) {
    core::log::warn(
        "connection_refused", "", "connection over the connection limits refused",
        {{"reason", refusalName(why)},
         {"refused_since_last_log", refusals_since_log.exchange(0)},
         {"open_connections", static_cast<long long>(limiter.open())},
         {"max_connections", static_cast<long long>(limiter.maxTotal())},
         {"max_connections_per_client", static_cast<long long>(limiter.maxPerClient())}});
  }
}

// A TLS client that failed or did not complete the handshake: counted
// (parley_connections_rejected_total{reason="tls_handshake"}); logged at most every 10 s.
void HttpServer::Impl::tlsHandshakeFailed(const beast::error_code& ec) {
  if (deps.monitor) deps.monitor->connectionRejected("tls_handshake");
  ++tls_failures_since_log;
  double now = steadySeconds(), last = last_tls_failure_log.load();
  if (now - last >= 10 && last_tls_failure_log.compare_exchange_strong(last, now)) {
    core::log::warn("tls_handshake_failed", "",
                    "a client failed or did not complete the TLS handshake (plain HTTP sent to "
                    "the HTTPS port, a certificate it refused, or silence); connection dropped",
                    {{"error", ec == beast::error::timeout ? std::string("timeout") : ec.message()},
                     {"failed_since_last_log", tls_failures_since_log.exchange(0)}});
  }
}

// The 503 of refuse(), written without waiting.
void HttpServer::Impl::writeRefusal(tcp::socket& socket, Refusal why) {
  bool per_client = why == Refusal::kPerClient;
  HttpRequest req{http::verb::get, "/", 11};
  auto res = errorResponse(
      req, http::status::service_unavailable, "too_many_connections",
      per_client ? "too many connections from this address (max_connections_per_client)"
                 : "the server has max_connections open connections");
  res.set(http::field::retry_after, std::to_string(kRetryAfterSeconds));
  res.keep_alive(false);
  std::ostringstream text;
  text << res;
  std::string bytes = text.str();
  [[maybe_unused]] auto sent =
      ::send(socket.native_handle(), bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
}

void HttpServer::Impl::scheduleTick() {
  tick_timer.expires_after(std::chrono::seconds(1));
  tick_timer.async_wait([this](beast::error_code ec) {
    if (ec || shared->stopping) return;
    for (auto& due : deps.registry->tick()) {
      net::post(blocking, [this, due] { (void)deps.registry->end(due.id, due.reason); });
    }
    if (deps.maintenance && ++ticks % 60 == 0) net::post(blocking, deps.maintenance);
    scheduleTick();
  });
}

HttpServer::HttpServer(ServerConfig config, ServerDeps deps)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(deps))) {}

HttpServer::~HttpServer() { shutdown(); }

int HttpServer::port() const { return impl_->bound_port; }

int HttpServer::openWebSockets() const { return impl_->shared->open_connections.load(); }

core::Status HttpServer::start() {
  Impl& s = *impl_;
  if (!s.config.tls_cert.empty() || !s.config.tls_key.empty()) {
    auto ctx = makeTlsContext(s.config.tls_cert, s.config.tls_key);
    if (!ctx.ok()) return ctx.error();
    s.tls = std::move(ctx).value();
  }
  beast::error_code ec;
  auto address = net::ip::make_address(s.config.host, ec);
  if (ec) return core::Error::invalid("host '" + s.config.host + "' is not an IP address");
  tcp::endpoint ep{address, static_cast<unsigned short>(s.config.port)};
  s.acceptor.open(ep.protocol(), ec);
  if (!ec) s.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(ep, ec);
  if (!ec) s.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return core::Error::unavailable("cannot listen on " + s.config.host + ":" +
                                    std::to_string(s.config.port) + ": " + ec.message());
  }
  s.bound_port = s.acceptor.local_endpoint().port();
  // accept4() after descriptor exhaustion must not block.
  s.acceptor.native_non_blocking(true, ec);
  s.reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  s.work.emplace(s.ioc.get_executor());
  s.accept();
  s.scheduleTick();
  for (int i = 0; i < s.config.threads; ++i) {
    s.threads.emplace_back([&s] { s.ioc.run(); });
  }
  return core::okStatus();
}

void HttpServer::shutdown() {
  Impl& s = *impl_;
  if (s.stopped.exchange(true)) return;
  s.shared->stopping = true;
  net::post(s.acceptor.get_executor(), [&s] {
    beast::error_code ignored;
    s.acceptor.close(ignored);
    s.accept_timer.cancel();
  });
  net::post(s.ioc, [&s] { s.tick_timer.cancel(); });
  // Drain every session: the last captions are appended and sent, connections closed (1001).
  s.deps.registry->shutdown();
  s.shared->closeBlocking();
  s.blocking.join();
  double deadline = steadySeconds() + std::min(5.0, s.config.drain_timeout_s);
  while (s.shared->open_connections.load() > 0 && steadySeconds() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Join before destruction: connections still open (a peer that never answered the close
  // handshake) are cut off on their strands, and the network threads run until they are gone.
  s.shared->abortAll();
  deadline = steadySeconds() + kAbortBudgetSeconds;
  while (s.shared->open_connections.load() > 0 && steadySeconds() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (int left = s.shared->open_connections.load(); left > 0) {
    core::log::warn("shutdown_connections_left", "",
                    "WebSocket connections still referenced after shutdown",
                    {{"connections", static_cast<long long>(left)}});
  }
  s.work.reset();
  s.ioc.stop();
  for (auto& t : s.threads) {
    if (t.joinable()) t.join();
  }
  if (s.reserve_fd >= 0) {
    ::close(s.reserve_fd);
    s.reserve_fd = -1;
  }
}

}  // namespace parley::server
