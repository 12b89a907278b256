#include "core/stats.h"

#include <algorithm>
#include <cmath>

namespace parley::core {

namespace {

// `sorted` is not empty. The 1e-9 keeps a p * n that lands a rounding error above an integer on
// that integer's rank.
double nearestRank(const std::vector<double>& sorted, double p) {
  const std::size_t n = sorted.size();
  auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(n) - 1e-9));
  return sorted[std::clamp<std::size_t>(rank, 1, n) - 1];
}

}  // namespace

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return nearestRank(values, p);
}

Summary summarize(std::vector<double> values) {
  Summary s;
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  s.count = static_cast<long long>(values.size());
  double sum = 0;
  for (double v : values) sum += v;
  s.mean = sum / static_cast<double>(values.size());
  s.p50 = nearestRank(values, 0.50);
  s.p95 = nearestRank(values, 0.95);
  s.max = values.back();
  return s;
}

}  // namespace parley::core
