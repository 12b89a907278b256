// Session IDs and speaker tokens. IDs read well aloud and on a projector: adjective-noun-NNN
// (e.g. golden-eagle-427, about 3.7 million combinations); tokens are 128 random bits in hex.
// The random source is injected (the server passes a seeded generator, tests a fixed sequence),
// so nothing here reads the clock or the system's entropy itself.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace parley::server {

using RandomSource = std::function<std::uint64_t()>;

// A RandomSource seeded from std::random_device (thread-safe).
RandomSource systemRandomSource();

// "adjective-noun-NNN", NNN in 100..999.
std::string makeSessionId(const RandomSource& random);
// 32 lowercase hex characters.
std::string makeToken(const RandomSource& random);
// True for the shape makeSessionId produces (lowercase words, a three-digit number).
bool looksLikeSessionId(std::string_view id);

}  // namespace parley::server
