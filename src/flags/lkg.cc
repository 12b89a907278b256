#include "flags/lkg.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace parley::flags {
namespace {

using Json = nlohmann::json;

core::Result<Json> loadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Json::object();  // no file yet
  std::stringstream buf;
  buf << in.rdbuf();
  Json j = Json::parse(buf.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return core::Error::invalid("last-known-good file " + path + " is not valid JSON");
  }
  return j;
}

}  // namespace

core::Result<std::optional<LkgEntry>> readLkg(const std::string& path, std::string_view name) {
  auto j = loadFile(path);
  if (!j.ok()) return j.error();
  const Json& params = (*j)["parameters"];
  if (!params.is_object()) return std::optional<LkgEntry>();
  auto it = params.find(std::string(name));
  if (it == params.end() || !it->is_object()) return std::optional<LkgEntry>();
  const Json& e = *it;
  if (!e.contains("version") || !e["version"].is_number_integer() || !e.contains("value")) {
    return core::Error::invalid("last-known-good file " + path + ": entry for " +
                                std::string(name) + " is malformed");
  }
  LkgEntry out;
  out.version = e["version"].get<long long>();
  out.time = e.value("time", 0.0);
  out.value = e["value"].dump();
  return std::optional<LkgEntry>(std::move(out));
}

core::Status writeLkg(const std::string& path, std::string_view name, const LkgEntry& entry) {
  auto loaded = loadFile(path);
  Json j = loaded.ok() ? std::move(loaded).value() : Json::object();  // a broken file is replaced
  if (!j["parameters"].is_object()) j["parameters"] = Json::object();
  Json value = Json::parse(entry.value, nullptr, false);
  if (value.is_discarded()) return core::Error::invalid("last-known-good value is not JSON");
  j["parameters"][std::string(name)] = {
      {"version", entry.version}, {"time", entry.time}, {"value", value}};

  static std::atomic<int> counter{0};
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  std::string tmp =
      path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter.fetch_add(1));
  {
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) return core::Error::unavailable("cannot write " + tmp);
    std::string text = j.dump(2) + "\n";
    bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    ok = std::fflush(f) == 0 && ok;
    ok = ::fsync(::fileno(f)) == 0 && ok;
    ok = std::fclose(f) == 0 && ok;
    if (!ok) {
      std::remove(tmp.c_str());
      return core::Error::unavailable("cannot write " + tmp);
    }
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    return core::Error::unavailable("cannot rename " + tmp + " to " + path + ": " + ec.message());
  }
  return core::okStatus();
}

}  // namespace parley::flags
