#include "storage/store.h"

#include <sqlite3.h>

#include <cstdlib>
#include <initializer_list>

#include "db/sqlite_util.h"

namespace parley::storage {
namespace {

using db::bindText;
using db::columnText;
using db::Stmt;

std::string joinTargets(const std::vector<std::string>& targets) {
  std::string out;
  for (const auto& t : targets) {
    if (!out.empty()) out += ',';
    out += t;
  }
  return out;
}

std::vector<std::string> splitTargets(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= text.size() && !text.empty()) {
    auto comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    if (comma > pos) out.push_back(text.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return out;
}

constexpr const char* kSessionColumns =
    "id, token_hash, source_language, targets, state, created_at, ended_at, end_reason, "
    "decision, public_transcript";

SessionRecord readSession(sqlite3_stmt* s) {
  SessionRecord r;
  r.id = columnText(s, 0);
  r.token_hash = columnText(s, 1);
  r.source_language = columnText(s, 2);
  r.targets = splitTargets(columnText(s, 3));
  r.state = columnText(s, 4) == "ended" ? SessionState::kEnded : SessionState::kActive;
  r.created_at = sqlite3_column_double(s, 5);
  r.ended_at = sqlite3_column_double(s, 6);
  r.end_reason = columnText(s, 7);
  r.decision_json = columnText(s, 8);
  r.public_transcript = sqlite3_column_int(s, 9) != 0;
  return r;
}

constexpr const char* kEntryColumns =
    "session_id, lang, seq, source_seq, kind, text, source_text, audio_start, audio_end, "
    "latency_s, written_at";

TranscriptEntry readEntry(sqlite3_stmt* s) {
  TranscriptEntry e;
  e.session_id = columnText(s, 0);
  e.lang = columnText(s, 1);
  e.seq = sqlite3_column_int64(s, 2);
  e.source_seq = sqlite3_column_int64(s, 3);
  e.kind = columnText(s, 4);
  e.text = columnText(s, 5);
  e.source_text = columnText(s, 6);
  e.audio_start = sqlite3_column_double(s, 7);
  e.audio_end = sqlite3_column_double(s, 8);
  e.latency_s = sqlite3_column_double(s, 9);
  e.written_at = sqlite3_column_double(s, 10);
  return e;
}

// Rows of a SELECT of one session's log: `texts` bind the first '?' parameters in order (empty
// ones are skipped, for an optional "AND lang=?"), `limit` (>= 0) the last one. Returns the
// SQLite code of a failure, SQLITE_DONE when every row was read.
template <typename Row>
int selectRows(sqlite3* db, const std::string& sql, std::initializer_list<std::string_view> texts,
               int limit, Row (*read)(sqlite3_stmt*), std::vector<Row>* out) {
  Stmt st;
  int rc = st.prepare(db, sql);
  if (rc != SQLITE_OK) return rc;
  int index = 1;
  for (std::string_view t : texts) {
    if (!t.empty()) bindText(st.get(), index++, t);
  }
  if (limit >= 0) sqlite3_bind_int(st.get(), index, limit);
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) out->push_back(read(st.get()));
  return rc;
}

}  // namespace

bool isValidIdentifier(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    bool digit = c >= '0' && c <= '9';
    if (!(alpha || (i > 0 && digit))) return false;
  }
  return true;
}

core::Result<std::string> sessionsTableFromEnvironment() {
  const char* v = std::getenv("SESSIONS_TABLE_NAME");
  if (!v || !*v) return std::string(kDefaultSessionsTable);
  if (!isValidIdentifier(v)) {
    return core::Error::invalid(
        "SESSIONS_TABLE_NAME must be an SQL identifier ([A-Za-z_][A-Za-z0-9_]*, at most 64 "
        "characters) (got '" +
        std::string(v) + "')");
  }
  return std::string(v);
}

const char* sessionStateName(SessionState s) {
  return s == SessionState::kActive ? "active" : "ended";
}

core::Result<std::unique_ptr<Store>> Store::open(const StoreOptions& options) {
  if (!isValidIdentifier(options.sessions_table)) {
    return core::Error::invalid("sessions table name '" + options.sessions_table +
                                "' is not an SQL identifier");
  }
  std::unique_ptr<Store> store(new Store(options));
  auto st = store->init();
  if (!st) return st.error();
  return store;
}

Store::~Store() {
  std::lock_guard lock(mu_);
  if (db_) {
    db::exec(db_, "PRAGMA wal_checkpoint(TRUNCATE)");
    sqlite3_close_v2(db_);
  }
}

core::Error Store::fail(const std::string& what, int rc) {
  std::string detail = db::errorText(db_, rc);
  return core::Error::unavailable("storage " + options_.path + ": " + what + ": " + detail);
}

