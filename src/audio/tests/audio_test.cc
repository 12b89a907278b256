#include "audio/audio.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

namespace parley::audio {
namespace {

// Builds WAV bytes by hand, so the reader is checked against the format rather than against
// our own writer.
struct WavSpec {
  std::uint16_t tag = 1;
  int channels = 1;
  int rate = 16000;
  int bits = 16;
  bool extensible = false;
  int block_align = -1;  // -1: computed
};

void put16(std::string& s, unsigned v) {
  s.push_back(static_cast<char>(v & 0xFF));
  s.push_back(static_cast<char>((v >> 8) & 0xFF));
}
void put32(std::string& s, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

std::string makeWav(const WavSpec& w, const std::string& data) {
  std::string fmt;
  const int align = w.block_align >= 0 ? w.block_align : w.channels * w.bits / 8;
  put16(fmt, w.extensible ? 0xFFFE : w.tag);
  put16(fmt, static_cast<unsigned>(w.channels));
  put32(fmt, static_cast<std::uint32_t>(w.rate));
  put32(fmt, static_cast<std::uint32_t>(w.rate * align));
  put16(fmt, static_cast<unsigned>(align));
  put16(fmt, static_cast<unsigned>(w.bits));
  if (w.extensible) {
    put16(fmt, 22);
    put16(fmt, static_cast<unsigned>(w.bits));  // valid bits
    put32(fmt, 0x3);                            // front left | front right
    put16(fmt, w.tag);
    const unsigned char tail[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
                                    0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};
    fmt.append(reinterpret_cast<const char*>(tail), sizeof tail);
  }
  std::string out = "RIFF";
  put32(out, static_cast<std::uint32_t>(4 + 8 + fmt.size() + 8 + data.size()));
  out += "WAVE";
  // A chunk the reader must skip (odd size: checks the pad byte).
  out += "LIST";
  put32(out, 3);
  out += "abc";
  out.push_back('\0');
  out += "fmt ";
  put32(out, static_cast<std::uint32_t>(fmt.size()));
  out += fmt;
  out += "data";
  put32(out, static_cast<std::uint32_t>(data.size()));
  out += data;
  return out;
}

// Interleaved samples of a sine per channel (amplitude per channel) encoded as `bits`.
std::string sineData(const WavSpec& w, double seconds, double hz, std::vector<double> amps) {
  std::string d;
  const auto frames = static_cast<std::size_t>(seconds * w.rate);
  for (std::size_t i = 0; i < frames; ++i) {
    const double s = std::sin(2 * std::numbers::pi * hz * static_cast<double>(i) / w.rate);
    for (int c = 0; c < w.channels; ++c) {
      const double v = s * amps[static_cast<std::size_t>(c)];
      if (w.tag == 3 && w.bits == 32) {
        const float f = static_cast<float>(v);
        std::uint32_t b;
        std::memcpy(&b, &f, 4);
        put32(d, b);
      } else if (w.tag == 3 && w.bits == 64) {
        std::uint64_t b;
        std::memcpy(&b, &v, 8);
        put32(d, static_cast<std::uint32_t>(b));
        put32(d, static_cast<std::uint32_t>(b >> 32));
      } else if (w.bits == 8) {
        d.push_back(static_cast<char>(static_cast<int>(std::lround(v * 127)) + 128));
      } else if (w.bits == 16) {
        put16(d, static_cast<unsigned>(static_cast<std::int16_t>(std::lround(v * 32767))));
      } else if (w.bits == 24) {
        const auto x = static_cast<std::int32_t>(std::lround(v * 8388607));
        d.push_back(static_cast<char>(x & 0xFF));
        d.push_back(static_cast<char>((x >> 8) & 0xFF));
        d.push_back(static_cast<char>((x >> 16) & 0xFF));
      } else if (w.bits == 32) {
        put32(d,
              static_cast<std::uint32_t>(static_cast<std::int32_t>(std::lround(v * 2147483647.0))));
      }
    }
  }
  return d;
}

std::string tempPath(const std::string& name) {
  return testing::TempDir() + "audio_test_" + std::to_string(getpid()) + "_" + name;
}

void writeFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::vector<std::int16_t> sine16(std::size_t n, double hz, double amp, int rate = 16000) {
  std::vector<std::int16_t> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    v[i] = static_cast<std::int16_t>(std::lround(
        amp * 32767 * std::sin(2 * std::numbers::pi * hz * static_cast<double>(i) / rate)));
  }
  return v;
}

// Zero crossings per second / 2 = frequency of a pure tone.
double toneHz(const std::vector<std::int16_t>& s, int rate) {
  int crossings = 0;
  for (std::size_t i = 1; i < s.size(); ++i) {
    if ((s[i - 1] < 0) != (s[i] < 0)) ++crossings;
  }
  return crossings / 2.0 / (static_cast<double>(s.size()) / rate);
}

TEST(Wav, EncodeDecodeRoundTripIsExact) {
  const auto pcm = sine16(16000, 300, 0.8);
  const std::string bytes = encodeWav(pcm);
  EXPECT_EQ(bytes.size(), 44 + 2 * pcm.size());
  auto back = decodeWav(bytes);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->rate, 16000);
  EXPECT_EQ(back->samples, pcm);
}

TEST(Wav, WriteThenReadFileRoundTrip) {
  const auto pcm = sine16(8000, 440, 0.5);
  const std::string path = tempPath("rt.wav");
  ASSERT_TRUE(writeWav(path, pcm).ok());
  auto back = readAudioFile(path);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->samples, pcm);
  EXPECT_NEAR(back->seconds(), 0.5, 1e-9);
  std::remove(path.c_str());
}

