#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "audio/audio.h"
#include "server/http_internal.h"

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
