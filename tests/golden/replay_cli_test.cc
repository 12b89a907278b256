// `parley replay` as a user runs it: the binary must print exactly expected.jsonl for every
// golden scenario (same code path as golden_test), and map errors to the documented exit codes.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "scenario.h"

namespace parley::golden {
namespace {

std::string parleyBinary() { return std::string(PARLEY_BINARY_DIR) + "/parley"; }

struct CliRun {
  int exit_code = -1;
  std::string out;
};

// Runs a shell command with a clean environment (no engine settings leak in from the caller).
CliRun runParley(const std::string& args, const std::string& env = "") {
  std::string cmd = "env -i PATH=/usr/bin:/bin " + env + " " + parleyBinary() + " " + args;
  CliRun r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string shellQuote(const std::string& s) { return "'" + s + "'"; }

class ReplayCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(parleyBinary())) {
      GTEST_SKIP() << parleyBinary() << " is not built";
    }
  }
};

TEST_F(ReplayCli, PrintsExpectedOutputForEveryScenario) {
  int checked = 0;
  for (const auto& name : listScenarios()) {
    const std::string dir = goldenDir() + "/" + name;
    if (!std::filesystem::exists(dir + "/expected.jsonl")) continue;
    std::string args;
    auto list = readArgs(name);
    for (std::size_t i = 0; i < list.size(); ++i) {
      std::string a = list[i];
      if (i > 0 && list[i - 1] == "--config") a = dir + "/" + a;
      args += " " + shellQuote(a);
    }
    CliRun r = runParley("replay " + shellQuote(dir + "/input.jsonl") + args + " 2>/dev/null");
    EXPECT_EQ(r.exit_code, 0) << name;
    EXPECT_EQ(r.out, readFile(dir + "/expected.jsonl")) << name;
    ++checked;
  }
  EXPECT_GE(checked, 17);
}

TEST_F(ReplayCli, StdinAndFileGiveTheSameOutput) {
  const std::string input = goldenDir() + "/punctuation/input.jsonl";
  CliRun from_file = runParley("replay " + shellQuote(input) + " 2>/dev/null");
  CliRun from_stdin = runParley("replay - < " + shellQuote(input) + " 2>/dev/null");
  EXPECT_EQ(from_file.exit_code, 0);
  EXPECT_FALSE(from_file.out.empty());
  EXPECT_EQ(from_file.out, from_stdin.out);
}

TEST_F(ReplayCli, ExitCodes) {
  const std::string input = shellQuote(goldenDir() + "/punctuation/input.jsonl");
  EXPECT_EQ(runParley("replay --help").exit_code, 0);
  EXPECT_NE(runParley("replay --help").out.find("PARTIAL_RESULTS_ENABLED"), std::string::npos);
  EXPECT_EQ(runParley("replay 2>/dev/null").exit_code, 2);
  EXPECT_EQ(runParley("replay /nonexistent/trace.jsonl 2>/dev/null").exit_code, 2);
  EXPECT_EQ(runParley("replay " + input + " --mode fast 2>/dev/null").exit_code, 2);
  EXPECT_EQ(runParley("replay " + input + " --set no_such_key=1 2>/dev/null").exit_code, 2);
  EXPECT_EQ(runParley("replay " + input + " --set max_buffer_timeout=11 2>/dev/null").exit_code, 2);
  EXPECT_EQ(
      runParley("replay " + input + " 2>/dev/null", "PARTIAL_RESULTS_ENABLED=maybe").exit_code, 2);
  EXPECT_EQ(runParley("replay " + input + " 2>/dev/null", "MAX_RATE_PER_SECOND=0").exit_code, 2);
  EXPECT_EQ(runParley("replay " + input + " --config /nonexistent.toml 2>/dev/null").exit_code, 2);
  // The usage message names the key and its range.
  CliRun bad = runParley("replay " + input + " --set max_buffer_timeout=11 2>&1");
  EXPECT_NE(bad.out.find("max_buffer_timeout must be a number in [2, 10]"), std::string::npos)
      << bad.out;
}

TEST_F(ReplayCli, KillSwitchEnvironmentForcesFinalOnly) {
  const std::string input = shellQuote(goldenDir() + "/aws_stable_items/input.jsonl");
  CliRun on = runParley("replay " + input + " 2>/dev/null", "PARTIAL_RESULTS_ENABLED=true");
  CliRun off = runParley("replay " + input + " 2>/dev/null", "PARTIAL_RESULTS_ENABLED=false");
  EXPECT_EQ(on.exit_code, 0);
  EXPECT_EQ(off.exit_code, 0);
  EXPECT_NE(on.out.find("\"kind\":\"partial\""), std::string::npos);
  EXPECT_EQ(off.out.find("\"kind\":\"partial\""), std::string::npos);
  EXPECT_NE(off.out.find("\"kind\":\"final\""), std::string::npos);
}

TEST_F(ReplayCli, RejectedLinesExitOneAfterPrintingEverything) {
  const std::string path = std::string(PARLEY_BINARY_DIR) + "/replay_cli_bad_line.jsonl";
  std::string good = readFile(goldenDir() + "/punctuation/input.jsonl");
  {
    FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(good.c_str(), f);
    std::fputs("{\"t\":99,\"audio\":\"soon\"}\n", f);
    std::fclose(f);
  }
  CliRun r = runParley("replay " + shellQuote(path) + " 2>&1 >/dev/null");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find(": audio must be"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rejected_lines=1"), std::string::npos) << r.out;
  CliRun out = runParley("replay " + shellQuote(path) + " 2>/dev/null");
  EXPECT_EQ(out.out, runParley("replay " + shellQuote(goldenDir() + "/punctuation/input.jsonl") +
                               " 2>/dev/null")
                         .out);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace parley::golden
