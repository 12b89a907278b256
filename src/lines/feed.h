// LineFeed: one LineTracker and one LineView wired together, for callers that follow one
// language (parley replay --lines, the golden line scenarios, tests). Give it each recognizer
// event BEFORE the engine sees it, each engine segment after, and finish() at the end of the
// stream; it returns the revisions in order. Pure, like the rest of src/lines.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/types.h"
#include "lines/lines.h"

namespace parley::lines {

class LineFeed {
 public:
  LineFeed(LineConfig config, TranslateFn translate);

  std::vector<Revision> onEvent(const engine::RecognizerEvent& event);
  std::vector<Revision> onSegment(const engine::Segment& segment);
  std::vector<Revision> finish();

  const LineTracker& tracker() const { return tracker_; }
  const LineView& view() const { return view_; }

 private:
  std::vector<Revision> view(const std::vector<SourceLine>& lines);

  LineTracker tracker_;
  LineView view_;
};

// One revision as the JSON object `parley replay --lines` prints (no newline):
// {"type":"line","lang","line","rev","text","stable_chars","final","confirmed","source_text",
//  "audio_start","audio_end"}; numbers with at most 6 decimals, shortest form.
std::string formatRevisionJson(std::string_view lang, const Revision& revision);

}  // namespace parley::lines
