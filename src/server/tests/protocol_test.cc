// The WebSocket messages of docs/protocol.md, built once (server/protocol.h).
#include "server/protocol.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace parley::server {
namespace {

using Json = nlohmann::json;

TEST(Protocol, CaptionLatencyIsNullOnlyWhenUnknown) {
  protocol::Caption c;
  c.seq = 3;
  c.lang = "es";
  c.kind = "final";
  c.source_text = "hello";
  c.text = "hola";
  c.audio_start = 1.5;
  c.audio_end = 2.0;
  Json unknown = Json::parse(protocol::caption(c));
  EXPECT_TRUE(unknown["latency_ms"].is_null());
  c.latency_s = 0.4;
  Json known = Json::parse(protocol::caption(c));
  EXPECT_EQ(known["latency_ms"], 400);
  EXPECT_EQ(known["type"], "caption");
  EXPECT_EQ(known["seq"], 3);
  EXPECT_EQ(known.size(), 9u);

  storage::TranscriptEntry e;
  e.seq = 3;
  e.lang = "es";
  e.kind = "final";
  e.source_text = "hello";
  e.text = "hola";
  e.audio_start = 1.5;
  e.audio_end = 2.0;
  e.latency_s = 0.4;
  EXPECT_EQ(protocol::caption(e, false), protocol::caption(c));
  e.latency_s = 0;  // what storage keeps for a source-language caption
  EXPECT_EQ(Json::parse(protocol::caption(e, true)), unknown);
}

TEST(Protocol, AStoredLineIsTheLiveFinalRevision) {
  storage::LineEntry e;
  e.lang = "es";
  e.line = 7;
  e.rev = 4;
  e.text = "hola a todos";
  e.source_text = "hello everyone";
  e.confirmed = true;
  e.audio_start = 3;
  e.audio_end = 4.25;
  e.latency_s = 1.2;
  Json live = Json::parse(protocol::line(e, true, 12));
  EXPECT_EQ(live["stable_chars"], 12);
  EXPECT_EQ(live["final"], true);
  EXPECT_EQ(live["latency_ms"], 1200);
  Json open = Json::parse(protocol::line(e, false, 5));
  EXPECT_EQ(open["final"], false);
  EXPECT_EQ(open["stable_chars"], 5);
}

TEST(Protocol, ComplaintReceivedGivesAReasonOnlyWhenNotCounted) {
  Json counted = Json::parse(protocol::complaintReceived(true, "ignored"));
  EXPECT_EQ(counted, Json({{"type", "complaint_received"}, {"counted", true}}));
  Json refused = Json::parse(protocol::complaintReceived(false, "rate_limited"));
  EXPECT_EQ(refused["reason"], "rate_limited");
}

}  // namespace
}  // namespace parley::server