core::Status Store::init() {
  if (auto dir = db::createParentDirectory(options_.path); !dir.ok()) {
    return core::Error::unavailable("storage: " + dir.error().message);
  }
  int rc = db::openConnection(options_.path, true, 5000, &db_);
  if (rc != SQLITE_OK) return fail("cannot open", rc);
  const std::string& t = options_.sessions_table;
  std::string sql =
      std::string("PRAGMA journal_mode=WAL;") +
      (options_.synchronous_full ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;") +
      "CREATE TABLE IF NOT EXISTS " + t +
      " (id TEXT PRIMARY KEY, token_hash TEXT NOT NULL,"
      " source_language TEXT NOT NULL, targets TEXT NOT NULL, state TEXT NOT NULL,"
      " created_at REAL NOT NULL, ended_at REAL NOT NULL DEFAULT 0,"
      " end_reason TEXT NOT NULL DEFAULT '', decision TEXT NOT NULL DEFAULT '',"
      " public_transcript INTEGER NOT NULL DEFAULT 0);"
      "CREATE TABLE IF NOT EXISTS transcript_log ("
      " session_id TEXT NOT NULL, lang TEXT NOT NULL, seq INTEGER NOT NULL,"
      " source_seq INTEGER NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL,"
      " source_text TEXT NOT NULL, audio_start REAL NOT NULL,"
      " audio_end REAL NOT NULL, latency_s REAL NOT NULL,"
      " written_at REAL NOT NULL, PRIMARY KEY (session_id, lang, seq));"
      "CREATE TABLE IF NOT EXISTS line_log ("
      " session_id TEXT NOT NULL, lang TEXT NOT NULL, line INTEGER NOT NULL,"
      " rev INTEGER NOT NULL, text TEXT NOT NULL, source_text TEXT NOT NULL,"
      " confirmed INTEGER NOT NULL, audio_start REAL NOT NULL, audio_end REAL NOT NULL,"
      " latency_s REAL NOT NULL, written_at REAL NOT NULL,"
      " PRIMARY KEY (session_id, lang, line));";
  std::string msg;
  if (db::exec(db_, sql.c_str(), &msg) != SQLITE_OK) {
    return core::Error::unavailable("storage " + options_.path + ": cannot create schema: " + msg);
  }
  // Databases made before public_transcript existed get the column (private by default).
  std::string probe = "SELECT public_transcript FROM " + t + " LIMIT 0";
  if (db::exec(db_, probe.c_str()) != SQLITE_OK) {
    std::string add =
        "ALTER TABLE " + t + " ADD COLUMN public_transcript INTEGER NOT NULL DEFAULT 0";
    if (db::exec(db_, add.c_str(), &msg) != SQLITE_OK) {
      return core::Error::unavailable("storage " + options_.path + ": cannot add column: " + msg);
    }
  }
  return core::okStatus();
}

core::Status Store::createSession(const SessionRecord& r) {
  std::lock_guard lock(mu_);
  std::string sql = "INSERT INTO " + options_.sessions_table + " (" + kSessionColumns +
                    ") VALUES (?,?,?,?,?,?,?,?,?,?)";
  Stmt st;
  int rc = st.prepare(db_, sql);
  if (rc != SQLITE_OK) return fail("cannot insert session", rc);
  bindText(st.get(), 1, r.id);
  bindText(st.get(), 2, r.token_hash);
  bindText(st.get(), 3, r.source_language);
  bindText(st.get(), 4, joinTargets(r.targets));
  bindText(st.get(), 5, sessionStateName(r.state));
  sqlite3_bind_double(st.get(), 6, r.created_at);
  sqlite3_bind_double(st.get(), 7, r.ended_at);
  bindText(st.get(), 8, r.end_reason);
  bindText(st.get(), 9, r.decision_json);
  sqlite3_bind_int(st.get(), 10, r.public_transcript ? 1 : 0);
  rc = sqlite3_step(st.get());
  if ((rc & 0xff) == SQLITE_CONSTRAINT) {
    return core::Error::invalid("session " + r.id + " already exists");
  }
  if (rc != SQLITE_DONE) return fail("cannot insert session", rc);
  return core::okStatus();
}

core::Status Store::endSession(std::string_view id, std::string_view reason, double ended_at) {
  std::lock_guard lock(mu_);
  std::string sql = "UPDATE " + options_.sessions_table +
                    " SET state='ended', ended_at=?, end_reason=? WHERE id=? AND state='active'";
  Stmt st;
  int rc = st.prepare(db_, sql);
  if (rc != SQLITE_OK) return fail("cannot end session", rc);
  sqlite3_bind_double(st.get(), 1, ended_at);
  bindText(st.get(), 2, reason);
  bindText(st.get(), 3, id);
  rc = sqlite3_step(st.get());
  if (rc != SQLITE_DONE) return fail("cannot end session", rc);
  if (sqlite3_changes(db_) == 0) {
    return core::Error::notFound("no active session " + std::string(id));
  }
  return core::okStatus();
}

core::Result<std::optional<SessionRecord>> Store::session(std::string_view id) {
  std::lock_guard lock(mu_);
  std::string sql =
      std::string("SELECT ") + kSessionColumns + " FROM " + options_.sessions_table + " WHERE id=?";
  Stmt st;
  int rc = st.prepare(db_, sql);
  if (rc != SQLITE_OK) return fail("cannot read session", rc);
  bindText(st.get(), 1, id);
  rc = sqlite3_step(st.get());
  if (rc == SQLITE_ROW) return std::optional<SessionRecord>(readSession(st.get()));
  if (rc != SQLITE_DONE) return fail("cannot read session", rc);
  return std::optional<SessionRecord>();
}

core::Result<std::vector<SessionRecord>> Store::sessions(bool active_only) {
  std::lock_guard lock(mu_);
  std::string sql = std::string("SELECT ") + kSessionColumns + " FROM " + options_.sessions_table +
                    (active_only ? " WHERE state='active'" : "") + " ORDER BY created_at";
  Stmt st;
  int rc = st.prepare(db_, sql);
  if (rc != SQLITE_OK) return fail("cannot list sessions", rc);
  std::vector<SessionRecord> out;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) out.push_back(readSession(st.get()));
  if (rc != SQLITE_DONE) return fail("cannot list sessions", rc);
  return out;
}

