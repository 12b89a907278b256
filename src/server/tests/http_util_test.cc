#include <gtest/gtest.h>

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
