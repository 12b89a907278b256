// Fuzz harness for the flag value (the JSON kept in the parameter store and written by
// `parley rollout set` and the flags API) and for `--set KEY=VALUE` text. Never a crash;
// invariants: an accepted value prints (toJson) to text that parses again to the same text, and
// an accepted `--set` leaves a value that still parses. docs/fuzzing.md.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "flags/flag_value.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace flags = parley::flags;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> warnings;
  auto value = flags::parseFlagValue(text, &warnings);
  if (value.ok()) {
    if (value->rollout_percentage < 0 || value->rollout_percentage > 100) std::abort();
    std::string canonical = flags::toJson(*value);
    auto again = flags::parseFlagValue(canonical);
    if (!again.ok() || flags::toJson(*again) != canonical) std::abort();
  }

  // `--set KEY=VALUE` over the default value.
  auto eq = text.find('=');
  if (eq != std::string_view::npos) {
    flags::FlagValue v;
    if (flags::setFromText(v, text.substr(0, eq), text.substr(eq + 1)).ok()) {
      if (!flags::parseFlagValue(flags::toJson(v)).ok()) std::abort();
    }
  }
  (void)flags::parseKillSwitch(text);
  return 0;
}
