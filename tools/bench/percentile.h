// The benchmark's one percentile: nearest rank over a sorted copy, 0 for no samples.
#ifndef BOOO_TOOLS_BENCH_PERCENTILE_H_
#define BOOO_TOOLS_BENCH_PERCENTILE_H_

#include <algorithm>
#include <vector>

namespace booo::bench {

inline double Percentile(std::vector<double> samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  return samples[std::min(samples.size() - 1, static_cast<size_t>(p * (samples.size() - 1) + 0.5))];
}

}  // namespace booo::bench

#endif  // BOOO_TOOLS_BENCH_PERCENTILE_H_
