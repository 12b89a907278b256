#include "server/ws_connection.h"

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <deque>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/log.h"
#include "server/api_parse.h"
#include "server/heartbeat.h"
#include "server/message_sink.h"
#include "server/protocol.h"

namespace parley::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using Json = nlohmann::json;

namespace {

std::chrono::milliseconds ms(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0));
}

bool isLangCode(std::string_view s) {
  if (s.size() < 2 || s.size() > 12) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
  });
}

}  // namespace

class WsConnection : public MessageSink, public std::enable_shared_from_this<WsConnection> {
 public:
  WsConnection(Transport&& stream, std::shared_ptr<ConnectionContext> srv, Role role,
               std::string session_id, std::string lang, std::string token,
               ConnectionLimiter::Slot slot)
      : slot_(std::move(slot)),
        ws_(std::move(stream)),
        srv_(std::move(srv)),
        role_(role),
        session_id_(std::move(session_id)),
        lang_(std::move(lang)),
        token_(std::move(token)),
        liveness_(srv_->clock, srv_->config.heartbeat_timeout_s),
        heartbeat_(ws_.get_executor()),
        close_guard_(ws_.get_executor()) {
    ++srv_->open_connections;
  }
  ~WsConnection() override { --srv_->open_connections; }

  void start(HttpRequest req) {
    srv_->track(shared_from_this());
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout opt{};
    opt.handshake_timeout = std::chrono::seconds(30);
    opt.idle_timeout = websocket::stream_base::none();
    opt.keep_alive_pings = false;
    ws_.set_option(opt);
    ws_.read_message_max(role_ == Role::kSpeaker ? srv_->config.max_frame_bytes : 4096);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "parley"); }));
    touch();
    ws_.control_callback([this](websocket::frame_type, beast::string_view) { touch(); });
    ws_.async_accept(req, beast::bind_front_handler(&WsConnection::onAccept, shared_from_this()));
  }

  void send(OutMessage m) override {
    std::unique_lock lock(mu_);
    if (closing_) return;
    std::size_t limit = srv_->config.listener_queue;
    if (m.droppable) {
      // Speech is dropped before the queue is half full, so captions always have room; a pair
      // (audio header + WAV) is either queued whole or not at all.
      if (q_.size() + (m.binary ? 1 : 2) > limit / 2) {
        ++dropped_;
        return;
      }
    } else if (q_.size() >= limit) {
      closing_ = true;
      q_.clear();
      lock.unlock();
      core::log::warn("listener_overflow", session_id_,
                      "listener send queue overflowed; closing the slow listener",
                      {{"lang", lang_}, {"queue", static_cast<long long>(limit)}});
      net::post(ws_.get_executor(), [self = shared_from_this()] {
        self->closeNow(kCloseTooSlow, "listener too slow");
      });
      return;
    }
    q_.push_back(std::move(m));
    if (!writing_) {
      writing_ = true;
      lock.unlock();
      net::post(ws_.get_executor(), [self = shared_from_this()] { self->doWrite(); });
    }
  }

  void close(int code, std::string reason) override {
    std::unique_lock lock(mu_);
    if (closing_) return;
    closing_ = true;
    pending_close_ = {code, std::move(reason)};
    if (!writing_) {
      writing_ = true;
      lock.unlock();
      net::post(ws_.get_executor(), [self = shared_from_this()] { self->doWrite(); });
    }
  }

  // Shutdown, after its wait: cuts the connection off on its strand (timers cancelled, socket
  // closed), so that every pending operation ends and the connection is destroyed.
  void abort() {
    net::post(ws_.get_executor(), [self = shared_from_this()] {
      self->close_started_ = true;
      self->heartbeat_.cancel();
      self->close_guard_.cancel();
      beast::error_code ignored;
      beast::get_lowest_layer(self->ws_).socket().close(ignored);
    });
  }

 private:
  void touch() { liveness_.touch(); }

  void onAccept(beast::error_code ec) {
    if (ec) return;
    if (srv_->stopping) {
      closeNow(kCloseGoingAway, "server shutting down");
      return;
    }
    AttachResult r;
    auto self = shared_from_this();
    if (session_id_.empty() || (role_ == Role::kListener && !isLangCode(lang_))) {
      r = {kCloseBadRequest,
           role_ == Role::kListener ? "session and lang are required"
                                    : "session and token are required",
           0};
    } else if (role_ == Role::kSpeaker) {
      r = srv_->registry->attachSpeaker(session_id_, token_, self);
    } else {
      r = srv_->registry->attachListener(session_id_, lang_, self);
    }
    if (r.close_code != 0) {
      closeNow(r.close_code, r.reason);
      return;
    }
    connection_id_ = r.connection_id;
    attached_ = true;
    if (role_ == Role::kSpeaker) {
      // The recognizer is loaded now that a speaker is here (not when the session was created);
      // "ready" says it runs. Audio sent before is buffered and fed in order.
      srv_->postBlocking([self] {
        auto st = self->srv_->registry->ensurePipeline(self->session_id_);
        if (!st.ok()) {
          self->send({std::make_shared<const std::string>(protocol::error(st.error().message)),
                      false, false});
          self->close(1011, "pipeline unavailable");
          return;
        }
        self->send({std::make_shared<const std::string>(protocol::speakerReady(self->session_id_)),
                    false, false});
      });
    }
    scheduleHeartbeat();
    doRead();
  }

  void doRead() {
    ws_.async_read(buf_, beast::bind_front_handler(&WsConnection::onRead, shared_from_this()));
  }

  void onRead(beast::error_code ec, std::size_t) {
    if (ec) {
      if (ec == websocket::error::message_too_big) {
        core::log::warn("ws_frame_too_big", session_id_, "frame larger than max_frame_bytes",
                        {{"max", static_cast<long long>(srv_->config.max_frame_bytes)}});
      }
      gone();
      return;
    }
    touch();
    if (role_ == Role::kSpeaker) {
      if (!handleSpeakerFrame()) return;
    } else if (!ws_.got_binary()) {
      handleListenerText();
    }
    buf_.consume(buf_.size());
    doRead();
  }

  // A listener's text frame: {"type":"complaint","text"?,"last_seq"?} is answered with
  // {"type":"complaint_received","counted","reason"?}; anything else is ignored.
  void handleListenerText() {
    auto message = parseListenerMessage(beast::buffers_to_string(buf_.data()));
    if (!message) return;
    ComplaintOutcome outcome;
    if (!message->ok()) {
      (void)srv_->registry->invalidComplaint(session_id_);
      outcome = {false, "invalid_input"};
    } else {
      const ComplaintFields& fields = message->value;
      outcome = srv_->registry->listenerComplaint(session_id_, connection_id_, fields.text,
                                                  fields.last_seq);
    }
    send({std::make_shared<const std::string>(
              protocol::complaintReceived(outcome.counted, outcome.reason)),
          false, false});
  }

  // Returns false when the connection is being closed.
  bool handleSpeakerFrame() {
    auto data = buf_.data();
    std::size_t n = data.size();
    if (ws_.got_binary()) {
      if (n % 2 != 0) {
        closeNow(kCloseInvalidPayload, "PCM frames must hold whole 16-bit samples");
        return false;
      }
      pcm_.resize(n / 2);
      net::buffer_copy(net::buffer(pcm_.data(), n), data);
      srv_->registry->speakerAudio(session_id_, pcm_);
      return true;
    }
    auto message = parseSpeakerMessage(beast::buffers_to_string(data));
    if (!message) {
      closeNow(kCloseUnsupportedData,
               "expected binary PCM frames or JSON control messages {\"type\": ...}");
      return false;
    }
    const std::string& type = *message;
    if (type == "end") {
      auto self = shared_from_this();
      srv_->postBlocking([self] { (void)self->srv_->registry->end(self->session_id_, "speaker"); });
      return true;
    }
    auto st = srv_->registry->speakerControl(session_id_, type);
    if (!st.ok()) {
      send(
          {std::make_shared<const std::string>(protocol::error(st.error().message)), false, false});
    }
    return true;
  }

  void doWrite() {
    std::unique_lock lock(mu_);
    if (q_.empty()) {
      writing_ = false;
      if (pending_close_) {
        auto [code, reason] = *pending_close_;
        pending_close_.reset();
        lock.unlock();
        closeNow(code, reason);
      }
      return;
    }
    inflight_ = std::move(q_.front());
    q_.pop_front();
    lock.unlock();
    ws_.binary(inflight_.binary);
    ws_.async_write(net::buffer(*inflight_.data),
                    beast::bind_front_handler(&WsConnection::onWrite, shared_from_this()));
  }

  void onWrite(beast::error_code ec, std::size_t) {
    inflight_ = {};
    if (ec) {
      std::lock_guard lock(mu_);
      closing_ = true;
      q_.clear();
      writing_ = false;
      return;
    }
    doWrite();
  }

  void closeNow(int code, std::string reason) {
    {
      std::lock_guard lock(mu_);
      closing_ = true;
      q_.clear();
    }
    if (close_started_) return;
    close_started_ = true;
    heartbeat_.cancel();
    // A peer that never answers the close handshake (or never reads) is cut off.
    close_guard_.expires_after(std::chrono::seconds(5));
    close_guard_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) {
        beast::error_code ignored;
        beast::get_lowest_layer(self->ws_).socket().close(ignored);
      }
    });
    ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason),
                    [self = shared_from_this()](beast::error_code) {
                      self->close_guard_.cancel();
                      self->gone();
                    });
  }

  void scheduleHeartbeat() {
    heartbeat_.expires_after(ms(srv_->config.heartbeat_s));
    heartbeat_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->close_started_) return;
      if (self->liveness_.expired()) {
        core::log::info("ws_heartbeat_timeout", self->session_id_,
                        "no frame or pong within the heartbeat timeout; dropping connection");
        beast::error_code ignored;
        beast::get_lowest_layer(self->ws_).socket().close(ignored);
        return;
      }
      if (!self->ping_in_flight_) {
        self->ping_in_flight_ = true;
        self->ws_.async_ping({}, [self](beast::error_code) { self->ping_in_flight_ = false; });
      }
      self->scheduleHeartbeat();
    });
  }

  void gone() {
    if (gone_) return;
    gone_ = true;
    heartbeat_.cancel();
    {
      std::lock_guard lock(mu_);
      closing_ = true;
      q_.clear();
    }
    if (!attached_) return;
    if (role_ == Role::kListener) {
      srv_->registry->listenerGone(session_id_, connection_id_);
    } else {
      srv_->postBlocking([self = shared_from_this()] {
        self->srv_->registry->speakerGone(self->session_id_, self->connection_id_);
      });
    }
  }

  ConnectionLimiter::Slot slot_;            // counted against the connection limits until destroyed
  websocket::stream<Transport> ws_;         // plain TCP or TLS
  std::shared_ptr<ConnectionContext> srv_;  // shared: never dangles, even after shutdown
  Role role_;
  std::string session_id_;
  std::string lang_;
  std::string token_;
  beast::flat_buffer buf_;
  std::vector<std::int16_t> pcm_;
  Heartbeat liveness_;  // touched by every frame and pong
  net::steady_timer heartbeat_;
  net::steady_timer close_guard_;
  std::uint64_t connection_id_ = 0;
  // Strand-only state.
  bool attached_ = false;
  bool close_started_ = false;
  bool ping_in_flight_ = false;
  bool gone_ = false;
  OutMessage inflight_;
  // Guarded by mu_ (send() is called from pipeline threads).
  std::mutex mu_;
  std::deque<OutMessage> q_;
  bool writing_ = false;
  bool closing_ = false;
  std::optional<std::pair<int, std::string>> pending_close_;
  long long dropped_ = 0;
};

