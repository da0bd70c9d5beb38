#include "tools/ledgerctl/grant_options.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "ledger/core/civil_date.h"
#include "ledger/core/status_macros.h"

namespace booo::ledgerctl {

absl::StatusOr<booo::v1::KnownAt> KnownAtArgs::ToProto() const {
  booo::v1::KnownAt at;
  const int given = (tree_size >= 0) + !time.empty() + !business_date.empty();
  if (given > 1) {
    return absl::InvalidArgumentError(
        "known_at: give at most one of --known-at-size, --known-at-time, --known-on");
  }
  if (tree_size >= 0) at.set_tree_size(static_cast<uint64_t>(tree_size));
  if (!business_date.empty()) {
    ASSIGN_OR_RETURN(*at.mutable_business_date(), ParseDate(business_date, "--known-on"));
  }
  if (!time.empty()) {
    int64_t micros = 0;
    absl::Time parsed;
    std::string error;
    if (absl::SimpleAtoi(time, &micros)) {
      at.set_recorded_at_micros(micros);
    } else if (absl::ParseTime(absl::RFC3339_full, time, &parsed, &error)) {
      at.set_recorded_at_micros(absl::ToUnixMicros(parsed));
    } else {
      return absl::InvalidArgumentError(absl::StrCat("--known-at-time: \"", time, "\": ", error));
    }
  }
  return at;
}

void AddKnownAtOptions(CLI::App& command, KnownAtArgs& args) {
  command.add_option("--known-at-size", args.tree_size,
                     "as recorded: the first N events of the log");
  command.add_option("--known-at-time", args.time,
                     "as recorded at this time (RFC 3339, or microseconds since the epoch)");
  command.add_option("--known-on", args.business_date, "as known on this business date YYYY-MM-DD");
}

}  // namespace booo::ledgerctl