TEST(Wav, WriteAtOtherRateIsResampledOnRead) {
  const auto pcm = sine16(22050, 440, 0.5, 22050);  // 1 s at 22.05 kHz
  const std::string path = tempPath("r22.wav");
  ASSERT_TRUE(writeWav(path, pcm, 22050).ok());
  auto back = readAudioFile(path);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->samples.size(), 16000u);
  EXPECT_NEAR(toneHz(back->samples, 16000), 440, 5);
  EXPECT_NEAR(rms(back->samples), 0.5 / std::sqrt(2.0), 0.01);
  std::remove(path.c_str());
}

TEST(Wav, StereoFloat44kDownmixedAndResampled) {
  WavSpec w{.tag = 3, .channels = 2, .rate = 44100, .bits = 32};
  auto a = decodeWav(makeWav(w, sineData(w, 2.0, 440, {0.5, 0.5})));
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->samples.size(), 32000u);  // 2 s at 16 kHz
  EXPECT_NEAR(rms(a->samples), 0.5 / std::sqrt(2.0), 0.01);
  EXPECT_NEAR(toneHz(a->samples, 16000), 440, 5);
  // Opposite channels cancel in the downmix: the reader averages, it does not take channel 0.
  auto c = decodeWav(makeWav(w, sineData(w, 1.0, 440, {0.5, -0.5})));
  ASSERT_TRUE(c.ok());
  EXPECT_LT(rms(c->samples), 0.001);
}

struct FormatCase {
  const char* name;
  WavSpec spec;
};

class WavFormats : public testing::TestWithParam<FormatCase> {};

TEST_P(WavFormats, DecodeToExpectedLengthAndLevel) {
  const WavSpec& w = GetParam().spec;
  std::vector<double> amps(static_cast<std::size_t>(w.channels), 0.25);
  auto a = decodeWav(makeWav(w, sineData(w, 1.0, 500, amps)));
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_NEAR(static_cast<double>(a->samples.size()), 16000.0, 1.0);
  EXPECT_NEAR(rms(a->samples), 0.25 / std::sqrt(2.0), 0.01);
  EXPECT_NEAR(toneHz(a->samples, 16000), 500, 5);
}

INSTANTIATE_TEST_SUITE_P(
    All, WavFormats,
    testing::Values(
        FormatCase{"pcm8_mono_8k", {.tag = 1, .channels = 1, .rate = 8000, .bits = 8}},
        FormatCase{"pcm16_stereo_48k", {.tag = 1, .channels = 2, .rate = 48000, .bits = 16}},
        FormatCase{"pcm24_mono_96k", {.tag = 1, .channels = 1, .rate = 96000, .bits = 24}},
        FormatCase{"pcm32_6ch_32k", {.tag = 1, .channels = 6, .rate = 32000, .bits = 32}},
        FormatCase{"float64_mono_22k", {.tag = 3, .channels = 1, .rate = 22050, .bits = 64}},
        FormatCase{"ext_pcm24_stereo_48k",
                   {.tag = 1, .channels = 2, .rate = 48000, .bits = 24, .extensible = true}},
        FormatCase{"ext_float32_stereo_44k",
                   {.tag = 3, .channels = 2, .rate = 44100, .bits = 32, .extensible = true}}),
    [](const testing::TestParamInfo<FormatCase>& i) { return std::string(i.param.name); });

