// The driver that turns a fuzz harness into a plain executable (regular builds, gcc + ASan):
// runs LLVMFuzzerTestOneInput once over every file under each directory given (recursively, in
// name order), so that ctest replays the seed corpus and every committed crash input. A missing
// directory is skipped (a harness may have no crash inputs yet); the first one must hold files.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " CORPUS_DIR [MORE_DIRS...]\n";
    return 2;
  }
  std::size_t total = 0;
  for (int a = 1; a < argc; ++a) {
    fs::path dir = argv[a];
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      if (a == 1) {
        std::cerr << "no seed corpus at " << dir << "\n";
        return 1;
      }
      continue;
    }
    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    if (a == 1 && files.empty()) {
      std::cerr << "empty seed corpus " << dir << "\n";
      return 1;
    }
    for (const auto& file : files) {
      std::ifstream in(file, std::ios::binary);
      std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
      std::cout << "replay " << file.string() << " (" << bytes.size() << " bytes)\n";
      // A copy of exactly the file's size, so that ASan sees any read past the end.
      std::vector<std::uint8_t> input(bytes.begin(), bytes.end());
      static const std::uint8_t kNothing = 0;  // like libFuzzer: never a null pointer
      LLVMFuzzerTestOneInput(input.empty() ? &kNothing : input.data(), input.size());
    }
    total += files.size();
  }
  std::cout << "replayed " << total << " inputs\n";
  return 0;
}
