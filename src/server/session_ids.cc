#include "server/session_ids.h"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace parley::server {
namespace {

constexpr std::array<const char*, 64> kAdjectives = {
    "amber",  "bold",   "brave",  "bright", "calm",   "clever", "cosmic", "crisp",
    "daring", "deep",   "eager",  "early",  "fancy",  "fast",   "fierce", "gentle",
    "giant",  "gold",   "golden", "grand",  "green",  "happy",  "hidden", "honest",
    "humble", "jolly",  "keen",   "kind",   "lively", "lucky",  "merry",  "mighty",
    "misty",  "noble",  "north",  "polite", "proud",  "quick",  "quiet",  "rapid",
    "red",    "rising", "royal",  "rustic", "shiny",  "silent", "silver", "simple",
    "smooth", "snowy",  "solar",  "steady", "stormy", "sunny",  "swift",  "tidy",
    "tiny",   "urban",  "vivid",  "warm",   "wild",   "wise",   "witty",  "young"};
constexpr std::array<const char*, 64> kNouns = {
    "badger", "bear",   "beaver", "bison",   "canyon", "cedar",  "comet", "condor",
    "coral",  "crane",  "delta",  "dolphin", "eagle",  "falcon", "fern",  "finch",
    "fjord",  "forest", "fox",    "glacier", "harbor", "hawk",   "heron", "island",
    "jaguar", "lagoon", "lake",   "lark",    "lion",   "lynx",   "maple", "meadow",
    "meteor", "moose",  "nebula", "oak",     "ocean",  "orca",   "otter", "owl",
    "panda",  "pine",   "planet", "prairie", "puffin", "quartz", "raven", "reef",
    "river",  "robin",  "salmon", "sparrow", "spruce", "summit", "swan",  "tiger",
    "tulip",  "valley", "walrus", "willow",  "wolf",   "wren",   "yak",   "zebra"};

}  // namespace

RandomSource systemRandomSource() {
  return [] {
    std::uint64_t value = 0;
    auto* out = reinterpret_cast<unsigned char*>(&value);
    std::size_t got = 0;
    while (got < sizeof value) {
      // The kernel's CSPRNG; blocks only before the pool is first initialised at boot.
      ssize_t n = getrandom(out + got, sizeof value - got, 0);
      if (n > 0) {
        got += static_cast<std::size_t>(n);
      } else if (n < 0 && errno != EINTR) {
        // No entropy source at all: refuse to make guessable secrets.
        std::perror("parley: getrandom");
        std::abort();
      }
    }
    return value;
  };
}

std::string makeSessionId(const RandomSource& random) {
  std::uint64_t r = random();
  std::string id = kAdjectives[r % kAdjectives.size()];
  id += '-';
  id += kNouns[(r >> 8) % kNouns.size()];
  id += '-';
  id += std::to_string(100 + (r >> 16) % 900);
  return id;
}

std::string makeToken(const RandomSource& random) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int half = 0; half < 2; ++half) {
    std::uint64_t r = random();
    for (int i = 0; i < 16; ++i) {
      out += kHex[r & 0xf];
      r >>= 4;
    }
  }
  return out;
}

bool secureEquals(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return diff == 0;
}

bool looksLikeSessionId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  int dashes = 0;
  std::size_t last_dash = 0;
  for (std::size_t i = 0; i < id.size(); ++i) {
    char c = id[i];
    if (c == '-') {
      if (i == 0 || id[i - 1] == '-') return false;
      ++dashes;
      last_dash = i;
    } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
      return false;
    }
  }
  if (dashes < 2 || last_dash + 1 >= id.size()) return false;
  for (std::size_t i = last_dash + 1; i < id.size(); ++i) {
    if (id[i] < '0' || id[i] > '9') return false;
  }
  return true;
}

}  // namespace parley::server