TEST(Raw, ReadsHeaderless16kFiles) {
  const auto pcm = sine16(1600, 200, 0.3);
  std::string bytes;
  for (auto s : pcm) put16(bytes, static_cast<unsigned>(static_cast<std::uint16_t>(s)));
  const std::string path = tempPath("x.raw");
  writeFile(path, bytes);
  auto a = readAudioFile(path);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->samples, pcm);
  writeFile(path, bytes + "x");  // odd byte count
  auto odd = readAudioFile(path);
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.error().code, core::ErrorCode::kInvalidInput);
  EXPECT_NE(odd.error().message.find("16-bit"), std::string::npos);
  std::remove(path.c_str());
}

TEST(Raw, ReadsTheRecognizerTestClipIfInstalled) {
  const std::string path = "/usr/share/pocketsphinx/test/data/goforward.raw";
  if (access(path.c_str(), R_OK) != 0) GTEST_SKIP() << path << " not installed";
  auto a = readAudioFile(path);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_GT(a->seconds(), 1.0);
  EXPECT_GT(rms(a->samples), 0.005);
}

// Each bad input must fail with kInvalidInput and a message that names the problem.
void expectInvalid(const std::string& bytes, const std::string& needle) {
  auto a = decodeWav(bytes, "test.wav");
  ASSERT_FALSE(a.ok()) << "decoded: " << needle;
  EXPECT_EQ(a.error().code, core::ErrorCode::kInvalidInput);
  EXPECT_NE(a.error().message.find(needle), std::string::npos) << a.error().message;
  EXPECT_EQ(a.error().message.rfind("test.wav", 0), 0u) << a.error().message;
}

TEST(BadFiles, AreClearErrors) {
  const WavSpec ok{};
  const std::string good = makeWav(ok, sineData(ok, 0.1, 440, {0.5}));
  expectInvalid("hello, this is not audio at all", "not a RIFF/WAVE file");
  expectInvalid("", "truncated header");
  expectInvalid(good.substr(0, 10), "truncated header");
  expectInvalid(good.substr(0, 40), "fmt chunk is truncated");  // cut inside the fmt chunk
  expectInvalid(good.substr(0, 30), "no fmt chunk");            // cut inside the fmt chunk header
  expectInvalid(good.substr(0, 12 + 12), "no fmt chunk");       // only the LIST chunk
  std::string avi = good;
  avi.replace(8, 4, "AVI ");
  expectInvalid(avi, "is not WAVE audio");
  expectInvalid("fLaC" + std::string(40, '\0'), "FLAC");
  expectInvalid("RIFX" + good.substr(4), "big-endian");
  expectInvalid(makeWav({.tag = 0x55}, std::string(100, '\1')), "MPEG Layer 3");
  expectInvalid(makeWav({.tag = 6, .bits = 8}, std::string(100, '\1')), "A-law");
  expectInvalid(makeWav({.tag = 2, .bits = 4}, std::string(100, '\1')), "0x0002");
  expectInvalid(makeWav({.channels = 0}, std::string(100, '\1')), "zero channels");
  expectInvalid(makeWav({.rate = 0}, std::string(100, '\1')), "sample rate 0");
  expectInvalid(makeWav({.rate = 10}, std::string(100, '\1')),
                "sample rate 10 Hz is outside 1000..768000");
  expectInvalid(makeWav({.bits = 12, .block_align = 2}, std::string(100, '\1')), "12-bit PCM");
  expectInvalid(makeWav({.block_align = 3}, std::string(100, '\1')), "block align");
  expectInvalid(makeWav({.tag = 3, .bits = 16}, std::string(100, '\1')), "16-bit float");
  std::string no_data = makeWav(ok, "");
  no_data.resize(no_data.size() - 8);  // drop the data chunk header
  expectInvalid(no_data, "no data chunk");
}

TEST(BadFiles, FileErrors) {
  auto missing = readAudioFile("/nonexistent/dir/x.wav");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, core::ErrorCode::kNotFound);
  const std::string path = tempPath("notes.txt");
  writeFile(path, "just some text that is not audio");
  auto text = readAudioFile(path);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().code, core::ErrorCode::kInvalidInput);
  EXPECT_NE(text.error().message.find("expected a WAV file"), std::string::npos);
  writeFile(path, "");
  auto empty = readAudioFile(path);
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("empty"), std::string::npos);
  std::remove(path.c_str());
}

TEST(Wav, DataCutOffMidwayDecodesWhatIsThere) {
  const auto pcm = sine16(1000, 440, 0.5);
  std::string bytes = encodeWav(pcm);
  bytes.resize(44 + 2 * 600 + 1);  // 600 whole samples and half of the next
  auto a = decodeWav(bytes);
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_EQ(a->samples.size(), 600u);
  EXPECT_TRUE(std::equal(a->samples.begin(), a->samples.end(), pcm.begin()));
}

