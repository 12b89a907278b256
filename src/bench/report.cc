#include "bench/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

namespace parley::bench {

namespace {

using json = nlohmann::json;

double r6(double v) { return std::isfinite(v) ? std::round(v * 1e6) / 1e6 : 0.0; }

json distJson(const core::Summary& d) {
  return {{"count", d.count},
          {"mean", r6(d.mean)},
          {"p50", r6(d.p50)},
          {"p95", r6(d.p95)},
          {"max", r6(d.max)}};
}

const ModeFigures* findFigures(const BenchResult& r, const std::string& group,
                               const std::string& mode) {
  for (const auto& f : r.figures) {
    if (f.group == group && f.mode == mode) return &f;
  }
  return nullptr;
}

std::vector<std::string> groupNames(const BenchResult& r) {
  std::vector<std::string> out;
  for (const auto& g : r.groups) out.push_back(g.group);
  return out;
}

json figuresJson(const BenchResult& r, const ModeFigures& f) {
  json j = {
      {"group", f.group},
      {"mode", f.mode},
      {"items", f.items},
      {"segments", f.segments},
      {"latency", {{"ideal", distJson(f.latency_ideal)}, {"compute", distJson(f.latency_compute)}}},
      {"final_words", f.final_words},
      {"matched_words", f.matched_words},
      {"partial_words", f.partial_words},
      {"partial_disagreements", f.partial_disagreements},
      {"disagreement_pct", r6(f.disagreement_pct)},
      {"disagreement_pct_ideal", r6(f.disagreement_pct_ideal)},
      {"forwarded_wer_pct", r6(f.forwarded_wer)},
      {"final_wer_pct", r6(f.final_wer)}};
  if (f.mt_chars_ratio >= 0) {
    j["translation"] = {{"mt_calls", f.mt_calls},
                        {"mt_chars", f.mt_chars},
                        {"tts_chars", f.tts_chars},
                        {"mt_chars_ratio", r6(f.mt_chars_ratio)},
                        {"tts_chars_ratio", r6(f.tts_chars_ratio)},
                        {"chrf_vs_final_only", r6(f.chrf_vs_final_only)},
                        {"chrf_vs_reference",
                         f.chrf_vs_reference >= 0 ? json(r6(f.chrf_vs_reference)) : json(nullptr)}};
  } else {
    j["translation"] = nullptr;
  }
  json targets = json::array();
  if (f.mode != "final-only") {
    if (const ModeFigures* fo = findFigures(r, f.group, "final-only")) {
      for (const auto& t : checkTargets(f, *fo)) {
        targets.push_back(
            {{"name", t.name}, {"target", t.target}, {"value", r6(t.value)}, {"pass", t.pass}});
      }
    }
  }
  j["targets"] = targets;
  return j;
}

json lineFiguresJson(const LineFigures& f) {
  json targets = json::array();
  for (const auto& t : checkLineTargets(f)) {
    targets.push_back(
        {{"name", t.name}, {"target", t.target}, {"value", r6(t.value)}, {"pass", t.pass}});
  }
  return {{"group", f.group},
          {"mode", f.mode},
          {"shipped", f.shipped},
          {"items", f.items},
          {"results", f.results},
          {"split_results", f.split_results},
          {"lines", f.lines},
          {"revisions", f.revisions},
          {"final_tokens", f.final_tokens},
          {"measured_tokens", f.measured_tokens},
          {"first_display", distJson(f.first_display)},
          {"time_to_stable", distJson(f.time_to_stable)},
          {"erased_tokens", f.erased_tokens},
          {"normalized_erasure", r6(f.normalized_erasure)},
          {"final_chrf", r6(f.final_chrf)},
          {"final_chrf_unsplit",
           f.final_chrf_unsplit >= 0 ? json(r6(f.final_chrf_unsplit)) : json(nullptr)},
          {"spoken_chrf", r6(f.spoken_chrf)},
          {"speech_start", distJson(f.speech_start)},
          {"spoken_pieces", f.spoken_pieces},
          {"spoken_mismatches", f.spoken_mismatches},
          {"settled_changes", f.settled_changes},
          {"mt_calls", f.mt_calls},
          {"mt_chars", f.mt_chars},
          {"mt_chars_ratio", r6(f.mt_chars_ratio)},
          {"mt_seconds_per_item", r6(f.mt_seconds_per_item)},
          {"targets", targets}};
}

json sweepFiguresJson(const ModeFigures& f) {
  return {{"p50", r6(f.latency_compute.p50)},         {"p95", r6(f.latency_compute.p95)},
          {"mean", r6(f.latency_compute.mean)},       {"p50_ideal", r6(f.latency_ideal.p50)},
          {"p95_ideal", r6(f.latency_ideal.p95)},     {"disagreement_pct", r6(f.disagreement_pct)},
          {"forwarded_wer_pct", r6(f.forwarded_wer)}, {"segments", f.segments}};
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string htmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string joinSettings(const std::vector<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : " ") + x;
  return out.empty() ? "(engine defaults)" : out;
}

// Markdown tables, also embedded (converted) in the HTML report.
struct Table {
  std::vector<std::string> head;
  std::vector<std::vector<std::string>> rows;
};

std::string tableMd(const Table& t) {
  std::string out = "|";
  for (const auto& h : t.head) out += " " + h + " |";
  out += "\n|";
  for (std::size_t i = 0; i < t.head.size(); ++i) out += i == 0 ? "---|" : "---:|";
  out += "\n";
  for (const auto& r : t.rows) {
    out += "|";
    for (const auto& c : r) out += " " + c + " |";
    out += "\n";
  }
  return out;
}

std::string tableHtml(const Table& t) {
  std::string out = "<table><tr>";
  for (const auto& h : t.head) out += "<th>" + htmlEscape(h) + "</th>";
  out += "</tr>\n";
  for (const auto& r : t.rows) {
    out += "<tr>";
    for (const auto& c : r) out += "<td>" + htmlEscape(c) + "</td>";
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

Table groupsTable(const BenchResult& r) {
  Table t{{"group", "items", "audio s", "RTF", "final WER %", "partials", "finals",
           "normalized erasure"},
          {}};
  for (const auto& g : r.groups) {
    t.rows.push_back({g.group, std::to_string(g.items), fmt("%.1f", g.audio_seconds),
                      fmt("%.3f", g.rtf), fmt("%.1f", g.final_wer),
                      std::to_string(g.partial_events), std::to_string(g.final_events),
                      fmt("%.3f", g.normalized_erasure)});
  }
  return t;
}

Table modesTable(const BenchResult& r, const std::string& group) {
  Table t{{"mode", "p50 s", "p95 s", "mean s", "ideal p50", "ideal p95", "disagree %", "fwd WER %",
           "final-only WER %", "MT chars x", "TTS chars x", "chrF vs final-only", "chrF vs ref",
           "segments"},
          {}};
  const ModeFigures* fo = findFigures(r, group, "final-only");
  for (const auto& m : r.modes) {
    const ModeFigures* f = findFigures(r, group, m.name);
    if (!f) continue;
    auto opt = [&](double v, const char* spec) { return v >= 0 ? fmt(spec, v) : std::string("-"); };
    t.rows.push_back({m.name, fmt("%.2f", f->latency_compute.p50),
                      fmt("%.2f", f->latency_compute.p95), fmt("%.2f", f->latency_compute.mean),
                      fmt("%.2f", f->latency_ideal.p50), fmt("%.2f", f->latency_ideal.p95),
                      fmt("%.1f", f->disagreement_pct), fmt("%.1f", f->forwarded_wer),
                      fo ? fmt("%.1f", fo->forwarded_wer) : "-", opt(f->mt_chars_ratio, "%.2f"),
                      opt(f->tts_chars_ratio, "%.2f"), opt(f->chrf_vs_final_only, "%.3f"),
                      opt(f->chrf_vs_reference, "%.3f"), std::to_string(f->segments)});
  }
  return t;
}

Table targetsTable(const BenchResult& r, const std::string& group, const std::string& mode) {
  Table t{{"target", "required", "value", "pass"}, {}};
  const ModeFigures* f = findFigures(r, group, mode);
  const ModeFigures* fo = findFigures(r, group, "final-only");
  if (!f || !fo) return t;
  for (const auto& c : checkTargets(*f, *fo)) {
    t.rows.push_back({c.name, c.target, fmt("%.3f", c.value), c.pass ? "yes" : "NO"});
  }
  return t;
}

Table sweepTable(const BenchResult& r) {
  Table t{{"candidate", "settings", "real p50", "real p95", "real disagree %", "real fwd WER %",
           "synth p50", "synth p95", "synth disagree %", "meets targets"},
          {}};
  for (const auto& s : r.sweep) {
    t.rows.push_back({s.spec.name + (s.spec.name == r.sweep_winner ? " (winner)" : ""),
                      joinSettings(s.spec.settings), fmt("%.2f", s.real.latency_compute.p50),
                      fmt("%.2f", s.real.latency_compute.p95), fmt("%.1f", s.real.disagreement_pct),
                      fmt("%.1f", s.real.forwarded_wer), fmt("%.2f", s.synth.latency_compute.p50),
                      fmt("%.2f", s.synth.latency_compute.p95),
                      fmt("%.1f", s.synth.disagreement_pct), s.meets_targets ? "yes" : "no"});
  }
  return t;
}

std::vector<std::string> lineGroups(const BenchResult& r) {
  std::vector<std::string> out;
  for (const auto& f : r.lines) {
    if (std::find(out.begin(), out.end(), f.group) == out.end()) out.push_back(f.group);
  }
  return out;
}

Table linesTable(const BenchResult& r, const std::string& group) {
  Table t{{"lane", "first display p50", "stable p50", "stable p95", "stable mean", "erasure",
           "final chrF", "unsplit chrF", "split results", "spoken chrF", "speech start p50",
           "MT chars x", "MT ms/session", "targets met"},
          {}};
  for (const auto& f : r.lines) {
    if (f.group != group) continue;
    int met = 0, all = 0;
    for (const auto& c : checkLineTargets(f)) {
      ++all;
      met += c.pass ? 1 : 0;
    }
    t.rows.push_back({f.mode + (f.shipped ? " (shipped)" : ""), fmt("%.2f s", f.first_display.p50),
                      fmt("%.2f s", f.time_to_stable.p50), fmt("%.2f s", f.time_to_stable.p95),
                      fmt("%.2f s", f.time_to_stable.mean), fmt("%.3f", f.normalized_erasure),
                      fmt("%.3f", f.final_chrf),
                      f.final_chrf_unsplit >= 0 ? fmt("%.3f", f.final_chrf_unsplit) : "-",
                      std::to_string(f.split_results) + "/" + std::to_string(f.results),
                      fmt("%.3f", f.spoken_chrf), fmt("%.2f s", f.speech_start.p50),
                      fmt("%.2f", f.mt_chars_ratio), fmt("%.0f", f.mt_seconds_per_item * 1000),
                      std::to_string(met) + "/" + std::to_string(all)});
  }
  return t;
}

Table modesDescTable(const BenchResult& r) {
  Table t{{"mode", "what", "settings"}, {}};
  for (const auto& m : r.modes) {
    t.rows.push_back(
        {m.name, m.description,
         m.mode == engine::Mode::kFinalOnly ? "mode=final-only" : joinSettings(m.settings)});
  }
  return t;
}

// --- SVG charts ------------------------------------------------------------------------------

const char* kColors[] = {"#444444", "#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e"};

std::string latencySvg(const BenchResult& r, const std::string& group) {
  const double w = 720, h = 300, l = 50, b = 40, top = 15, right = 150;
  double xmax = 1.0;
  for (const auto& f : r.figures) {
    if (f.group != group || f.latencies_compute.empty()) continue;
    xmax = std::max(xmax, core::percentile(f.latencies_compute, 0.99));
  }
  xmax = std::ceil(xmax);
  auto X = [&](double v) { return l + (w - l - right) * std::clamp(v, 0.0, xmax) / xmax; };
  auto Y = [&](double q) { return top + (h - top - b) * (1 - q); };
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << w << "\" height=\"" << h
    << "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  o << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  for (int s = 0; s <= static_cast<int>(xmax); ++s) {
    o << "<line x1=\"" << X(s) << "\" y1=\"" << Y(0) << "\" x2=\"" << X(s) << "\" y2=\"" << Y(1)
      << "\" stroke=\"#eee\"/><text x=\"" << X(s) << "\" y=\"" << h - b + 15
      << "\" text-anchor=\"middle\">" << s << "</text>\n";
  }
  for (int q = 0; q <= 4; ++q) {
    o << "<text x=\"" << l - 5 << "\" y=\"" << Y(q / 4.0) + 4 << "\" text-anchor=\"end\">" << q * 25
      << "%</text>\n";
  }
  o << "<text x=\"" << (l + w - right) / 2 << "\" y=\"" << h - 5
    << "\" text-anchor=\"middle\">word latency, s (computation-aware); y: share of words</text>\n";
  int k = 0;
  for (const auto& m : r.modes) {
    const ModeFigures* f = findFigures(r, group, m.name);
    const char* color = kColors[k++ % std::size(kColors)];
    if (!f || f->latencies_compute.empty()) continue;
    std::vector<double> v = f->latencies_compute;
    std::sort(v.begin(), v.end());
    o << "<polyline fill=\"none\" stroke=\"" << color << "\" stroke-width=\"2\" points=\"";
    o << X(v.front()) << "," << Y(0) << " ";
    for (std::size_t i = 0; i < v.size(); ++i) {
      o << X(v[i]) << "," << Y(static_cast<double>(i + 1) / static_cast<double>(v.size())) << " ";
    }
    o << "\"/>\n";
    const double ly = top + 16.0 * k;
    o << "<line x1=\"" << w - right + 10 << "\" y1=\"" << ly << "\" x2=\"" << w - right + 30
      << "\" y2=\"" << ly << "\" stroke=\"" << color << "\" stroke-width=\"2\"/><text x=\""
      << w - right + 35 << "\" y=\"" << ly + 4 << "\">" << htmlEscape(m.name) << "</text>\n";
  }
  o << "</svg>\n";
  return o.str();
}

std::string timelineSvg(const Timeline& tl) {
  const double lane = 16, l = 110, right = 20;
  double tmax = tl.audio_seconds;
  for (const auto& hy : tl.hypotheses) tmax = std::max(tmax, hy.t);
  for (const auto& s : tl.segments) tmax = std::max(tmax, s.t);
  tmax = std::ceil(tmax + 0.5);
  const double w = std::max(900.0, 140 * tmax);
  const std::size_t rows = 2 + tl.hypotheses.size() + tl.segments.size();
  const double h = 40 + lane * static_cast<double>(rows) + 30;
  auto X = [&](double t) { return l + (w - l - right) * t / tmax; };
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << w << "\" height=\"" << h
    << "\" font-family=\"sans-serif\" font-size=\"10\">\n<rect width=\"100%\" height=\"100%\" "
       "fill=\"white\"/>\n";
  for (int s = 0; s <= static_cast<int>(tmax); ++s) {
    o << "<line x1=\"" << X(s) << "\" y1=\"20\" x2=\"" << X(s) << "\" y2=\"" << h - 25
      << "\" stroke=\"#eee\"/><text x=\"" << X(s) << "\" y=\"" << h - 10
      << "\" text-anchor=\"middle\">" << s << " s</text>\n";
  }
  double y = 30;
  o << "<text x=\"4\" y=\"" << y + 4 << "\" font-weight=\"bold\">spoken (word end)</text>\n";
  for (const auto& w8 : tl.words) {
    o << "<line x1=\"" << X(w8.end) << "\" y1=\"" << y - 6 << "\" x2=\"" << X(w8.end) << "\" y2=\""
      << y + 6 << "\" stroke=\"#000\"/><text x=\"" << X(w8.end) - 2 << "\" y=\"" << y - 2
      << "\" text-anchor=\"end\" fill=\"#555\">" << htmlEscape(w8.text) << "</text>\n";
  }
  y += lane * 1.5;
  for (const auto& hy : tl.hypotheses) {
    const char* color = hy.is_partial ? "#999" : "#000";
    o << "<circle cx=\"" << X(hy.t) << "\" cy=\"" << y << "\" r=\"3\" fill=\"" << color
      << "\"/><text x=\"" << X(hy.t) + 6 << "\" y=\"" << y + 3 << "\" fill=\"" << color << "\">"
      << (hy.is_partial ? "partial: " : "FINAL: ") << htmlEscape(hy.text) << "</text>\n";
    y += lane;
  }
  o << "<text x=\"4\" y=\"" << 30 + lane * 1.5 + 3 << "\" font-weight=\"bold\">hypotheses</text>\n";
  const double seg_top = y;
  for (const auto& s : tl.segments) {
    const char* color = s.kind == "final" ? "#2ca02c" : "#1f77b4";
    o << "<rect x=\"" << X(s.t) - 3 << "\" y=\"" << y - 4 << "\" width=\"6\" height=\"8\" fill=\""
      << color << "\"/><text x=\"" << X(s.t) + 6 << "\" y=\"" << y + 3 << "\" fill=\"" << color
      << "\">" << htmlEscape(s.kind) << " (" << htmlEscape(s.reason) << "): " << htmlEscape(s.text)
      << "</text>\n";
    y += lane;
  }
  o << "<text x=\"4\" y=\"" << seg_top + 3 << "\" font-weight=\"bold\">forwarded</text>\n";
  o << "</svg>\n";
  return o.str();
}

std::string bestMode(const BenchResult& r) { return r.modes.empty() ? "" : r.modes.back().name; }

}  // namespace

std::string reportJson(const BenchResult& r, const ReportMeta& meta) {
  json j;
  j["schema"] = kReportSchema;
  j["generated_by"] = meta.generated_by;
  j["quick"] = meta.quick;
  j["corpus"] = meta.corpus;
  j["aws_stable_k"] = meta.aws_stable_k;
  j["wall_seconds"] = r6(meta.wall_seconds);
  json groups = json::array();
  for (const auto& g : r.groups) {
    groups.push_back({{"group", g.group},
                      {"items", g.items},
                      {"audio_seconds", r6(g.audio_seconds)},
                      {"compute_seconds", r6(g.compute_seconds)},
                      {"rtf", r6(g.rtf)},
                      {"final_wer_pct", r6(g.final_wer)},
                      {"reference_words", g.reference_words},
                      {"final_words", g.final_words},
                      {"partial_events", g.partial_events},
                      {"final_events", g.final_events},
                      {"erased_tokens", g.erased_tokens},
                      {"normalized_erasure", r6(g.normalized_erasure)}});
  }
  j["groups"] = groups;
  json modes = json::array();
  for (const auto& m : r.modes) {
    modes.push_back({{"name", m.name},
                     {"description", m.description},
                     {"mode", engine::modeName(m.mode)},
                     {"settings", m.settings}});
  }
  j["modes"] = modes;
  json figures = json::array();
  for (const auto& f : r.figures) figures.push_back(figuresJson(r, f));
  j["figures"] = figures;
  json rows = json::array();
  for (const auto& s : r.sweep) {
    rows.push_back({{"name", s.spec.name},
                    {"settings", s.spec.settings},
                    {"meets_targets", s.meets_targets},
                    {"real", sweepFiguresJson(s.real)},
                    {"synth", sweepFiguresJson(s.synth)}});
  }
  j["sweep"] = {{"winner", r.sweep_winner}, {"rows", rows}};
  json line_figures = json::array();
  for (const auto& f : r.lines) line_figures.push_back(lineFiguresJson(f));
  j["lines"] = line_figures;
  j["engine"] = {{"events_per_second", std::round(r.engine_events_per_second)},
                 {"events_measured", r.engine_events_measured},
                 {"idle_session_bytes", r.engine_idle_session_bytes}};
  json tl = {{"item", r.timeline.item},
             {"mode", r.timeline.mode},
             {"audio_seconds", r6(r.timeline.audio_seconds)}};
  json hyps = json::array(), segs = json::array(), words = json::array();
  for (const auto& h : r.timeline.hypotheses) {
    hyps.push_back({{"t", r6(h.t)}, {"is_partial", h.is_partial}, {"text", h.text}});
  }
  for (const auto& s : r.timeline.segments) {
    segs.push_back({{"t", r6(s.t)},
                    {"kind", s.kind},
                    {"reason", s.reason},
                    {"text", s.text},
                    {"audio_end", r6(s.audio_end)}});
  }
  for (const auto& w : r.timeline.words) words.push_back({{"text", w.text}, {"end", r6(w.end)}});
  tl["hypotheses"] = hyps;
  tl["segments"] = segs;
  tl["words"] = words;
  j["timeline"] = tl;
  return j.dump(1) + "\n";
}

std::string reportMarkdown(const BenchResult& r, const ReportMeta& meta) {
  std::ostringstream o;
  o << "# parley bench report\n\n";
  o << "Corpus: " << meta.corpus << (meta.quick ? " (quick run)" : "") << ". Schema "
    << kReportSchema << ". Metrics are defined in docs/bench.md; latencies are "
    << "computation-aware unless marked ideal.\n\n";
  o << "## Modes\n\n" << tableMd(modesDescTable(r)) << "\n";
  o << "## Recognizer and raw partial stream\n\n" << tableMd(groupsTable(r)) << "\n";
  for (const auto& g : groupNames(r)) {
    o << "## Group " << g << "\n\n" << tableMd(modesTable(r, g)) << "\n";
  }
  const std::string best = bestMode(r);
  if (!best.empty()) {
    o << "## Targets (" << best << " on real speech, docs/bench.md)\n\n"
      << tableMd(targetsTable(r, "real", best)) << "\n";
  }
  for (const auto& g : lineGroups(r)) {
    o << "## Caption lines, group " << g << "\n\n"
      << "Token times are seconds after each token's reference time (docs/bench.md). Most "
      << "targets met: " << bestLineLane(r.lines) << ".\n\n"
      << tableMd(linesTable(r, g)) << "\n";
  }
  if (!r.sweep.empty()) {
    o << "## Tuning sweep\n\nWinner: **" << r.sweep_winner << "**.\n\n"
      << tableMd(sweepTable(r)) << "\n";
  }
  o << "## Engine\n\n"
    << fmt("%.0f", r.engine_events_per_second) << " recognizer events/s on one core ("
    << r.engine_events_measured
    << " events replayed); largest session state after finishing: " << r.engine_idle_session_bytes
    << " bytes.\n";
  return o.str();
}

std::string reportHtml(const BenchResult& r, const ReportMeta& meta) {
  std::ostringstream o;
  o << "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>parley bench</title>\n"
       "<style>body{font-family:sans-serif;margin:2em;max-width:1400px}"
       "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;"
       "text-align:right}td:first-child,th:first-child{text-align:left}"
       ".chart{overflow-x:auto;border:1px solid #ddd}</style></head><body>\n";
  o << "<h1>parley bench report</h1>\n<p>Corpus: " << htmlEscape(meta.corpus)
    << (meta.quick ? " (quick run)" : "")
    << ". Metrics are defined in docs/bench.md; latencies are computation-aware unless marked "
       "ideal.</p>\n";
  o << "<h2>Modes</h2>\n" << tableHtml(modesDescTable(r));
  o << "<h2>Recognizer and raw partial stream</h2>\n" << tableHtml(groupsTable(r));
  for (const auto& g : groupNames(r)) {
    o << "<h2>Group " << htmlEscape(g) << "</h2>\n" << tableHtml(modesTable(r, g));
    o << "<h3>Word latency distribution (" << htmlEscape(g) << ")</h3>\n<div class=\"chart\">"
      << latencySvg(r, g) << "</div>\n";
  }
  const std::string best = bestMode(r);
  if (!best.empty()) {
    o << "<h2>Targets (" << htmlEscape(best) << " on real speech)</h2>\n"
      << tableHtml(targetsTable(r, "real", best));
  }
  for (const auto& g : lineGroups(r)) {
    o << "<h2>Caption lines, group " << htmlEscape(g) << "</h2>\n" << tableHtml(linesTable(r, g));
  }
  if (!r.timeline.item.empty()) {
    o << "<h2>Timeline: " << htmlEscape(r.timeline.item) << ", mode " << htmlEscape(r.timeline.mode)
      << "</h2>\n<p>Top: each word's audio end. Middle: every recognizer hypothesis at its "
         "arrival time (grey partial, black final). Bottom: what the engine forwarded, at "
         "emission time.</p>\n<div class=\"chart\">"
      << timelineSvg(r.timeline) << "</div>\n";
  }
  if (!r.sweep.empty()) {
    o << "<h2>Tuning sweep</h2>\n<p>Winner: <b>" << htmlEscape(r.sweep_winner) << "</b></p>\n"
      << tableHtml(sweepTable(r));
  }
  o << "<h2>Engine</h2>\n<p>" << fmt("%.0f", r.engine_events_per_second)
    << " recognizer events/s on one core; largest session state after finishing: "
    << r.engine_idle_session_bytes << " bytes.</p>\n</body></html>\n";
  return o.str();
}

std::string summaryText(const BenchResult& r) {
  std::ostringstream o;
  for (const auto& g : groupNames(r)) {
    o << "group " << g << ":\n";
    for (const auto& m : r.modes) {
      const ModeFigures* f = findFigures(r, g, m.name);
      if (!f) continue;
      char line[256];
      std::snprintf(
          line, sizeof line,
          "  %-16s p50 %5.2f s  p95 %5.2f s  disagreement %5.1f%%  fwd WER %5.1f%%%s\n",
          m.name.c_str(), f->latency_compute.p50, f->latency_compute.p95, f->disagreement_pct,
          f->forwarded_wer,
          f->chrf_vs_final_only >= 0 ? fmt("  chrF %.3f", f->chrf_vs_final_only).c_str() : "");
      o << line;
    }
  }
  const std::string best = bestMode(r);
  if (!best.empty()) {
    o << "targets (" << best << " on real speech):\n";
    for (const auto& row : targetsTable(r, "real", best).rows) {
      o << "  " << row[0] << " " << row[1] << ": " << row[2]
        << (row[3] == "yes" ? "  ok" : "  MISSED") << "\n";
    }
  }
  for (const auto& g : lineGroups(r)) {
    o << "caption lines, group " << g << ":\n";
    for (const auto& f : r.lines) {
      if (f.group != g) continue;
      char line[320];
      std::snprintf(line, sizeof line,
                    "  %-20s first %5.2f s  stable p50 %5.2f s p95 %5.2f s  erasure %.3f  "
                    "final chrF %.3f  spoken chrF %.3f  speech p50 %5.2f s  MT x%.2f%s\n",
                    f.mode.c_str(), f.first_display.p50, f.time_to_stable.p50, f.time_to_stable.p95,
                    f.normalized_erasure, f.final_chrf, f.spoken_chrf, f.speech_start.p50,
                    f.mt_chars_ratio, f.shipped ? "  (shipped)" : "");
      o << line;
    }
  }
  if (const std::string lane = bestLineLane(r.lines); !lane.empty()) {
    o << "caption lines: most targets met by " << lane << "\n";
  }
  if (!r.sweep_winner.empty()) o << "sweep winner: " << r.sweep_winner << "\n";
  return o.str();
}

core::Status writeReports(const std::string& dir, const BenchResult& r, const ReportMeta& meta) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return core::Error::unavailable("cannot create " + dir + ": " + ec.message());
  const std::pair<const char*, std::string> files[] = {{"report.json", reportJson(r, meta)},
                                                       {"report.md", reportMarkdown(r, meta)},
                                                       {"report.html", reportHtml(r, meta)}};
  for (const auto& [name, text] : files) {
    const std::string path = dir + "/" + name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return core::Error::unavailable("cannot write " + path);
  }
  return core::okStatus();
}

std::vector<std::string> checkReportSchema(const std::string& text) {
  std::vector<std::string> problems;
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return {"report is not a JSON object"};
  auto need = [&](const json& obj, const std::string& path, const char* key, auto pred,
                  const char* type) {
    if (!obj.is_object() || !obj.contains(key) || !pred(obj[key])) {
      problems.push_back(path + "." + key + " must be " + type);
      return false;
    }
    return true;
  };
  auto isNum = [](const json& v) { return v.is_number(); };
  auto isInt = [](const json& v) { return v.is_number_integer(); };
  auto isStr = [](const json& v) { return v.is_string(); };
  auto isBool = [](const json& v) { return v.is_boolean(); };
  auto isArr = [](const json& v) { return v.is_array(); };
  auto isObj = [](const json& v) { return v.is_object(); };
  if (need(j, "$", "schema", isStr, "a string") && j["schema"] != kReportSchema) {
    problems.push_back(std::string("$.schema must be \"") + kReportSchema + "\"");
  }
  need(j, "$", "quick", isBool, "a boolean");
  need(j, "$", "corpus", isStr, "a string");
  std::vector<std::string> groups, modes;
  if (need(j, "$", "groups", isArr, "an array")) {
    for (std::size_t i = 0; i < j["groups"].size(); ++i) {
      const json& g = j["groups"][i];
      const std::string p = "$.groups[" + std::to_string(i) + "]";
      if (need(g, p, "group", isStr, "a string")) groups.push_back(g["group"]);
      for (const char* k :
           {"audio_seconds", "compute_seconds", "rtf", "final_wer_pct", "normalized_erasure"}) {
        need(g, p, k, isNum, "a number");
      }
      for (const char* k : {"items", "reference_words", "final_words", "partial_events",
                            "final_events", "erased_tokens"}) {
        need(g, p, k, isInt, "an integer");
      }
    }
    if (groups.empty()) problems.push_back("$.groups must not be empty");
  }
  if (need(j, "$", "modes", isArr, "an array")) {
    for (std::size_t i = 0; i < j["modes"].size(); ++i) {
      const json& m = j["modes"][i];
      const std::string p = "$.modes[" + std::to_string(i) + "]";
      if (need(m, p, "name", isStr, "a string")) modes.push_back(m["name"]);
      need(m, p, "description", isStr, "a string");
      need(m, p, "mode", isStr, "a string");
      need(m, p, "settings", isArr, "an array");
    }
    for (const char* required : {"final-only", "runbook", "parley"}) {
      if (std::find(modes.begin(), modes.end(), required) == modes.end()) {
        problems.push_back(std::string("$.modes must include \"") + required + "\"");
      }
    }
  }
  if (need(j, "$", "figures", isArr, "an array")) {
    std::map<std::string, int> seen;
    for (std::size_t i = 0; i < j["figures"].size(); ++i) {
      const json& f = j["figures"][i];
      const std::string p = "$.figures[" + std::to_string(i) + "]";
      if (need(f, p, "group", isStr, "a string") &&
          std::find(groups.begin(), groups.end(), f["group"]) == groups.end()) {
        problems.push_back(p + ".group is not one of $.groups");
      }
      if (need(f, p, "mode", isStr, "a string") &&
          std::find(modes.begin(), modes.end(), f["mode"]) == modes.end()) {
        problems.push_back(p + ".mode is not one of $.modes");
      }
      if (f.is_object() && f.contains("group") && f.contains("mode")) {
        ++seen[f["group"].dump() + f["mode"].dump()];
      }
      if (need(f, p, "latency", isObj, "an object")) {
        for (const char* v : {"ideal", "compute"}) {
          if (!need(f["latency"], p + ".latency", v, isObj, "an object")) continue;
          for (const char* k : {"mean", "p50", "p95", "max"}) {
            need(f["latency"][v], p + ".latency." + v, k, isNum, "a number");
          }
          need(f["latency"][v], p + ".latency." + v, "count", isInt, "an integer");
        }
      }
      for (const char* k :
           {"disagreement_pct", "disagreement_pct_ideal", "forwarded_wer_pct", "final_wer_pct"}) {
        need(f, p, k, isNum, "a number");
      }
      for (const char* k : {"items", "segments", "final_words", "matched_words", "partial_words",
                            "partial_disagreements"}) {
        need(f, p, k, isInt, "an integer");
      }
      if (!f.contains("translation") ||
          !(f["translation"].is_null() || f["translation"].is_object())) {
        problems.push_back(p + ".translation must be an object or null");
      } else if (f["translation"].is_object()) {
        const json& t = f["translation"];
        for (const char* k : {"mt_chars_ratio", "tts_chars_ratio", "chrf_vs_final_only"}) {
          need(t, p + ".translation", k, isNum, "a number");
        }
        for (const char* k : {"mt_calls", "mt_chars", "tts_chars"}) {
          need(t, p + ".translation", k, isInt, "an integer");
        }
        if (!t.contains("chrf_vs_reference") ||
            !(t["chrf_vs_reference"].is_null() || t["chrf_vs_reference"].is_number())) {
          problems.push_back(p + ".translation.chrf_vs_reference must be a number or null");
        }
      }
      if (need(f, p, "targets", isArr, "an array")) {
        for (const auto& t : f["targets"]) {
          need(t, p + ".targets[]", "name", isStr, "a string");
          need(t, p + ".targets[]", "value", isNum, "a number");
          need(t, p + ".targets[]", "pass", isBool, "a boolean");
        }
      }
    }
    for (const auto& g : groups) {
      for (const auto& m : modes) {
        if (seen[json(g).dump() + json(m).dump()] != 1) {
          problems.push_back("$.figures must hold exactly one entry for group " + g + ", mode " +
                             m);
        }
      }
    }
  }
  if (need(j, "$", "sweep", isObj, "an object")) {
    need(j["sweep"], "$.sweep", "winner", isStr, "a string");
    need(j["sweep"], "$.sweep", "rows", isArr, "an array");
  }
  if (need(j, "$", "lines", isArr, "an array")) {
    for (std::size_t i = 0; i < j["lines"].size(); ++i) {
      const json& f = j["lines"][i];
      const std::string p = "$.lines[" + std::to_string(i) + "]";
      if (need(f, p, "group", isStr, "a string") &&
          std::find(groups.begin(), groups.end(), f["group"]) == groups.end()) {
        problems.push_back(p + ".group is not one of $.groups");
      }
      need(f, p, "mode", isStr, "a string");
      need(f, p, "shipped", isBool, "a boolean");
      for (const char* k : {"items", "results", "split_results", "lines", "revisions",
                            "final_tokens", "measured_tokens", "erased_tokens", "spoken_pieces",
                            "spoken_mismatches", "settled_changes", "mt_calls", "mt_chars"}) {
        need(f, p, k, isInt, "an integer");
      }
      for (const char* k : {"normalized_erasure", "final_chrf", "spoken_chrf", "mt_chars_ratio",
                            "mt_seconds_per_item"}) {
        need(f, p, k, isNum, "a number");
      }
      if (!f.contains("final_chrf_unsplit") ||
          !(f["final_chrf_unsplit"].is_null() || f["final_chrf_unsplit"].is_number())) {
        problems.push_back(p + ".final_chrf_unsplit must be a number or null");
      }
      for (const char* d : {"first_display", "time_to_stable", "speech_start"}) {
        if (!need(f, p, d, isObj, "an object")) continue;
        for (const char* k : {"mean", "p50", "p95", "max"}) {
          need(f[d], p + "." + d, k, isNum, "a number");
        }
        need(f[d], p + "." + d, "count", isInt, "an integer");
      }
      if (need(f, p, "targets", isArr, "an array")) {
        for (const auto& t : f["targets"]) {
          need(t, p + ".targets[]", "name", isStr, "a string");
          need(t, p + ".targets[]", "value", isNum, "a number");
          need(t, p + ".targets[]", "pass", isBool, "a boolean");
        }
      }
    }
  }
  if (need(j, "$", "engine", isObj, "an object")) {
    need(j["engine"], "$.engine", "events_per_second", isNum, "a number");
    need(j["engine"], "$.engine", "idle_session_bytes", isInt, "an integer");
  }
  if (need(j, "$", "timeline", isObj, "an object")) {
    need(j["timeline"], "$.timeline", "item", isStr, "a string");
    for (const char* k : {"hypotheses", "segments", "words"}) {
      need(j["timeline"], "$.timeline", k, isArr, "an array");
    }
  }
  return problems;
}

}  // namespace parley::bench