core::Status Store::append(const TranscriptEntry& e) {
  std::lock_guard lock(mu_);
  std::string sql = std::string("INSERT INTO transcript_log (") + kEntryColumns +
                    ") VALUES (?,?,?,?,?,?,?,?,?,?,?)";
  Stmt st;
  int rc = st.prepare(db_, sql);
  if (rc != SQLITE_OK) return fail("cannot append", rc);
  bindText(st.get(), 1, e.session_id);
  bindText(st.get(), 2, e.lang);
  sqlite3_bind_int64(st.get(), 3, e.seq);
  sqlite3_bind_int64(st.get(), 4, e.source_seq);
  bindText(st.get(), 5, e.kind);
  bindText(st.get(), 6, e.text);
  bindText(st.get(), 7, e.source_text);
  sqlite3_bind_double(st.get(), 8, e.audio_start);
  sqlite3_bind_double(st.get(), 9, e.audio_end);
  sqlite3_bind_double(st.get(), 10, e.latency_s);
  sqlite3_bind_double(st.get(), 11, e.written_at);
  rc = sqlite3_step(st.get());
  if ((rc & 0xff) == SQLITE_CONSTRAINT) {
    return core::Error::invalid("transcript row " + e.session_id + "/" + e.lang + "/" +
                                std::to_string(e.seq) + " already exists");
  }
  if (rc != SQLITE_DONE) return fail("cannot append", rc);
  return core::okStatus();
}

core::Result<std::vector<TranscriptEntry>> Store::transcript(std::string_view session_id,
                                                             std::string_view lang) {
  std::lock_guard lock(mu_);
  std::string sql = std::string("SELECT ") + kEntryColumns +
                    " FROM transcript_log WHERE session_id=?" +
                    (lang.empty() ? "" : " AND lang=?") + " ORDER BY lang, seq";
  std::vector<TranscriptEntry> out;
  int rc = selectRows(db_, sql, {session_id, lang}, -1, readEntry, &out);
  if (rc != SQLITE_DONE) return fail("cannot read transcript", rc);
  return out;
}

core::Result<std::vector<TranscriptEntry>> Store::tail(std::string_view session_id,
                                                       std::string_view lang, int n) {
  std::lock_guard lock(mu_);
  std::string sql = std::string("SELECT ") + kEntryColumns +
                    " FROM transcript_log WHERE session_id=? AND lang=? ORDER BY seq DESC LIMIT ?";
  std::vector<TranscriptEntry> out;
  int rc = selectRows(db_, sql, {session_id, lang}, n, readEntry, &out);
  if (rc != SQLITE_DONE) return fail("cannot read transcript", rc);
  return std::vector<TranscriptEntry>(out.rbegin(), out.rend());
}

core::Result<std::vector<std::pair<std::string, long long>>> Store::lastSeqs(
    std::string_view session_id) {
  std::lock_guard lock(mu_);
  Stmt st;
  int rc =
      st.prepare(db_, "SELECT lang, MAX(seq) FROM transcript_log WHERE session_id=? GROUP BY lang");
  if (rc != SQLITE_OK) return fail("cannot read transcript", rc);
  bindText(st.get(), 1, session_id);
  std::vector<std::pair<std::string, long long>> out;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
    out.emplace_back(columnText(st.get(), 0), sqlite3_column_int64(st.get(), 1));
  }
  if (rc != SQLITE_DONE) return fail("cannot read transcript", rc);
  return out;
}

