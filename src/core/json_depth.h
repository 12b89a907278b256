// How deeply JSON text nests, counted on the text before any parser sees it. nlohmann::json
// parses and frees deep input without recursion but prints it (dump()) recursively, so a value
// from outside that is nested a few ten thousand levels deep overflows the stack when printed.
// Every reader of outside JSON that may print what it read refuses such text first.
#pragma once

#include <string_view>

namespace parley::core {

// No legitimate input of parley's nests deeper than this (an AWS Transcribe event: 7 levels).
inline constexpr int kMaxJsonNesting = 32;

// Whether `text` opens more than `max_depth` arrays or objects inside one another (brackets
// inside strings do not count). Text that is not JSON gives an answer too; the parser rejects it.
bool jsonNestedDeeperThan(std::string_view text, int max_depth = kMaxJsonNesting);

}  // namespace parley::core
