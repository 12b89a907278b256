// Internal to the server module (included by http_server.cc and transport.cc only): the byte
// stream under HttpSession and WsConnection, plain TCP or TLS over it (--tls-cert/--tls-key).
// One type for both, so that Beast's HTTP and WebSocket code is compiled once; the TLS half
// (Asio's OpenSSL stream) lives in transport.cc behind type-erased handlers, and no OpenSSL
// header is included here.
#pragma once

#include <algorithm>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <cstddef>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace parley::server {

// An AsyncStream (Beast's and Asio's sense: get_executor, async_read_some, async_write_some)
// over a connection's TCP stream, with or without TLS. Its lowest layer (beast::get_lowest_layer,
// next_layer()) is the beast::tcp_stream: its timeouts and its socket. As with any stream, at
// most one read and one write may be outstanding at a time.
class Transport {
 public:
  using executor_type = boost::beast::tcp_stream::executor_type;
  using IoHandler =
      boost::asio::any_completion_handler<void(boost::system::error_code, std::size_t)>;
  using Handler = boost::asio::any_completion_handler<void(boost::system::error_code)>;

  // Plain TCP.
  explicit Transport(boost::asio::ip::tcp::socket&& socket);
  // TLS with `context` (server side): async_handshake() before anything else.
  Transport(boost::asio::ip::tcp::socket&& socket, boost::asio::ssl::context& context);
  Transport(Transport&& other) noexcept;
  ~Transport();

  bool tls() const { return tls_ != nullptr; }
  boost::beast::tcp_stream& tcp() { return plain_ ? *plain_ : tlsTcp(); }
  boost::beast::tcp_stream& next_layer() { return tcp(); }
  executor_type get_executor() noexcept { return tcp().get_executor(); }

  // TLS only: the server's handshake, and close_notify (completes when the client's arrives,
  // or fails; bound it with tcp().expires_after()).
  void async_handshake(Handler handler);
  void async_shutdown(Handler handler);

  template <class MutableBufferSequence, class ReadHandler>
  void async_read_some(const MutableBufferSequence& buffers, ReadHandler&& handler) {
    if (plain_) {
      plain_->async_read_some(buffers, std::forward<ReadHandler>(handler));
      return;
    }
    // As Asio's SSL stream does: a read fills the first non-empty buffer.
    boost::asio::mutable_buffer first;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      boost::asio::mutable_buffer b(*it);
      if (b.size() > 0) {
        first = b;
        break;
      }
    }
    tlsRead(first, IoHandler(std::forward<ReadHandler>(handler)));
  }

  template <class ConstBufferSequence, class WriteHandler>
  void async_write_some(const ConstBufferSequence& buffers, WriteHandler&& handler) {
    if (plain_) {
      plain_->async_write_some(buffers, std::forward<WriteHandler>(handler));
      return;
    }
    // One TLS record per write where possible: when the sequence holds more than its first
    // buffer (a WebSocket frame header and its payload, an HTTP header and body), up to
    // kCoalesceLimit bytes of it are copied into one buffer (a write may be partial: the caller
    // writes the rest); otherwise the first non-empty buffer is written, as Asio's SSL stream
    // does.
    auto it = boost::asio::buffer_sequence_begin(buffers);
    const auto end = boost::asio::buffer_sequence_end(buffers);
    while (it != end && boost::asio::const_buffer(*it).size() == 0) ++it;
    boost::asio::const_buffer first;
    if (it != end) first = *it;
    if (first.size() < kCoalesceLimit && it != end) {
      std::size_t total = boost::asio::buffer_size(buffers);
      if (total > first.size()) {
        coalesced_.resize(std::min(total, kCoalesceLimit));
        boost::asio::buffer_copy(boost::asio::buffer(coalesced_), buffers);
        first = boost::asio::buffer(coalesced_);
      }
    }
    tlsWrite(first, IoHandler(std::forward<WriteHandler>(handler)));
  }

  // WebSocket close: with TLS, close_notify before the TCP teardown (found by Beast through
  // argument-dependent lookup).
  template <class TeardownHandler>
  friend void async_teardown(boost::beast::role_type role, Transport& transport,
                             TeardownHandler&& handler) {
    if (transport.plain_) {
      using boost::beast::websocket::async_teardown;
      async_teardown(role, *transport.plain_, std::forward<TeardownHandler>(handler));
      return;
    }
    transport.tlsTeardown(role, Handler(std::forward<TeardownHandler>(handler)));
  }

 private:
  static constexpr std::size_t kCoalesceLimit = 16384;
  struct Tls;

  boost::beast::tcp_stream& tlsTcp();
  void tlsRead(boost::asio::mutable_buffer buffer, IoHandler handler);
  void tlsWrite(boost::asio::const_buffer buffer, IoHandler handler);
  void tlsTeardown(boost::beast::role_type role, Handler handler);

  std::optional<boost::beast::tcp_stream> plain_;  // set without TLS
  std::unique_ptr<Tls> tls_;                       // set with TLS
  // TLS: the write in flight when copied (its capacity, at most kCoalesceLimit, is kept).
  std::vector<char> coalesced_;
};

}  // namespace parley::server
