// KeptAnswers: answers computed at the head, kept across restarts by the persisted projection
// (replay/kept/projection_store.h). An answer holds while the versions it was computed
// at still hold: the number of rule records and of the municipality's events. The log only
// grows, so equal versions mean the same facts and the same rules, and the same answer.
//
// Keeping is an optimisation, never the truth: a Get that finds nothing (or an answer of other
// versions) makes the caller compute, and a Put that fails loses nothing but time later.
#ifndef BOOO_REPLAY_PROJECTION_KEPT_ANSWERS_H_
#define BOOO_REPLAY_PROJECTION_KEPT_ANSWERS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace booo::replay {

struct KeptAnswer {
  uint64_t rules_version = 0;   // rule records the answer was computed with
  uint64_t stream_version = 0;  // the municipality's events it was computed from
  // The log's size when it was computed: a restart keeps only answers made within the part of
  // the log its kept index proves (an answer made past it may come from events a crash and a
  // cut log no longer hold).
  uint64_t tree_size = 0;
  std::string bytes;  // the answer, in the form its user keeps it
};

class KeptAnswers {
 public:
  // What `year` 0 stands for: the municipality's spending years with facts (not a grant).
  static constexpr int32_t kYearsWithFacts = 0;

  virtual ~KeptAnswers() = default;
  // The answer kept for (municipality, year), whatever its versions; nullopt when none is, or
  // the kept one was made by another calculation (see replay/calc/calculation_version.h).
  virtual std::optional<KeptAnswer> Get(absl::string_view code, int32_t year) const = 0;
  // Keeps an answer, replacing the one before.
  virtual void Put(absl::string_view code, int32_t year, const KeptAnswer& answer) = 0;
};

// The bytes of a kept kYearsWithFacts answer: each year as two little-endian bytes (spending
// years are 2022..9999); nullopt for bytes that are not such a list.
std::string EncodeKeptYears(const std::vector<int32_t>& years);
std::optional<std::vector<int32_t>> DecodeKeptYears(absl::string_view bytes);

}  // namespace booo::replay

#endif  // BOOO_REPLAY_PROJECTION_KEPT_ANSWERS_H_
