#include "flags/param_store.h"

#include <cstdlib>

#include "flags/sqlite_store.h"

namespace parley::flags {

core::Result<StoreUrl> parseStoreUrl(std::string_view url) {
  if (url.rfind("sqlite:", 0) == 0) {
    std::string_view path = url.substr(7);
    // Accept sqlite:///abs/path and sqlite://rel too, as people type them.
    if (path.rfind("//", 0) == 0) path.remove_prefix(2);
    if (path.empty()) return core::Error::usage("store URL 'sqlite:' needs a path: sqlite:PATH");
    return StoreUrl{"sqlite", std::string(path)};
  }
  if (url == "static:" || url == "static") return StoreUrl{"static", ""};
  std::string scheme(url.substr(0, url.find(':')));
  if (scheme == url) {
    return core::Error::usage("store URL '" + std::string(url) +
                              "' has no scheme; use sqlite:PATH (e.g. sqlite:var/parley.db)");
  }
  std::string hint = scheme == "etcd" ? " (etcd arrives with the scale-out work)" : "";
  return core::Error::usage("store URL scheme '" + scheme + "' is not supported" + hint +
                            "; supported: sqlite:PATH, static:");
}

std::string defaultStoreUrl() {
  const char* env = std::getenv("PARLEY_STORE");
  return env && *env ? std::string(env) : std::string(kDefaultStoreUrl);
}

core::Result<std::unique_ptr<ParamStore>> openStore(std::string_view url,
                                                    const StoreOptions& options) {
  auto parsed = parseStoreUrl(url);
  if (!parsed.ok()) return parsed.error();
  if (parsed->kind == "static") {
    return core::Error::usage(
        "store URL 'static:' has no parameters (it stands for "
        "environment-only configuration)");
  }
  return std::unique_ptr<ParamStore>(
      std::make_unique<SqliteStore>(std::string(url), parsed->path, options));
}

std::string lkgPathFor(std::string_view url) {
  auto parsed = parseStoreUrl(url);
  if (!parsed.ok() || parsed->kind != "sqlite") return "";
  return parsed->path + ".lkg.json";
}

}  // namespace parley::flags
