// Last known good flag values, persisted on disk next to the store (e.g. var/parley.db.lkg.json)
// so that a consumer restarted while the store is down still has the value it last trusted.
// File: {"parameters": {"<name>": {"version": N, "time": T, "value": {...}}}}. Written to a
// temporary file in the same directory and renamed over the old one, so readers never see a
// partial file; concurrent writers each rename a complete file (the last one wins).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace parley::flags {

struct LkgEntry {
  long long version = 0;
  double time = 0;    // Unix seconds of the store write
  std::string value;  // the flag value's JSON text
};

// The entry for `name`, nullopt when the file or entry does not exist; kInvalidInput when the
// file is unreadable JSON.
core::Result<std::optional<LkgEntry>> readLkg(const std::string& path, std::string_view name);
// Replaces the entry for `name`, keeping the other parameters' entries.
core::Status writeLkg(const std::string& path, std::string_view name, const LkgEntry& entry);

}  // namespace parley::flags
