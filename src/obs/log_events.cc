#include "obs/log_events.h"

namespace parley::obs {
namespace {

const LogEventSpec kEvents[] = {
    {"transcribe_unhealthy", "WARN", "engine", "Transcribe service appears unhealthy",
     "no recognizer event for health_timeout while audio kept arriving: final-only fallback"},
    {"transcribe_recovered", "INFO", "engine", "",
     "recognizer events resumed: back to partial mode"},
    {"stability_unavailable", "WARN", "engine", "stability scores unavailable",
     "once per session: no stability signal, the stability_fallback policy is used"},
    {"rate_limited", "DEBUG", "engine", "Rate limit",
     "partial updates coalesced by max_rate_per_second (counted, not logged per update above "
     "DEBUG)"},
    {"orphan_flushed", "INFO", "engine", "Flushing orphaned result",
     "a result with no update for orphan_timeout was flushed"},
    {"discrepancy", "INFO", "engine", "discrepancy",
     "a final contradicted forwarded words; WARN when the Levenshtein distance exceeds 20%"},
    {"duplicate_detected", "INFO", "engine", "Duplicate result suppressed",
     "a whole result repeating another result's text within dedup_cache_ttl was suppressed"},
    {"late_event", "DEBUG", "engine", "", "an event for an already finalized result was ignored"},
    {"invalid_event", "ERROR", "engine", "recognizer event rejected",
     "an event with an empty id, bad times or stability outside [0, 1] was ignored"},
    {"mode_switch", "INFO", "engine", "",
     "the session switched between partial and final-only (flag change, kill switch)"},
    {"flag_fetch_failed", "WARN", "flags", "Error fetching parameter",
     "the parameter store failed: last known good value (STALE) or defaults (DEFAULT); once "
     "per outage"},
    {"alarm_firing", "WARN", "obs", "", "an alarm of docs/alarms.md started firing"},
    {"alarm_cleared", "INFO", "obs", "", "an alarm stopped firing"},
    {"rollout_controller_action", "WARN", "obs", "",
     "the automatic rollback controller disabled or changed the rollout (INFO for promotions)"},
    {"rollout_controller_alert", "WARN", "obs", "",
     "hold-and-alert row of the decision matrix (orphaned results per session)"},
};

}  // namespace

std::span<const LogEventSpec> logEventTable() { return kEvents; }

}  // namespace parley::obs
