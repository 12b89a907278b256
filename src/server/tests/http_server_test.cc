// HttpServer's shutdown with a WebSocket peer that never answers the close handshake: the
// connection is cut off before shutdown() returns (join before destruction), so no connection
// outlives the server it points into.
#include "server/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "server/heartbeat.h"
#include "server/tests/fakes.h"

namespace parley::server {
namespace {

using testing::FakePipeline;

// A raw TCP client: the WebSocket upgrade, then nothing (it never reads, never closes).
class SilentListener {
 public:
  SilentListener(int port, const std::string& session) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    // A guard against a hang: the test waits for documented signals, never for this.
    timeval guard{30, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &guard, sizeof guard);
    std::string req = "GET /ws/listen?session=" + session +
                      "&lang=es HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      "Sec-WebSocket-Version: 13\r\n\r\n";
    if (connected_) (void)::send(fd_, req.data(), req.size(), MSG_NOSIGNAL);
  }
  ~SilentListener() { ::close(fd_); }
  bool connected() const { return connected_; }

  // Reads the handshake response (up to its blank line).
  std::string handshake() {
    std::string got;
    char c = 0;
    while (got.find("\r\n\r\n") == std::string::npos && ::recv(fd_, &c, 1, 0) == 1) got += c;
    return got;
  }
  // Reads until the server closes the TCP connection: true on EOF, false on error or the guard.
  bool readsToEof() {
    char buf[4096];
    for (;;) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0) return true;
      if (n < 0) return false;
    }
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

TEST(HttpServer, ShutdownCutsOffAPeerThatNeverAnswersTheClose) {
  auto dir =
      std::filesystem::temp_directory_path() / ("parley_http_server_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto store = storage::Store::open({(dir / "sessions.db").string(), "Sessions", true}).value();
  flags::FlagEnvironment env;
  auto flags = flags::openFlagSource("static:", env).value();
  flags->refresh();
  core::ManualClock clock;
  obs::Monitor monitor(clock);
  RegistryOptions options;
  SessionRegistry registry(
      options, *store, *flags, monitor,
      [](pipeline::PipelineOptions o, pipeline::SessionPipeline::SegmentCallback s,
         pipeline::SessionPipeline::CaptionCallback c)
          -> core::Result<std::unique_ptr<pipeline::SessionPipeline>> {
        return std::unique_ptr<pipeline::SessionPipeline>(
            std::make_unique<FakePipeline>(std::move(o), std::move(s), std::move(c)));
      },
      systemRandomSource(), &clock);
  auto session = registry.create("en", {"es"});
  ASSERT_TRUE(session.ok());

  ServerConfig config;
  config.host = "127.0.0.1";
  config.port = 0;
  config.threads = 1;
  config.blocking_threads = 1;
  config.drain_timeout_s = 0;  // no drain wait: the peer is still connected when it ends
  ServerDeps deps;
  deps.store = store.get();
  deps.flags = flags.get();
  deps.monitor = &monitor;
  deps.registry = &registry;
  HttpServer server(config, deps);
  ASSERT_TRUE(server.start().ok());

  SilentListener peer(server.port(), session->id);
  ASSERT_TRUE(peer.connected());
  EXPECT_NE(peer.handshake().find(" 101 "), std::string::npos);
  EXPECT_EQ(server.openWebSockets(), 1);

  server.shutdown();
  // No connection is left pointing into the server, and the peer's TCP connection is closed
  // (after the server's close frame) without it ever answering.
  EXPECT_EQ(server.openWebSockets(), 0);
  EXPECT_TRUE(peer.readsToEof());
  std::filesystem::remove_all(dir);
}

// Heartbeat expiry on a manual clock: silent for the timeout is still alive, a moment more is
// dropped, and any frame from the peer starts the count again.
TEST(Heartbeat, ExpiresAfterTheTimeoutOfSilence) {
  core::ManualClock clock(100);
  Heartbeat h(clock, 90);
  EXPECT_FALSE(h.expired());
  clock.advance(90);
  EXPECT_DOUBLE_EQ(h.silentFor(), 90);
  EXPECT_FALSE(h.expired());
  clock.advance(0.5);
  EXPECT_TRUE(h.expired());
  h.touch();
  EXPECT_FALSE(h.expired());
  clock.advance(89);
  EXPECT_FALSE(h.expired());
  clock.advance(2);
  EXPECT_TRUE(h.expired());
}

}  // namespace
}  // namespace parley::server
