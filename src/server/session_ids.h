// Session IDs and speaker tokens. IDs read well aloud and on a projector: adjective-noun-NNN
// (e.g. golden-eagle-427, about 3.7 million combinations: an ID is a listen link, not a secret);
// tokens are 128 random bits in hex. The random source is injected: the server passes the
// operating system's CSPRNG (getrandom), tests a fixed sequence.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace parley::server {

using RandomSource = std::function<std::uint64_t()>;

// The kernel's CSPRNG (getrandom(2)), thread-safe; every token, ID and key of the server comes
// from it. Never a seeded PRNG: the outputs of one would predict the next token.
RandomSource systemRandomSource();

// "adjective-noun-NNN", NNN in 100..999.
std::string makeSessionId(const RandomSource& random);
// 32 lowercase hex characters.
std::string makeToken(const RandomSource& random);
// Constant-time comparison of secrets (admin token, speaker key, listener keys): the time taken
// does not depend on where they differ.
bool secureEquals(std::string_view a, std::string_view b);
// True for the shape makeSessionId produces (lowercase words, a three-digit number).
bool looksLikeSessionId(std::string_view id);

}  // namespace parley::server
