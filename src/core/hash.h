// SHA-256 (FIPS 180-4), for rollout bucketing: the bucket of a session is the first four bytes
// of SHA-256(session_id), big-endian, mod 100. Kept here so that bucketing needs no vendor
// crypto library and gives the same answer everywhere.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace parley::core {

std::array<std::uint8_t, 32> sha256(std::string_view data);
std::string sha256Hex(std::string_view data);
// Rollout bucket of a session: first 4 bytes of SHA-256(session_id), big-endian, mod 100.
int bucketOf(std::string_view session_id);

}  // namespace parley::core
