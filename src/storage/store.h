// Durable session and transcript storage on SQLite: the sessions table (name from
// SESSIONS_TABLE_NAME, default "Sessions", validated as an identifier) and the transcript log,
// one row per forwarded source segment and per caption in each listener language. The server
// appends a row before it sends the caption it describes, so whatever a listener has received
// survives a crash of the process or the machine.
//
// Durability: WAL journal with synchronous=FULL: every commit is fsynced to the WAL before
// append() returns (NORMAL would survive a killed process but could lose the last commits on
// power loss; the transcript promises "acknowledged means durable", so FULL). Checkpoints run
// automatically (wal_autocheckpoint) and at close.
//
// Threading: one connection per Store, calls serialized by a mutex; any thread may call.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

struct sqlite3;

namespace parley::storage {

inline constexpr const char* kDefaultSessionsTable = "Sessions";

// True for [A-Za-z_][A-Za-z0-9_]* of at most 64 characters (safe to splice into SQL).
bool isValidIdentifier(std::string_view name);
// $SESSIONS_TABLE_NAME (validated) or "Sessions"; kInvalidInput naming the variable otherwise.
core::Result<std::string> sessionsTableFromEnvironment();

enum class SessionState { kActive, kEnded };
const char* sessionStateName(SessionState s);  // "active" | "ended"

struct SessionRecord {
  std::string id;
  std::string token_hash;  // SHA-256 hex of the speaker token (the token itself is never stored)
  std::string source_language;
  std::vector<std::string> targets;
  SessionState state = SessionState::kActive;
  double created_at = 0;  // Unix seconds
  double ended_at = 0;    // 0 while active
  std::string end_reason;
  std::string decision_json;  // the flag decision taken at creation, as JSON text
  // The transcript may be read without a token (chosen at creation; private by default).
  bool public_transcript = false;
};

// One transcript row: a source segment (lang = source language) or a caption (lang = target).
struct TranscriptEntry {
  std::string session_id;
  std::string lang;
  long long seq = 0;         // 1, 2, ... per session and language, no gaps
  long long source_seq = 0;  // the engine segment's seq
  std::string kind;          // partial | final | orphan | timeout | overflow
  std::string text;          // in `lang`
  std::string source_text;   // in the source language
  double audio_start = 0;    // seconds of session audio
  double audio_end = 0;
  double latency_s = 0;   // caption ready minus the segment's last word end
  double written_at = 0;  // Unix seconds
};

// One final caption line in one language (docs/lines.md): the line's last revision. Lines that
// never got a recognizer final are stored as their last revision with confirmed = false.
struct LineEntry {
  std::string session_id;
  std::string lang;
  long long line = 0;  // 1, 2, ... per session, the same number in every language
  int rev = 0;         // the final revision's number
  std::string text;
  std::string source_text;
  bool confirmed = true;
  double audio_start = 0;
  double audio_end = 0;
  double latency_s = 0;
  double written_at = 0;
};

struct StoreOptions {
  std::string path;  // database file; its directory is created
  std::string sessions_table = kDefaultSessionsTable;
  bool synchronous_full = true;  // false: NORMAL (benchmarks only)
};

class Store {
 public:
  static core::Result<std::unique_ptr<Store>> open(const StoreOptions& options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  core::Status createSession(const SessionRecord& record);
  core::Status endSession(std::string_view id, std::string_view reason, double ended_at);
  core::Result<std::optional<SessionRecord>> session(std::string_view id);
  core::Result<std::vector<SessionRecord>> sessions(bool active_only);

  // Durable when it returns ok. A repeated (session, lang, seq) is kInvalidInput.
  core::Status append(const TranscriptEntry& entry);
  // All rows of a session (lang empty: every language), ordered by lang then seq.
  core::Result<std::vector<TranscriptEntry>> transcript(std::string_view session_id,
                                                        std::string_view lang = {});
  // The newest `n` rows of one language, oldest first.
  core::Result<std::vector<TranscriptEntry>> tail(std::string_view session_id,
                                                  std::string_view lang, int n);
  // Highest seq per language stored for a session: [(lang, seq)].
  core::Result<std::vector<std::pair<std::string, long long>>> lastSeqs(
      std::string_view session_id);
  // Largest audio_end stored for a session (0 when none).
  core::Result<double> lastAudioEnd(std::string_view session_id);

  // Final caption lines. Durable when it returns ok; a repeated (session, lang, line) is
  // kInvalidInput.
  core::Status appendLine(const LineEntry& entry);
  // A session's final lines (lang empty: every language), ordered by lang then line.
  core::Result<std::vector<LineEntry>> lines(std::string_view session_id,
                                             std::string_view lang = {});
  // The newest `n` final lines of one language, oldest first.
  core::Result<std::vector<LineEntry>> lineTail(std::string_view session_id, std::string_view lang,
                                                int n);
  // The highest line number stored for a session (0 when none).
  core::Result<long long> lastLine(std::string_view session_id);

  const std::string& path() const { return options_.path; }
  const std::string& sessionsTable() const { return options_.sessions_table; }

 private:
  explicit Store(StoreOptions options) : options_(std::move(options)) {}
  core::Status init();
  core::Error fail(const std::string& what, int rc);

  StoreOptions options_;
  std::mutex mu_;
  sqlite3* db_ = nullptr;
};

}  // namespace parley::storage
