// Fuzz harness for parley.toml (server/server_config.h): the [server], [rollback] and [engine]
// tables, and the option texts that come from the command line and environment (promotion
// schedule, origin lists). Never a crash or an escaped exception; validate() must then run on
// whatever was applied. docs/fuzzing.md.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/config.h"
#include "server/server_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace server = parley::server;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  server::ServerConfig config;
  parley::engine::EngineConfig engine;
  auto st = server::applyServerConfigToml(config, engine, text, "parley.toml");
  (void)st;
  (void)config.validate();
  (void)engine.validate();
  (void)server::parsePromotionOption(text);
  (void)server::splitOriginList(text);
  return 0;
}
