#include "command.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace parley::app {

std::vector<Command>& commandRegistry() {
  static std::vector<Command> registry;
  return registry;
}

std::optional<Args> Args::parse(int argc, char** argv, const std::vector<OptionSpec>& spec,
                                std::string* error) {
  Args args;
  bool only_positionals = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (only_positionals || arg == "-" || arg.size() < 2 || arg[0] != '-') {
      args.positionals_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positionals = true;
      continue;
    }
    std::optional<std::string> inline_value;
    if (auto eq = arg.find('='); eq != std::string::npos && arg.rfind("--", 0) == 0) {
      inline_value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    const OptionSpec* found = nullptr;
    for (const auto& s : spec) {
      if (s.name == arg) found = &s;
    }
    if (!found) {
      *error = "unknown option " + arg;
      return std::nullopt;
    }
    if (!found->repeatable && args.values_.count(arg)) {
      *error = "option " + arg + " given twice";
      return std::nullopt;
    }
    if (found->takes_value) {
      if (!inline_value) {
        if (i + 1 >= argc) {
          *error = "option " + arg + " needs a value";
          return std::nullopt;
        }
        inline_value = argv[++i];
      }
      args.values_[arg].push_back(*inline_value);
    } else {
      if (inline_value) {
        *error = "option " + arg + " takes no value";
        return std::nullopt;
      }
      args.values_[arg].push_back("");
    }
  }
  return args;
}

bool Args::has(std::string_view name) const { return values_.find(name) != values_.end(); }

std::optional<std::string> Args::get(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::string Args::getOr(std::string_view name, std::string fallback) const {
  auto v = get(name);
  return v ? *v : std::move(fallback);
}

std::vector<std::string> Args::getAll(std::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

bool Args::requirePositionals(std::size_t n, std::string* error, std::string_view missing,
                              std::string_view extra) const {
  if (positionals_.size() == n) return true;
  if (positionals_.size() < n) {
    *error = missing.empty() ? "missing argument" : std::string(missing);
  } else {
    *error = extra.empty() ? "unexpected argument '" + positionals_[n] + "'" : std::string(extra);
  }
  return false;
}

int usageError(std::string_view command, std::string_view message) {
  std::fprintf(stderr, "parley %.*s: %.*s\nTry 'parley %.*s --help'.\n",
               static_cast<int>(command.size()), command.data(), static_cast<int>(message.size()),
               message.data(), static_cast<int>(command.size()), command.data());
  return 2;
}

std::optional<double> parseNumber(std::string_view text, std::string_view option, double min,
                                  double max, std::string* error) {
  std::string s(text);
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || errno != 0 || !std::isfinite(v) || v < min ||
      v > max) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "%.*s must be a number in [%g, %g] (got '%s')",
                  static_cast<int>(option.size()), option.data(), min, max, s.c_str());
    *error = buf;
    return std::nullopt;
  }
  return v;
}

}  // namespace parley::app
