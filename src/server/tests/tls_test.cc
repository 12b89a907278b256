// TLS configuration of `parley serve`: the [server] keys, both-or-neither, and the context built
// from the files (a certificate and key made here with OpenSSL, as `openssl req -x509` would).
#include "server/tls.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "server/server_config.h"

namespace parley::server {
namespace {

namespace fs = std::filesystem;

fs::path tempDir() {
  auto dir = fs::temp_directory_path() / ("parley_tls_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

std::string writeFile(const std::string& name, const std::string& text) {
  auto path = tempDir() / name;
  std::ofstream(path) << text;
  return path.string();
}

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

Key newKey() { return Key(EVP_EC_gen("P-256"), &EVP_PKEY_free); }

// A self-signed certificate for `key`, valid from now for `days` (negative: already expired).
std::string writeCert(const std::string& name, EVP_PKEY* key, long days) {
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  long from = days < 0 ? days * 2 * 86400 : 0;
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), from);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), days * 86400);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), subject);
  X509_sign(cert.get(), key, EVP_sha256());
  auto path = (tempDir() / name).string();
  std::FILE* f = std::fopen(path.c_str(), "w");
  PEM_write_X509(f, cert.get());
  std::fclose(f);
  return path;
}

std::string writeKey(const std::string& name, EVP_PKEY* key, const char* passphrase = nullptr) {
  auto path = (tempDir() / name).string();
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (passphrase) {
    PEM_write_PrivateKey(f, key, EVP_aes_256_cbc(), nullptr, 0, nullptr,
                         const_cast<char*>(passphrase));
  } else {
    PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  }
  std::fclose(f);
  return path;
}

std::string problemOf(const std::string& cert, const std::string& key) {
  auto ctx = makeTlsContext(cert, key);
  return ctx.ok() ? std::string() : ctx.error().message;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(Tls, ConfigKeysAndBothOrNeither) {
  ServerConfig c;
  engine::EngineConfig e;
  auto st = applyServerConfigFile(
      c, e,
      writeFile("tls.toml", "[server]\ntls_cert = \"/a/cert.pem\"\ntls_key = \"/a/k.pem\"\n"));
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(c.tls_cert, "/a/cert.pem");
  EXPECT_EQ(c.tls_key, "/a/k.pem");
  EXPECT_TRUE(c.validate().empty());  // the files are checkTls()'s

  c.tls_key.clear();
  auto p = c.validate();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_TRUE(has(p[0], "tls_cert and tls_key go together")) << p[0];
  EXPECT_TRUE(has(p[0], "only tls_cert")) << p[0];
  c.tls_cert.clear();
  c.tls_key = "/a/k.pem";
  p = c.validate();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_TRUE(has(p[0], "only tls_key")) << p[0];

  st = applyServerConfigFile(c, e, writeFile("tls2.toml", "[server]\ntls_cert = 1\n"));
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(has(st.error().message, "server.tls_cert")) << st.error().message;
}

TEST(Tls, OffWithoutFiles) { EXPECT_TRUE(checkTls(ServerConfig{}).ok()); }

TEST(Tls, AMatchingPairMakesAContext) {
  Key key = newKey();
  ASSERT_TRUE(key);
  auto cert = writeCert("good.crt", key.get(), 30);
  auto key_file = writeKey("good.key", key.get());
  EXPECT_EQ(problemOf(cert, key_file), "");
  ServerConfig c;
  c.tls_cert = cert;
  c.tls_key = key_file;
  EXPECT_TRUE(checkTls(c).ok());
  // Expired: served (with a warning in the log), browsers decide.
  EXPECT_EQ(problemOf(writeCert("old.crt", key.get(), -1), key_file), "");
}

TEST(Tls, EveryWrongFileIsNamed) {
  Key key = newKey(), other = newKey();
  auto cert = writeCert("c.crt", key.get(), 30);
  auto key_file = writeKey("c.key", key.get());

  auto missing = (tempDir() / "missing.pem").string();
  std::string p = problemOf(missing, key_file);
  EXPECT_TRUE(has(p, "tls_cert '" + missing + "' does not exist")) << p;
  p = problemOf(cert, missing);
  EXPECT_TRUE(has(p, "tls_key '" + missing + "' does not exist")) << p;
  p = problemOf(tempDir().string(), key_file);
  EXPECT_TRUE(has(p, "is not a regular file")) << p;

  auto garbage = writeFile("garbage.pem", "not a certificate\n");
  p = problemOf(garbage, key_file);
  EXPECT_TRUE(has(p, "tls_cert '" + garbage + "' is not a PEM certificate")) << p;
  p = problemOf(cert, garbage);
  EXPECT_TRUE(has(p, "tls_key '" + garbage + "' is not an unencrypted PEM private key")) << p;
  // A certificate where the key should be.
  p = problemOf(cert, cert);
  EXPECT_TRUE(has(p, "tls_key '" + cert + "'")) << p;

  auto other_key = writeKey("other.key", other.get());
  p = problemOf(cert, other_key);
  EXPECT_TRUE(has(p, "tls_key '" + other_key +
                         "' is not the private key of the certificate in "
                         "tls_cert '" +
                         cert + "'"))
      << p;

  // Encrypted: refused without asking for a passphrase.
  auto encrypted = writeKey("enc.key", key.get(), "secret");
  p = problemOf(cert, encrypted);
  EXPECT_TRUE(has(p, "tls_key '" + encrypted + "' is not an unencrypted PEM private key")) << p;

  if (::geteuid() != 0) {  // root reads anything
    ::chmod(key_file.c_str(), 0);
    p = problemOf(cert, key_file);
    EXPECT_TRUE(has(p, "tls_key '" + key_file + "' cannot be read")) << p;
  }
  fs::remove_all(tempDir());
}

}  // namespace
}  // namespace parley::server
