// parley: one binary, many subcommands (see `parley --help`).
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "command.h"
#include "core/log.h"

namespace {

void printHelp() {
  std::printf(
      "parley: live speech translation with a partial-results engine\n\n"
      "Usage: parley <command> [options]   (parley <command> --help for details)\n\n"
      "Commands:\n");
  auto cmds = parley::app::commandRegistry();
  std::sort(cmds.begin(), cmds.end(),
            [](const auto& a, const auto& b) { return std::strcmp(a.name, b.name) < 0; });
  for (const auto& c : cmds) std::printf("  %-20s %s\n", c.name, c.summary);
  std::printf("\nDocumentation: README.md and docs/ in the source tree.\n");
}

}  // namespace

int main(int argc, char** argv) {
  parley::core::log::configureFromEnv();
  if (argc < 2 || std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h" ||
      std::string_view(argv[1]) == "help") {
    printHelp();
    return argc < 2 ? 2 : 0;
  }
  if (std::string_view(argv[1]) == "--version") {
    std::printf("parley 0.1.0\n");
    return 0;
  }
  // Two-word commands ("rollout controller") win over one-word ones ("rollout").
  if (argc >= 3) {
    std::string two = std::string(argv[1]) + " " + argv[2];
    for (const auto& c : parley::app::commandRegistry()) {
      if (two == c.name) return c.fn(argc - 2, argv + 2);
    }
  }
  for (const auto& c : parley::app::commandRegistry()) {
    if (std::string_view(argv[1]) == c.name) return c.fn(argc - 1, argv + 1);
  }
  std::fprintf(stderr, "parley: unknown command '%s'\nTry 'parley --help'.\n", argv[1]);
  return 2;
}
