// Fuzz harness for what the server decodes from a request line and headers
// (server/http_internal.h): the target's path and query (parseTarget, urlDecode), the static-file
// resolver behind /static/ (resolveStaticFile, on a scratch web root with a symlink that points
// out of it) and Origin/Host matching. Never a crash; invariants: a resolved file is a regular
// file strictly inside the root, never the file outside it, and its path has no "." or ".."
// segment; decoding never grows the text; a parsed origin has a port in 1..65535.
// docs/fuzzing.md.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "server/http_internal.h"

namespace {

namespace fs = std::filesystem;
namespace server = parley::server;

// <tmp>/parley-http-fuzz-XXXXXX/{outside.txt, web/{index.html, static/app.js, static/sub/a.css,
// static/out -> ../../outside.txt, static/up -> ../.., static/loop -> loop}}; removed at exit.
struct WebRoot {
  fs::path base, root, outside;
  WebRoot() {
    std::string tmpl = (fs::temp_directory_path() / "parley-http-fuzz-XXXXXX").string();
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) std::abort();
    base = fs::path(buf.data());
    root = base / "web";
    outside = base / "outside.txt";
    fs::create_directories(root / "static" / "sub");
    std::ofstream(outside) << "secret";
    std::ofstream(root / "index.html") << "<html></html>";
    std::ofstream(root / "static" / "app.js") << "0";
    std::ofstream(root / "static" / "sub" / "a.css") << "";
    fs::create_symlink("../../outside.txt", root / "static" / "out");
    fs::create_symlink("../..", root / "static" / "up");
    fs::create_symlink("loop", root / "static" / "loop");
    root = fs::canonical(root);
    outside = fs::canonical(outside);
  }
  ~WebRoot() {
    std::error_code ec;
    fs::remove_all(base, ec);
  }
};

const WebRoot& webRoot() {
  static const WebRoot w;
  return w;
}

void checkResolved(std::string_view file) {
  const WebRoot& w = webRoot();
  auto resolved = server::resolveStaticFile(w.root, file);
  if (!resolved) return;
  std::error_code ec;
  if (*resolved == w.outside || !fs::is_regular_file(*resolved, ec)) std::abort();
  std::string r = resolved->string(), prefix = w.root.string() + "/";
  if (r.size() <= prefix.size() || r.compare(0, prefix.size(), prefix) != 0) std::abort();
  for (const auto& part : *resolved) {
    if (part == "." || part == "..") std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  auto decoded = server::urlDecode(text);
  if (decoded && decoded->size() > text.size()) std::abort();

  // The request target, as the router sees it; /static/<file> goes to the resolver.
  server::Target t = server::parseTarget(text);
  if (t.path.size() > text.size()) std::abort();
  for (const auto& [key, value] : t.query) {
    if (key.empty()) std::abort();
  }
  if (t.valid && t.path.rfind("/static/", 0) == 0) checkResolved(t.path.substr(8));
  // The resolver on the raw text too (the route passes fixed names and decoded paths).
  checkResolved(text);

  // "origin\nhost": the Origin and Host headers of a speaker's WebSocket handshake.
  auto nl = text.find('\n');
  std::string_view origin = text.substr(0, nl);
  std::string_view host = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  if (auto o = server::parseOrigin(origin)) {
    if (o->port < 1 || o->port > 65535 || o->host.empty()) std::abort();
  }
  (void)server::originAllowed(origin, host, {"https://a.example", "http://[::1]:8080"});
  (void)server::contentTypeFor(text);
  return 0;
}
