// Options the grant commands share: the known-at point, dates, and rule book files.
#ifndef BOOO_TOOLS_LEDGERCTL_GRANT_OPTIONS_H_
#define BOOO_TOOLS_LEDGERCTL_GRANT_OPTIONS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "booo/v1/events.pb.h"
#include "booo/v1/grants_service.pb.h"
#include "replay/rulebook/rule_book.h"
#include "tools/ledgerctl/verified_export.h"

namespace booo::ledgerctl {

struct KnownAtArgs {
  int64_t tree_size = -1;     // --known-at-size
  std::string time;           // --known-at-time: RFC 3339 or microseconds since the epoch
  std::string business_date;  // --known-on YYYY-MM-DD
  // At most one may be given; none: now.
  absl::StatusOr<booo::v1::KnownAt> ToProto() const;
};
void AddKnownAtOptions(CLI::App& command, KnownAtArgs& args);

struct GrantArgs {
  std::string municipality;
  int year = 0;
  std::string scope_from;
  std::string scope_to;
  std::string format = "text";
  OfflineSource offline;
  KnownAtArgs known_at;
  uint32_t trace_depth = 0;  // --trace-depth
  std::string trace_path;    // --trace-path
};

struct BalancesArgs {
  int year = 0;
  std::string format = "text";
  OfflineSource offline;
  KnownAtArgs known_at;
};

struct SimulateArgs {
  std::string amendment_file;
  std::vector<int> years;
  std::string format = "text";
  OfflineSource offline;
  KnownAtArgs known_at;
};

using rulebook::ParseDate;
using rulebook::ReadAmendmentFile;
using rulebook::ReadRuleBook;
using rulebook::RuleBookAmendment;

}  // namespace booo::ledgerctl

#endif  // BOOO_TOOLS_LEDGERCTL_GRANT_OPTIONS_H_
