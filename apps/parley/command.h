// Subcommand registry and a small argument parser shared by the subcommand files. Each
// cmd_<name>.cc registers itself with PARLEY_COMMAND; main.cc dispatches. Subcommands are thin:
// parse arguments, call modules, turn Errors into exit codes (0 ok, 1 runtime, 2 usage/input).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::app {

using CommandFn = int (*)(int argc, char** argv);  // argv[0] is the subcommand name

struct Command {
  const char* name;
  const char* summary;
  CommandFn fn;
};

std::vector<Command>& commandRegistry();

struct CommandRegistrar {
  CommandRegistrar(const char* name, const char* summary, CommandFn fn) {
    commandRegistry().push_back({name, summary, fn});
  }
};

#define PARLEY_COMMAND(name, summary, fn) \
  static ::parley::app::CommandRegistrar parley_command_registrar_##fn(name, summary, fn)

// Declarative options: spec lists the accepted options; flags take no value.
struct OptionSpec {
  std::string name;  // "--mode"
  bool takes_value = true;
  bool repeatable = false;
};

class Args {
 public:
  // Parses argv[1..]. On error returns nullopt and fills *error with a message for stderr.
  static std::optional<Args> parse(int argc, char** argv, const std::vector<OptionSpec>& spec,
                                   std::string* error);

  bool has(std::string_view name) const;
  std::optional<std::string> get(std::string_view name) const;  // last value
  std::string getOr(std::string_view name, std::string fallback) const;
  std::vector<std::string> getAll(std::string_view name) const;
  const std::vector<std::string>& positionals() const { return positionals_; }

  // True when --help was given, or -h where the spec declares it (undeclared, parse rejects it).
  bool wantsHelp() const { return has("--help") || has("-h"); }
  // True when exactly `n` positionals were given. Otherwise fills *error with `missing` when
  // fewer were given (empty: "missing argument") or `extra` when more were (empty: "unexpected
  // argument '<the first extra one>'").
  bool requirePositionals(std::size_t n, std::string* error, std::string_view missing = {},
                          std::string_view extra = {}) const;

 private:
  std::map<std::string, std::vector<std::string>, std::less<>> values_;
  std::vector<std::string> positionals_;
};

// Prints "parley <cmd>: <message>" and the hint to use --help on stderr; returns 2.
int usageError(std::string_view command, std::string_view message);

// Parses a number with range check; fills *error naming the option and range on failure.
std::optional<double> parseNumber(std::string_view text, std::string_view option, double min,
                                  double max, std::string* error);

}  // namespace parley::app
