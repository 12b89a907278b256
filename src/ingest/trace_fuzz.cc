// libFuzzer target for the trace parser (built with clang and -DPARLEY_FUZZ=ON):
//   build-fuzz/src/ingest/ingest_trace_fuzz src/ingest/fuzz_corpus/
// Checks that parsing never crashes and that whatever is accepted survives a write/read cycle.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>

#include "ingest/trace.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = parley::ingest::parseTraceLine(text, 1);
  if (parsed.ok()) {
    for (const auto& item : parsed->items) {
      std::string line = parley::ingest::formatItemLine(item);
      auto back = parley::ingest::parseTraceLine(line, 1);
      if (!back.ok() || back->items.size() != 1 ||
          parley::ingest::formatItemLine(back->items[0]) != line) {
        std::abort();
      }
    }
  }
  std::istringstream in{std::string(text)};
  parley::ingest::readTrace(
      in, [](const parley::ingest::TraceItem&) {}, [](const parley::ingest::LineError&) {});
  return 0;
}
