// TLS of `parley serve --tls-cert FILE --tls-key FILE` ([server] tls_cert / tls_key): the
// server's OpenSSL context, built and checked at start so that a wrong file is an error naming
// it (exit 2) rather than a failed handshake later (docs/security.md, "HTTPS without a proxy").
// No Asio or OpenSSL header here: the context is only declared.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "server/server_config.h"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace parley::server {

// A server context: TLS 1.2 or later, no renegotiation, the certificate chain of `cert_file`
// (PEM: the server's certificate first, then intermediates) and the private key of `key_file`
// (PEM, unencrypted: a passphrase is never asked for), checked to match. kInvalidInput naming
// the file (as tls_cert / tls_key) when one is missing, unreadable, not PEM of the right kind,
// or when the key is not the certificate's.
core::Result<std::shared_ptr<boost::asio::ssl::context>> makeTlsContext(
    const std::string& cert_file, const std::string& key_file);

// Whether `config`'s TLS files can be served (makeTlsContext); OK when TLS is off. Both-or-
// neither is validate()'s (a lone tls_cert or tls_key is OK here).
core::Status checkTls(const ServerConfig& config);

}  // namespace parley::server
