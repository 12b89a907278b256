// Fuzz harness for the trace parser (docs/trace-format.md): one input is one line and also a
// whole trace. Covers parley's native lines, AWS Transcribe TranscriptEvents (wrapped and bare,
// `Stable` booleans) and float-stability events (`Stability`, `stability`). Parsing must never
// crash; invariant: every accepted item survives a write/read cycle unchanged. docs/fuzzing.md.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>

#include "ingest/trace.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace ingest = parley::ingest;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = ingest::parseTraceLine(text, 1);
  if (parsed.ok()) {
    for (const auto& item : parsed->items) {
      std::string line = ingest::formatItemLine(item);
      auto back = ingest::parseTraceLine(line, 1);
      if (!back.ok() || back->items.size() != 1 || ingest::formatItemLine(back->items[0]) != line) {
        std::abort();
      }
    }
    if (parsed->header) {
      std::string line = ingest::formatHeaderLine(*parsed->header);
      auto back = ingest::parseTraceLine(line, 1);
      if (!back.ok() || !back->header || ingest::formatHeaderLine(*back->header) != line) {
        std::abort();
      }
    }
  }
  std::istringstream in{std::string(text)};
  ingest::readTrace(
      in, [](const ingest::TraceItem&) {}, [](const ingest::LineError&) {});
  return 0;
}
