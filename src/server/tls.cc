#include "server/tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ssl/context.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/log.h"

namespace parley::server {

namespace {

// The reason of OpenSSL's first queued error, the closest to the cause ("no start line", "bad
// decrypt"); the queue is cleared.
std::string opensslReason() {
  unsigned long e = ERR_peek_error();
  const char* reason = e ? ERR_reason_error_string(e) : nullptr;
  ERR_clear_error();
  return reason ? reason : "unknown reason";
}

// Empty when `path` is a regular file this process can read; otherwise why not.
std::string unreadable(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return "does not exist";
  if (!std::filesystem::is_regular_file(path, ec)) return "is not a regular file";
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return std::string("cannot be read: ") + std::strerror(errno);
  std::fclose(f);
  return {};
}

// OpenSSL's passphrase callback: none (an encrypted key fails to load instead of prompting on
// the terminal of a server).
int noPassphrase(char*, int, int, void*) { return 0; }

}  // namespace

core::Result<std::shared_ptr<boost::asio::ssl::context>> makeTlsContext(
    const std::string& cert_file, const std::string& key_file) {
  namespace ssl = boost::asio::ssl;
  if (cert_file.empty() || key_file.empty()) {
    return core::Error::invalid("tls_cert and tls_key go together: set both or neither");
  }
  if (std::string why = unreadable(cert_file); !why.empty()) {
    return core::Error::invalid("tls_cert '" + cert_file + "' " + why);
  }
  if (std::string why = unreadable(key_file); !why.empty()) {
    return core::Error::invalid("tls_key '" + key_file + "' " + why);
  }
  ERR_clear_error();
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
    return core::Error::internal("cannot require TLS 1.2: " + opensslReason());
  }
  SSL_CTX_set_options(
      native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_default_passwd_cb(native, &noPassphrase);
  if (SSL_CTX_use_certificate_chain_file(native, cert_file.c_str()) != 1) {
    return core::Error::invalid("tls_cert '" + cert_file +
                                "' is not a PEM certificate (chain): " + opensslReason());
  }
  if (SSL_CTX_use_PrivateKey_file(native, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    unsigned long e = ERR_peek_last_error();
    if (ERR_GET_LIB(e) == ERR_LIB_X509 && ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH) {
      ERR_clear_error();
      return core::Error::invalid("tls_key '" + key_file +
                                  "' is not the private key of the certificate in tls_cert '" +
                                  cert_file + "'");
    }
    return core::Error::invalid("tls_key '" + key_file +
                                "' is not an unencrypted PEM private key: " + opensslReason());
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    return core::Error::invalid("tls_key '" + key_file +
                                "' is not the private key of the certificate in tls_cert '" +
                                cert_file + "'");
  }
  // Served anyway (the operator may be replacing it), but browsers will refuse it.
  if (X509* cert = SSL_CTX_get0_certificate(native)) {
    if (X509_cmp_current_time(X509_get0_notAfter(cert)) < 0) {
      core::log::warn("tls_certificate_expired", "",
                      "the TLS certificate has expired: browsers will refuse it",
                      {{"tls_cert", cert_file}});
    } else if (X509_cmp_current_time(X509_get0_notBefore(cert)) > 0) {
      core::log::warn("tls_certificate_not_yet_valid", "",
                      "the TLS certificate is not valid yet: browsers will refuse it",
                      {{"tls_cert", cert_file}});
    }
  }
  return ctx;
}

core::Status checkTls(const ServerConfig& config) {
  if (config.tls_cert.empty() || config.tls_key.empty()) return core::okStatus();
  auto ctx = makeTlsContext(config.tls_cert, config.tls_key);
  if (!ctx.ok()) return ctx.error();
  return core::okStatus();
}

}  // namespace parley::server
