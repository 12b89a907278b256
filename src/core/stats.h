// Summary statistics of a sample, one definition for every report (parley replay's summary,
// parley run's mode comparison, the bench's figures, the translate micro-benchmark): the mean,
// and nearest-rank percentiles: the p-th percentile is the ceil(p * n)-th smallest value
// (1-based, at least the first). Pure functions.
#pragma once

#include <vector>

namespace parley::core {

// Count, mean, p50, p95 and max of a sample; all zero when it is empty.
struct Summary {
  long long count = 0;
  double mean = 0;
  double p50 = 0;
  double p95 = 0;
  double max = 0;
};
Summary summarize(std::vector<double> values);

// The nearest-rank p-th percentile (p in [0, 1]) of a sample; 0 when it is empty.
double percentile(std::vector<double> values, double p);

}  // namespace parley::core
