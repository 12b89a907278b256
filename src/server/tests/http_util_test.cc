#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <string>
#include <vector>

#include "audio/audio.h"
#include "server/http_internal.h"
#include "server/session_ids.h"

namespace parley::server {
namespace {

TEST(HttpUtil, ParsesTargetsAndDecodes) {
  Target t = parseTarget("/ws/listen?session=golden-eagle-427&lang=es&x=a%20b+c");
  EXPECT_EQ(t.path, "/ws/listen");
  EXPECT_EQ(t.query["session"], "golden-eagle-427");
  EXPECT_EQ(t.query["lang"], "es");
  EXPECT_EQ(t.query["x"], "a b c");
  EXPECT_FALSE(urlDecode("%zz").has_value());
  EXPECT_FALSE(urlDecode("%4").has_value());
  EXPECT_EQ(parseTarget("/a%2Fb").path, "/a/b");
  EXPECT_TRUE(parseTarget("/x?").query.empty());
}

TEST(HttpUtil, BearerAndSecureEquals) {
  HttpRequest req;
  EXPECT_EQ(bearerToken(req), "");
  req.set(boost::beast::http::field::authorization, "Bearer s3cret");
  EXPECT_EQ(bearerToken(req), "s3cret");
  req.set(boost::beast::http::field::authorization, "Basic s3cret");
  EXPECT_EQ(bearerToken(req), "");
  EXPECT_TRUE(secureEquals("abc", "abc"));
  EXPECT_FALSE(secureEquals("abc", "abd"));
  EXPECT_FALSE(secureEquals("abc", "abcd"));
  EXPECT_FALSE(secureEquals("", "a"));
}

TEST(HttpUtil, MalformedEscapesMakeAnInvalidTarget) {
  EXPECT_TRUE(parseTarget("/static/a.js").valid);
  EXPECT_FALSE(parseTarget("/static/%zz").valid);
  EXPECT_FALSE(parseTarget("/static/%2").valid);
}

// Static files come only from the web root: every variant of the attack that read /etc/passwd.
TEST(HttpUtil, StaticFilesStayInsideTheWebRoot) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("parley_static_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "web" / "sub");
  auto write = [](const fs::path& p) { std::ofstream(p) << "x"; };
  write(dir / "web" / "a.js");
  write(dir / "web" / "sub" / "b.css");
  write(dir / "secret.txt");
  fs::create_symlink(dir / "secret.txt", dir / "web" / "escape.txt");
  fs::create_symlink("/etc", dir / "web" / "etc");
  fs::create_symlink("a.js", dir / "web" / "alias.js");
  fs::path root = dir / "web";

  EXPECT_EQ(resolveStaticFile(root, "a.js"), fs::canonical(root / "a.js"));
  EXPECT_EQ(resolveStaticFile(root, "sub/b.css"), fs::canonical(root / "sub" / "b.css"));
  EXPECT_EQ(resolveStaticFile(root, "alias.js"), fs::canonical(root / "a.js"));  // inside
  for (const std::string& bad : std::vector<std::string>{
           "/etc/passwd", "//etc/passwd", "../secret.txt", "sub/../a.js", "./a.js", "sub//b.css",
           "a.js/", "", "escape.txt", "etc/passwd", "sub", "missing.js", std::string("a.js\0x", 6),
           "sub\\b.css", "/proc/self/environ"}) {
    EXPECT_FALSE(resolveStaticFile(root, bad).has_value()) << bad;
  }
  // The decoded forms of /static/%2fetc%2fpasswd and /static/%2e%2e/secret.txt.
  EXPECT_FALSE(resolveStaticFile(root, parseTarget("/%2fetc%2fpasswd").path.substr(1)));
  EXPECT_FALSE(resolveStaticFile(root, parseTarget("/%2e%2e/secret.txt").path.substr(1)));
  fs::remove_all(dir);
}

TEST(HttpUtil, ContentTypes) {
  EXPECT_EQ(contentTypeFor("speak.html"), "text/html; charset=utf-8");
  EXPECT_EQ(contentTypeFor("qrcode.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(contentTypeFor("x.bin"), "application/octet-stream");
}

TEST(HttpUtil, EveryResponseCarriesTheSecurityHeaders) {
  HttpRequest req;
  auto res = errorResponse(req, boost::beast::http::status::not_found, "not_found", "x");
  std::string csp(res["Content-Security-Policy"]);
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
  EXPECT_EQ(res["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(res["Referrer-Policy"], "no-referrer");
  EXPECT_EQ(res["X-Frame-Options"], "DENY");
}

TEST(HttpUtil, ParsesOrigins) {
  auto o = parseOrigin("HTTPS://Parley.Example.org");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->scheme, "https");
  EXPECT_EQ(o->host, "parley.example.org");
  EXPECT_EQ(o->port, 443);
  EXPECT_EQ(parseOrigin("http://127.0.0.1:8080")->port, 8080);
  EXPECT_EQ(parseOrigin("http://a.example/")->port, 80);  // one trailing slash is tolerated
  EXPECT_EQ(parseOrigin("http://[::1]:9000")->host, "[::1]");
  for (const char* bad : {"null", "evil.example", "http://", "http://a.example/path",
                          "http://a.example:0", "http://a.example:99999", "http://a.example:",
                          "http://user@a.example", "ftp://a.example", "http://a b"}) {
    EXPECT_FALSE(parseOrigin(bad)) << bad;
  }
}

TEST(HttpUtil, OriginMustMatchTheHostOrBeAllowed) {
  const std::vector<std::string> none;
  EXPECT_TRUE(originAllowed("http://127.0.0.1:8080", "127.0.0.1:8080", none));
  EXPECT_TRUE(originAllowed("http://Venue.local:8080", "venue.local:8080", none));
  // A Host without a port takes the origin scheme's default (a TLS proxy in front).
  EXPECT_TRUE(originAllowed("https://parley.example.org", "parley.example.org", none));
  EXPECT_TRUE(originAllowed("http://parley.example.org", "parley.example.org:80", none));
  EXPECT_FALSE(originAllowed("http://evil.example", "127.0.0.1:8080", none));
  EXPECT_FALSE(originAllowed("http://127.0.0.1:9090", "127.0.0.1:8080", none));
  EXPECT_FALSE(originAllowed("https://parley.example.org", "parley.example.org:80", none));
  EXPECT_FALSE(originAllowed("null", "127.0.0.1:8080", none));
  EXPECT_FALSE(originAllowed("http://127.0.0.1:8080", "", none));
  const std::vector<std::string> allowed = {"https://speakers.example.org",
                                            "http://10.0.0.5:8080/"};
  EXPECT_TRUE(originAllowed("https://speakers.example.org", "10.0.0.5:8080", allowed));
  EXPECT_TRUE(originAllowed("https://speakers.example.org:443", "10.0.0.5:8080", allowed));
  EXPECT_TRUE(originAllowed("http://10.0.0.5:8080", "parley.local", allowed));
  EXPECT_FALSE(originAllowed("http://speakers.example.org", "10.0.0.5:8080", allowed));
  EXPECT_FALSE(originAllowed("https://evil.example", "10.0.0.5:8080", allowed));
}

TEST(Wav, HeaderDescribes16BitMonoPcm) {
  std::vector<std::int16_t> s = {0, 1, -1, 32767};
  std::string w = audio::encodeWav(s, 16000);
  ASSERT_EQ(w.size(), 44u + 8u);
  EXPECT_EQ(w.substr(0, 4), "RIFF");
  EXPECT_EQ(w.substr(8, 8), "WAVEfmt ");
  auto le32 = [&](std::size_t at) {
    return static_cast<unsigned>(static_cast<unsigned char>(w[at])) |
           static_cast<unsigned>(static_cast<unsigned char>(w[at + 1])) << 8 |
           static_cast<unsigned>(static_cast<unsigned char>(w[at + 2])) << 16 |
           static_cast<unsigned>(static_cast<unsigned char>(w[at + 3])) << 24;
  };
  EXPECT_EQ(le32(4), 36u + 8u);
  EXPECT_EQ(le32(24), 16000u);
  EXPECT_EQ(le32(40), 8u);
  EXPECT_EQ(static_cast<unsigned char>(w[48]), 0xffu);  // -1, little-endian
  EXPECT_EQ(static_cast<unsigned char>(w[49]), 0xffu);
}

}  // namespace
}  // namespace parley::server
