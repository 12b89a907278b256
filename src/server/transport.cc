#include "server/transport.h"

#include <boost/asio/ssl.hpp>

namespace parley::server {

namespace net = boost::asio;
namespace beast = boost::beast;

struct Transport::Tls {
  Tls(net::ip::tcp::socket&& socket, net::ssl::context& context)
      : stream(std::move(socket), context) {}
  net::ssl::stream<beast::tcp_stream> stream;
};

Transport::Transport(net::ip::tcp::socket&& socket) : plain_(std::in_place, std::move(socket)) {}

Transport::Transport(net::ip::tcp::socket&& socket, net::ssl::context& context)
    : tls_(std::make_unique<Tls>(std::move(socket), context)) {}

Transport::Transport(Transport&& other) noexcept = default;
Transport::~Transport() = default;

beast::tcp_stream& Transport::tlsTcp() { return tls_->stream.next_layer(); }

// The type-erased handlers are bound to the connection's executor (its strand, where their
// operations run anyway): in Boost 1.81 the executor of an any_completion_handler cannot be
// posted to as Beast's tcp_stream does.
template <class H>
auto onStrand(net::ssl::stream<beast::tcp_stream>& stream, H handler) {
  return net::bind_executor(stream.get_executor(), std::move(handler));
}

void Transport::async_handshake(Handler handler) {
  tls_->stream.async_handshake(net::ssl::stream_base::server,
                               onStrand(tls_->stream, std::move(handler)));
}

void Transport::async_shutdown(Handler handler) {
  tls_->stream.async_shutdown(onStrand(tls_->stream, std::move(handler)));
}

void Transport::tlsRead(net::mutable_buffer buffer, IoHandler handler) {
  tls_->stream.async_read_some(buffer, onStrand(tls_->stream, std::move(handler)));
}

void Transport::tlsWrite(net::const_buffer buffer, IoHandler handler) {
  tls_->stream.async_write_some(buffer, onStrand(tls_->stream, std::move(handler)));
}

// Beast's teardown of an SSL stream, which cannot take a type-erased handler in this Boost:
// close_notify (its error first), then the TCP teardown. Runs on the stream's executor.
void Transport::tlsTeardown(beast::role_type role, Handler handler) {
  tls_->stream.async_shutdown(
      [this, role, handler = std::move(handler)](beast::error_code shutdown_ec) mutable {
        using beast::websocket::async_teardown;
        async_teardown(role, tls_->stream.next_layer(),
                       [shutdown_ec, handler = std::move(handler)](beast::error_code ec) mutable {
                         handler(shutdown_ec ? shutdown_ec : ec);
                       });
      });
}

}  // namespace parley::server