// The randomized counterpart of audio_fuzz for gcc builds: mutated headers and sizes must give
// a value or an error, never a crash (ASan/UBSan check the reads).
TEST(BadFiles, RandomMutationsNeverCrash) {
  WavSpec ext{.tag = 1, .channels = 2, .rate = 44100, .bits = 24, .extensible = true};
  const std::vector<std::string> seeds = {
      makeWav({}, sineData({}, 0.01, 440, {0.5})),
      makeWav(ext, sineData(ext, 0.01, 440, {0.5, 0.5})),
  };
  std::uint32_t state = 12345;
  auto next = [&] {
    state = state * 1664525u + 1013904223u;
    return state >> 8;
  };
  int decoded = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string b = seeds[static_cast<std::size_t>(i) % seeds.size()];
    const int edits = 1 + static_cast<int>(next() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t pos = next() % std::min<std::size_t>(b.size(), 80);  // mostly headers
      b[pos] = static_cast<char>(next() & 0xFF);
    }
    if (next() % 4 == 0) b.resize(next() % b.size());
    auto a = decodeWav(b);
    if (a.ok()) {
      ++decoded;
    } else {
      EXPECT_FALSE(a.error().message.empty());
    }
  }
  EXPECT_GT(decoded, 0);  // some mutations leave a valid file
}

TEST(Resample, LengthAndToneArePreserved) {
  const auto in = sine16(22050 * 2, 1000, 0.5, 22050);
  auto out = resample(std::span<const std::int16_t>(in), 22050, 16000);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->size(), 32000u);
  EXPECT_NEAR(toneHz(*out, 16000), 1000, 5);
  EXPECT_NEAR(rms(*out), rms(in), 0.005);
  // A tone above the new Nyquist frequency is filtered out, not aliased.
  const auto high = sine16(48000, 10000, 0.5, 48000);
  auto low = resample(std::span<const std::int16_t>(high), 48000, 16000);
  ASSERT_TRUE(low.ok());
  EXPECT_LT(rms(*low), 0.01);
}

TEST(Resample, EdgeCases) {
  std::vector<float> empty;
  auto e = resample(std::span<const float>(empty), 44100, 16000);
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->empty());
  std::vector<float> x = {0.1f, -0.2f, 0.3f};
  auto same = resample(std::span<const float>(x), 16000, 16000);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(*same, x);
  auto bad = resample(std::span<const float>(x), 0, 16000);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, core::ErrorCode::kInvalidInput);
  EXPECT_FALSE(writeWav(tempPath("bad.wav"), {}, -5).ok());
}

// Found by audio_fuzz: NaN samples of a float WAV reached a float -> int16 cast (undefined).
TEST(Convert, NanSamplesAreSilence) {
  std::vector<float> f = {std::nanf(""), -std::nanf(""), 0.5f,
                          std::numeric_limits<float>::infinity()};
  auto s = toInt16(f);
  EXPECT_EQ(s, (std::vector<std::int16_t>{0, 0, 16384, 32767}));
}

// Found by audio_fuzz: fewer input samples than one output sample (1 at 44.1 kHz -> 16 kHz)
// handed soxr a null output buffer and crashed; it is no audio.
TEST(Resample, TooShortForOneOutputSample) {
  std::vector<float> one = {0.5f};
  auto r = resample(std::span<const float>(one), 44100, 16000);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  std::vector<std::int16_t> one16 = {1000};
  auto r16 = resample(std::span<const std::int16_t>(one16), 48000, 16000);
  ASSERT_TRUE(r16.ok());
  EXPECT_TRUE(r16->empty());
}

TEST(Level, RmsAndConversion) {
  std::vector<std::int16_t> silence(100, 0);
  EXPECT_EQ(rms(silence), 0.0);
  EXPECT_EQ(rmsDbfs(silence), -120.0);
  std::vector<std::int16_t> square(100);
  for (std::size_t i = 0; i < square.size(); ++i) square[i] = i % 2 ? 32767 : -32768;
  EXPECT_NEAR(rms(square), 1.0, 1e-4);
  EXPECT_NEAR(rmsDbfs(square), 0.0, 0.01);
  const std::vector<float> f = {2.0f, -2.0f, 0.5f};
  EXPECT_EQ(toInt16(f), (std::vector<std::int16_t>{32767, -32768, 16384}));
  EXPECT_EQ(toInt16(toFloat(square)), square);
}

}  // namespace
}  // namespace parley::audio
