#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "server/http_internal.h"

namespace parley::server {

namespace http = boost::beast::http;

std::optional<std::string> urlDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      auto hex = [](char h) -> int {
        if (h >= '0' && h <= '9') return h - '0';
        if (h >= 'a' && h <= 'f') return h - 'a' + 10;
        if (h >= 'A' && h <= 'F') return h - 'A' + 10;
        return -1;
      };
      int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

Target parseTarget(std::string_view target) {
  Target t;
  auto q = target.find('?');
  auto path = urlDecode(target.substr(0, q));
  t.valid = path.has_value();
  t.path = path.value_or("");
  if (q == std::string_view::npos) return t;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    auto eq = pair.find('=');
    auto key = urlDecode(pair.substr(0, eq));
    auto value = eq == std::string_view::npos ? std::optional<std::string>("")
                                              : urlDecode(pair.substr(eq + 1));
    if (key && value && !key->empty()) t.query[*key] = *value;
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return t;
}

std::optional<std::filesystem::path> resolveStaticFile(const std::filesystem::path& root,
                                                       std::string_view file) {
  namespace fs = std::filesystem;
  if (file.empty() || file.front() == '/') return std::nullopt;
  if (file.find('\0') != std::string_view::npos || file.find('\\') != std::string_view::npos) {
    return std::nullopt;
  }
  std::size_t pos = 0;
  while (pos <= file.size()) {
    auto slash = file.find('/', pos);
    if (slash == std::string_view::npos) slash = file.size();
    std::string_view segment = file.substr(pos, slash - pos);
    if (segment.empty() || segment == "." || segment == "..") return std::nullopt;
    pos = slash + 1;
  }
  std::error_code ec;
  fs::path base = fs::canonical(root, ec);
  if (ec) return std::nullopt;
  fs::path resolved = fs::canonical(base / fs::path(file), ec);  // follows every symlink
  if (ec || !fs::is_regular_file(resolved, ec)) return std::nullopt;
  // Inside the root: the root's components are a prefix of the file's.
  auto [root_end, file_it] =
      std::mismatch(base.begin(), base.end(), resolved.begin(), resolved.end());
  if (root_end != base.end() || file_it == resolved.end()) return std::nullopt;
  return resolved;
}

std::string contentTypeFor(std::string_view path) {
  auto ends = [&](std::string_view ext) {
    return path.size() >= ext.size() && path.substr(path.size() - ext.size()) == ext;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  if (ends(".json")) return "application/json";
  if (ends(".txt") || ends(".md")) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

std::string bearerToken(const HttpRequest& req) {
  auto it = req.find(http::field::authorization);
  if (it == req.end()) return {};
  std::string_view v(it->value().data(), it->value().size());
  constexpr std::string_view kPrefix = "Bearer ";
  if (v.size() <= kPrefix.size() || v.substr(0, kPrefix.size()) != kPrefix) return {};
  return std::string(v.substr(kPrefix.size()));
}

HttpResponse makeResponse(const HttpRequest& req, http::status status, std::string body,
                          std::string_view content_type) {
  HttpResponse res{status, req.version()};
  res.set(http::field::server, "parley");
  res.set(http::field::content_type, content_type);
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  setSecurityHeaders(res);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

HttpResponse jsonResponse(const HttpRequest& req, http::status status, std::string body) {
  return makeResponse(req, status, std::move(body) + "\n", "application/json");
}

HttpResponse errorResponse(const HttpRequest& req, http::status status, std::string_view code,
                           std::string_view message) {
  nlohmann::json j = {{"error", code}, {"message", message}};
  return jsonResponse(req, status, j.dump());
}

void setSecurityHeaders(HttpResponse& res) {
  res.set("Content-Security-Policy", kContentSecurityPolicy);
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.set("X-Frame-Options", "DENY");
}

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// "host[:port]" or "[v6]:port" into host and port; `default_port` (0: none) when absent.
bool splitHostPort(std::string_view text, int default_port, std::string* host, int* port) {
  std::string_view h = text, p;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) return false;
    h = text.substr(0, close + 1);
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      p = rest.substr(1);
      if (p.empty()) return false;
    }
  } else {
    auto colon = text.find(':');
    if (colon != std::string_view::npos) {
      h = text.substr(0, colon);
      p = text.substr(colon + 1);
      if (p.empty()) return false;
    }
  }
  if (h.empty()) return false;
  bool host_ok = std::all_of(h.begin(), h.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
           c == '[' || c == ']' || c == ':' || c == '%';
  });
  if (!host_ok) return false;
  int n = default_port;
  if (!p.empty()) {
    if (p.size() > 5 ||
        !std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return false;
    n = std::stoi(std::string(p));
  }
  if (n < 1 || n > 65535) return false;
  *host = lower(h);
  *port = n;
  return true;
}

int defaultPort(std::string_view scheme) {
  if (scheme == "http" || scheme == "ws") return 80;
  if (scheme == "https" || scheme == "wss") return 443;
  return 0;
}

}  // namespace

std::optional<Origin> parseOrigin(std::string_view text) {
  auto sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) return std::nullopt;
  Origin o;
  o.scheme = lower(text.substr(0, sep));
  bool scheme_ok = std::all_of(o.scheme.begin(), o.scheme.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
  });
  if (!scheme_ok) return std::nullopt;
  std::string_view authority = text.substr(sep + 3);
  if (!authority.empty() && authority.back() == '/') authority.remove_suffix(1);
  if (authority.find_first_of("/?#@ ") != std::string_view::npos) return std::nullopt;
  if (!splitHostPort(authority, defaultPort(o.scheme), &o.host, &o.port)) return std::nullopt;
  return o;
}

bool originAllowed(std::string_view origin, std::string_view host,
                   const std::vector<std::string>& allowed) {
  auto o = parseOrigin(origin);
  if (!o) return false;
  std::string host_name;
  int host_port = 0;
  if (splitHostPort(host, o->port, &host_name, &host_port) && host_name == o->host &&
      host_port == o->port) {
    return true;
  }
  for (const auto& entry : allowed) {
    auto a = parseOrigin(entry);
    if (a && a->scheme == o->scheme && a->host == o->host && a->port == o->port) return true;
  }
  return false;
}

}  // namespace parley::server
