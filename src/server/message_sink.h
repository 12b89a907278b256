// MessageSink: where the session registry sends a connection's outgoing WebSocket messages,
// without knowing about sockets. The transport implements it with a bounded, per-connection send
// queue (see docs/server.md); unit tests implement it with a vector.
#pragma once

#include <memory>
#include <string>

namespace parley::server {

struct OutMessage {
  std::shared_ptr<const std::string> data;
  bool binary = false;
  // May be dropped when the connection's queue is congested (synthesized speech); captions and
  // control messages are never dropped.
  bool droppable = false;
};

class MessageSink {
 public:
  virtual ~MessageSink() = default;
  // Queues a message; never blocks. Ignored once the sink is closing.
  virtual void send(OutMessage message) = 0;
  // Closes the connection with a WebSocket close code after the queued messages were sent.
  virtual void close(int code, std::string reason) = 0;
};

// Close codes of the WebSocket API (docs/protocol.md).
inline constexpr int kCloseNormal = 1000;
inline constexpr int kCloseGoingAway = 1001;        // server shutting down
inline constexpr int kCloseUnsupportedData = 1003;  // text where PCM was expected
inline constexpr int kCloseInvalidPayload = 1007;   // PCM frame of odd length
inline constexpr int kCloseTooBig = 1009;           // frame larger than max_frame_bytes
inline constexpr int kCloseBadRequest = 4400;       // missing or invalid query parameter
inline constexpr int kCloseUnauthorized = 4401;     // wrong speaker token
inline constexpr int kCloseNotFound = 4404;         // unknown session
inline constexpr int kCloseTooSlow = 4408;          // listener's send queue overflowed
inline constexpr int kCloseConflict = 4409;         // a speaker is already connected
inline constexpr int kCloseGone = 4410;             // the session has ended
inline constexpr int kCloseTooMany = 4429;          // listener limit of the session reached

}  // namespace parley::server
