// Internal to the server module (included by its .cc files only): URL helpers and the HTTP
// request/response types shared by the transport (http_server.cc) and the routes (api.cc).
#pragma once

#include <boost/beast/http.hpp>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::server {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// Percent-decoding ('+' is a space in queries). nullopt on a malformed escape.
std::optional<std::string> urlDecode(std::string_view s);
// Splits "/a/b?x=1&y=2" into path and decoded query parameters (each decoded once).
// `valid` is false when the path holds a malformed percent escape (the server answers 400).
struct Target {
  std::string path;
  std::map<std::string, std::string> query;
  bool valid = true;
};
Target parseTarget(std::string_view target);

// The file under `root` that the decoded relative path `file` names, or nullopt when it must
// not be served: empty, absolute, a NUL or backslash, an empty, "." or ".." segment, a file that
// does not exist or is not a regular file, or one that resolves outside `root` (symlinks
// followed). Callers answer 404 without saying which.
std::optional<std::filesystem::path> resolveStaticFile(const std::filesystem::path& root,
                                                       std::string_view file);

std::string contentTypeFor(std::string_view path);
// The token of "Authorization: Bearer <token>", empty when absent.
std::string bearerToken(const HttpRequest& req);

HttpResponse makeResponse(const HttpRequest& req, boost::beast::http::status status,
                          std::string body, std::string_view content_type);
HttpResponse jsonResponse(const HttpRequest& req, boost::beast::http::status status,
                          std::string body);
// {"error": code, "message": message}
HttpResponse errorResponse(const HttpRequest& req, boost::beast::http::status status,
                           std::string_view code, std::string_view message);

// The Content-Security-Policy of every response: scripts, styles and media from the server
// only (no inline script, event handler or style attribute), WebSockets allowed, no framing.
inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self' blob: data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'";
// Sets Content-Security-Policy, X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer
// and X-Frame-Options: DENY (makeResponse does this for every response).
void setSecurityHeaders(HttpResponse& res);

// An origin as browsers send it (the Origin header) and operators list it (allowed_origins):
// scheme://host[:port], no path. Scheme and host are lower-cased; the port is explicit (80 for
// http and ws, 443 for https and wss; other schemes need one). nullopt when malformed ("null").
struct Origin {
  std::string scheme;
  std::string host;  // IPv6 literals keep their brackets
  int port = 0;
};
std::optional<Origin> parseOrigin(std::string_view text);
// Whether a page of `origin` may open the speaker WebSocket of a server reached as `host` (the
// request's Host header, host[:port]; without a port, the origin scheme's default): the same
// host and port, or one of `allowed` (origins). A malformed origin or Host matches nothing.
bool originAllowed(std::string_view origin, std::string_view host,
                   const std::vector<std::string>& allowed);

}  // namespace parley::server
