// Subtitle files from transcript rows: SubRip (.srt) and WebVTT (.vtt). Cue times are the rows'
// audio times; a cue shorter than min_duration is stretched so it stays readable, never past
// the next cue's start. Pure functions.
#pragma once

#include <string>
#include <vector>

#include "storage/store.h"

namespace parley::storage {

// "00:01:02,345" (srt) or "00:01:02.345" (vtt).
std::string formatCueTime(double seconds, char millis_separator);

std::string toSrt(const std::vector<TranscriptEntry>& rows, double min_duration = 1.0);
std::string toVtt(const std::vector<TranscriptEntry>& rows, double min_duration = 1.0);

}  // namespace parley::storage