bool ConnectionContext::postBlocking(std::function<void()> work) {
  std::lock_guard lock(mu_);
  if (!blocking_) return false;
  net::post(*blocking_, std::move(work));
  return true;
}

void ConnectionContext::closeBlocking() {
  std::lock_guard lock(mu_);
  blocking_ = nullptr;
}

void ConnectionContext::track(const std::shared_ptr<WsConnection>& c) {
  std::lock_guard lock(mu_);
  std::erase_if(live_, [](const auto& w) { return w.expired(); });
  live_.push_back(c);
}

void ConnectionContext::abortAll() {
  std::vector<std::shared_ptr<WsConnection>> live;
  {
    std::lock_guard lock(mu_);
    for (const auto& w : live_) {
      if (auto c = w.lock()) live.push_back(std::move(c));
    }
  }
  for (auto& c : live) c->abort();
}

void startWebSocket(Transport&& stream, std::shared_ptr<ConnectionContext> context, Role role,
                    std::string session_id, std::string lang, std::string token,
                    ConnectionLimiter::Slot slot, HttpRequest req) {
  auto conn = std::make_shared<WsConnection>(std::move(stream), std::move(context), role,
                                             std::move(session_id), std::move(lang),
                                             std::move(token), std::move(slot));
  conn->start(std::move(req));
}

}  // namespace parley::server
