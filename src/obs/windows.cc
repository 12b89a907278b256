#include "obs/windows.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace parley::obs {
namespace {

long long slotOf(double t, double slot) { return static_cast<long long>(std::ceil(t / slot)); }
long long firstSlot(double from, double slot) {
  return static_cast<long long>(std::floor(from / slot)) + 1;
}

}  // namespace

void WindowedCounter::add(double t, double amount) {
  if (!std::isfinite(t) || !std::isfinite(amount) || amount == 0) return;
  long long k = slotOf(t, slot_);
  if (!slots_.empty() && slots_.back().first == k) {
    slots_.back().second += amount;
    return;
  }
  // Late samples (t earlier than the newest slot) are rare: insert in order.
  auto it = std::lower_bound(slots_.begin(), slots_.end(), k,
                             [](const auto& s, long long key) { return s.first < key; });
  if (it != slots_.end() && it->first == k) {
    it->second += amount;
  } else {
    slots_.insert(it, {k, amount});
  }
}

double WindowedCounter::sum(double from, double to) const {
  long long lo = firstSlot(from, slot_);
  long long hi = slotOf(to, slot_);
  double total = 0;
  for (const auto& [k, v] : slots_) {
    if (k >= lo && k <= hi) total += v;
  }
  return total;
}

void WindowedCounter::prune(double before) {
  long long lo = firstSlot(before, slot_);
  while (!slots_.empty() && slots_.front().first < lo) slots_.pop_front();
}

WindowedHistogram::WindowedHistogram(std::vector<double> bounds, double slot_seconds)
    : bounds_(std::move(bounds)), slot_(slot_seconds) {}

void WindowedHistogram::observe(double t, double value) {
  if (!std::isfinite(t) || std::isnan(value)) return;
  std::size_t b = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  long long k = slotOf(t, slot_);
  auto it = std::lower_bound(slots_.begin(), slots_.end(), k,
                             [](const auto& s, long long key) { return s.first < key; });
  if (it == slots_.end() || it->first != k) {
    it = slots_.insert(it, {k, std::vector<double>(bounds_.size() + 1, 0.0)});
  }
  it->second[b] += 1;
}

std::vector<double> WindowedHistogram::cumulative(double from, double to) const {
  long long lo = firstSlot(from, slot_);
  long long hi = slotOf(to, slot_);
  std::vector<double> counts(bounds_.size() + 1, 0.0);
  for (const auto& [k, v] : slots_) {
    if (k < lo || k > hi) continue;
    for (std::size_t i = 0; i < v.size(); ++i) counts[i] += v[i];
  }
  for (std::size_t i = 1; i < counts.size(); ++i) counts[i] += counts[i - 1];
  return counts;
}

double WindowedHistogram::count(double from, double to) const {
  return cumulative(from, to).back();
}

double WindowedHistogram::quantile(double q, double from, double to) const {
  auto cum = cumulative(from, to);
  return histogramQuantile(q, bounds_, cum);
}

void WindowedHistogram::prune(double before) {
  long long lo = firstSlot(before, slot_);
  while (!slots_.empty() && slots_.front().first < lo) slots_.pop_front();
}

double histogramQuantile(double q, std::span<const double> bounds,
                         std::span<const double> cumulative) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (cumulative.empty() || cumulative.size() != bounds.size() + 1) return nan;
  double total = cumulative.back();
  if (!(total > 0) || std::isnan(q)) return nan;
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  double rank = q * total;
  std::size_t b = 0;
  while (b < cumulative.size() - 1 && cumulative[b] < rank) ++b;
  if (b == bounds.size()) return bounds.empty() ? nan : bounds.back();  // in the +Inf bucket
  double start = 0;
  double below = 0;
  if (b > 0) {
    start = bounds[b - 1];
    below = cumulative[b - 1];
  } else if (bounds[0] <= 0) {
    return bounds[0];
  }
  double in_bucket = cumulative[b] - below;
  if (in_bucket <= 0) return bounds[b];
  return start + (bounds[b] - start) * ((rank - below) / in_bucket);
}

SignalWindows::SignalWindows(double horizon_seconds)
    : horizon_(horizon_seconds), counters_(static_cast<std::size_t>(kSignalCount * kModeCount)) {
  for (int d = 0; d < kModeCount; ++d) {
    latency_.emplace_back(metricSpec(MetricId::kWordLatency).buckets);
  }
}

void SignalWindows::add(Signal s, engine::Mode d, double t, double amount) {
  counters_[static_cast<std::size_t>(static_cast<int>(s) * kModeCount + static_cast<int>(d))].add(
      t, amount);
}

void SignalWindows::addUnattributedError(double t, double amount) {
  unattributed_errors_.add(t, amount);
}

void SignalWindows::observeWordLatency(engine::Mode d, double t, double seconds) {
  latency_[static_cast<int>(d)].observe(t, seconds);
}

void SignalWindows::sessionStarted(engine::Mode d, const std::string& session_id, double t) {
  sessions_[session_id] = {d, t, std::numeric_limits<double>::infinity()};
}

void SignalWindows::sessionEnded(const std::string& session_id, double t) {
  auto it = sessions_.find(session_id);
  if (it != sessions_.end() && std::isinf(it->second.end)) it->second.end = t;
}

double SignalWindows::sum(Signal s, engine::Mode d, double from, double to) const {
  return counters_[static_cast<std::size_t>(static_cast<int>(s) * kModeCount + static_cast<int>(d))]
      .sum(from, to);
}

double SignalWindows::errorsAll(double from, double to) const {
  return sum(Signal::kErrors, engine::Mode::kPartial, from, to) +
         sum(Signal::kErrors, engine::Mode::kFinalOnly, from, to) +
         unattributed_errors_.sum(from, to);
}

int SignalWindows::sessionsActive(engine::Mode d, double from, double to) const {
  int n = 0;
  for (const auto& [id, span] : sessions_) {
    if (span.decision == d && span.start <= to && span.end > from) ++n;
  }
  return n;
}

void SignalWindows::complaintFrom(engine::Mode d, const std::string& listener, double t) {
  if (!std::isfinite(t)) return;
  auto& c = complainers_[listener];
  c.decision = d;
  c.times.insert(std::upper_bound(c.times.begin(), c.times.end(), t), t);
}

int SignalWindows::complainingListeners(engine::Mode d, double from, double to) const {
  int n = 0;
  for (const auto& [id, c] : complainers_) {
    if (c.decision != d) continue;
    if (std::any_of(c.times.begin(), c.times.end(),
                    [&](double t) { return t > from && t <= to; })) {
      ++n;
    }
  }
  return n;
}

void SignalWindows::prune(double now) {
  double before = now - horizon_;
  for (auto& c : counters_) c.prune(before);
  unattributed_errors_.prune(before);
  for (auto& h : latency_) h.prune(before);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second.end < before)
      it = sessions_.erase(it);
    else
      ++it;
  }
  for (auto it = complainers_.begin(); it != complainers_.end();) {
    auto& times = it->second.times;
    while (!times.empty() && times.front() < before) times.pop_front();
    if (times.empty())
      it = complainers_.erase(it);
    else
      ++it;
  }
}

}  // namespace parley::obs