namespace {

constexpr const char* kLineColumns =
    "session_id, lang, line, rev, text, source_text, confirmed, audio_start, audio_end, "
    "latency_s, written_at";

LineEntry readLine(sqlite3_stmt* s) {
  LineEntry e;
  e.session_id = columnText(s, 0);
  e.lang = columnText(s, 1);
  e.line = sqlite3_column_int64(s, 2);
  e.rev = sqlite3_column_int(s, 3);
  e.text = columnText(s, 4);
  e.source_text = columnText(s, 5);
  e.confirmed = sqlite3_column_int(s, 6) != 0;
  e.audio_start = sqlite3_column_double(s, 7);
  e.audio_end = sqlite3_column_double(s, 8);
  e.latency_s = sqlite3_column_double(s, 9);
  e.written_at = sqlite3_column_double(s, 10);
  return e;
}

}  // namespace

core::Status Store::appendLine(const LineEntry& e) {
  std::lock_guard lock(mu_);
  std::string sql =
      std::string("INSERT INTO line_log (") + kLineColumns + ") VALUES (?,?,?,?,?,?,?,?,?,?,?)";
  Stmt st;
  int rc = st.prepare(db_, sql);
  if (rc != SQLITE_OK) return fail("cannot append line", rc);
  bindText(st.get(), 1, e.session_id);
  bindText(st.get(), 2, e.lang);
  sqlite3_bind_int64(st.get(), 3, e.line);
  sqlite3_bind_int(st.get(), 4, e.rev);
  bindText(st.get(), 5, e.text);
  bindText(st.get(), 6, e.source_text);
  sqlite3_bind_int(st.get(), 7, e.confirmed ? 1 : 0);
  sqlite3_bind_double(st.get(), 8, e.audio_start);
  sqlite3_bind_double(st.get(), 9, e.audio_end);
  sqlite3_bind_double(st.get(), 10, e.latency_s);
  sqlite3_bind_double(st.get(), 11, e.written_at);
  rc = sqlite3_step(st.get());
  if ((rc & 0xff) == SQLITE_CONSTRAINT) {
    return core::Error::invalid("line " + e.session_id + "/" + e.lang + "/" +
                                std::to_string(e.line) + " already exists");
  }
  if (rc != SQLITE_DONE) return fail("cannot append line", rc);
  return core::okStatus();
}

core::Result<std::vector<LineEntry>> Store::lines(std::string_view session_id,
                                                  std::string_view lang) {
  std::lock_guard lock(mu_);
  std::string sql = std::string("SELECT ") + kLineColumns + " FROM line_log WHERE session_id=?" +
                    (lang.empty() ? "" : " AND lang=?") + " ORDER BY lang, line";
  std::vector<LineEntry> out;
  int rc = selectRows(db_, sql, {session_id, lang}, -1, readLine, &out);
  if (rc != SQLITE_DONE) return fail("cannot read lines", rc);
  return out;
}

core::Result<std::vector<LineEntry>> Store::lineTail(std::string_view session_id,
                                                     std::string_view lang, int n) {
  std::lock_guard lock(mu_);
  std::string sql = std::string("SELECT ") + kLineColumns +
                    " FROM line_log WHERE session_id=? AND lang=? ORDER BY line DESC LIMIT ?";
  std::vector<LineEntry> out;
  int rc = selectRows(db_, sql, {session_id, lang}, n, readLine, &out);
  if (rc != SQLITE_DONE) return fail("cannot read lines", rc);
  return std::vector<LineEntry>(out.rbegin(), out.rend());
}

core::Result<long long> Store::lastLine(std::string_view session_id) {
  std::lock_guard lock(mu_);
  Stmt st;
  int rc = st.prepare(db_, "SELECT COALESCE(MAX(line), 0) FROM line_log WHERE session_id=?");
  if (rc != SQLITE_OK) return fail("cannot read lines", rc);
  bindText(st.get(), 1, session_id);
  rc = sqlite3_step(st.get());
  if (rc != SQLITE_ROW) return fail("cannot read lines", rc);
  return static_cast<long long>(sqlite3_column_int64(st.get(), 0));
}

core::Result<double> Store::lastAudioEnd(std::string_view session_id) {
  std::lock_guard lock(mu_);
  Stmt st;
  int rc =
      st.prepare(db_, "SELECT COALESCE(MAX(audio_end), 0) FROM transcript_log WHERE session_id=?");
  if (rc != SQLITE_OK) return fail("cannot read transcript", rc);
  bindText(st.get(), 1, session_id);
  rc = sqlite3_step(st.get());
  if (rc != SQLITE_ROW) return fail("cannot read transcript", rc);
  return sqlite3_column_double(st.get(), 0);
}

}  // namespace parley::storage
