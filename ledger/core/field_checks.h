// The checks every field rule is made of, shared by the ledger's own validation and by the
// domain's payload rules (ledger/core/payload_rules.h). Each names the field in its message:
// INVALID_ARGUMENT "field: why", or OUT_OF_RANGE for an amount or a count over its limit.
#ifndef BOOO_LEDGER_CORE_FIELD_CHECKS_H_
#define BOOO_LEDGER_CORE_FIELD_CHECKS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace booo::ledger {

// Upper bound for any single amount: EUR 1 trillion. Far above any real figure, far below
// int64's limit, so sums of many amounts stay checkable. Above it: OUT_OF_RANGE.
inline constexpr int64_t kMaxAmountCents = 100'000'000'000'000;
// Upper bound for counts of places and persons (the whole country has far fewer).
inline constexpr int64_t kMaxCount = 10'000'000;
inline constexpr size_t kMaxEventIdBytes = 128;
inline constexpr size_t kMaxTextBytes = 4096;

absl::Status Invalid(absl::string_view field, absl::string_view why);
// "prefix.field".
std::string FieldPath(absl::string_view prefix, absl::string_view field);
absl::Status CheckMunicipality(absl::string_view code, absl::string_view field);
absl::Status CheckAmount(int64_t cents, absl::string_view field);
absl::Status CheckCount(int64_t count, absl::string_view field);
absl::Status CheckText(absl::string_view text, absl::string_view field, bool required);
absl::Status CheckRefEventId(absl::string_view id, absl::string_view field);
// An enum field: set (not 0) and a value `is_valid` knows.
template <typename IsValidFn>
absl::Status CheckEnum(int value, absl::string_view field, IsValidFn is_valid) {
  if (value == 0) return Invalid(field, "is required");
  if (!is_valid(value)) return Invalid(field, absl::StrCat("unknown value ", value));
  return absl::OkStatus();
}

}  // namespace booo::ledger

#endif  // BOOO_LEDGER_CORE_FIELD_CHECKS_H_
