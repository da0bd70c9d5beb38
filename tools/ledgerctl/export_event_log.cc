#include "tools/ledgerctl/export_event_log.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "ledger/core/export_file.h"
#include "ledger/core/leaf_format.h"
#include "ledger/core/merkle.h"
#include "ledger/core/status_macros.h"
#include "ledger/core/strict_wire.h"

namespace booo::ledgerctl {

absl::StatusOr<std::unique_ptr<ExportEventLog>> ExportEventLog::Open(std::string bytes,
                                                                    const std::string& name) {
  auto log = std::unique_ptr<ExportEventLog>(new ExportEventLog());
  log->bytes_ = std::move(bytes);
  size_t count = 0;
  RETURN_IF_ERROR(ledger::ForEachExportLeaf(log->bytes_, name, [&](absl::string_view) {
    ++count;
    return absl::OkStatus();
  }));
  log->events_.reserve(count);
  RETURN_IF_ERROR(ledger::ForEachExportLeaf(
      log->bytes_, name, [&](absl::string_view bytes) -> absl::Status {
        ASSIGN_OR_RETURN(ledger::LeafView leaf, ledger::DecodeLeafView(bytes));
        if (leaf.sequence != log->events_.size()) {
          return absl::DataLossError(absl::StrCat("export ", name, ": leaf ", log->events_.size(),
                                                  " holds sequence ", leaf.sequence));
        }
        const ledger::Hash hash = ledger::HashLeaf(std::string_view(bytes.data(), bytes.size()));
        Event event{leaf.recorded_at_micros, leaf.body, {}};
        std::copy(hash.begin(), hash.end(), event.leaf_hash.begin());
        log->events_.push_back(event);
        return absl::OkStatus();
      }));
  return log;
}

absl::StatusOr<std::optional<uint64_t>> ExportEventLog::FindEventId(
    const std::string& event_id) const {
  // EventBody.event_id is field 1; the bodies were judged strictly by the verification.
  for (size_t i = 0; i < events_.size(); ++i) {
    if (ledger::TopLevelStringField(events_[i].body, 1) == event_id) {
      return std::optional<uint64_t>(i);
    }
  }
  return std::optional<uint64_t>();
}

ledger::Hash ExportEventLog::RootAt(uint64_t size) const {
  ledger::CompactRange range;
  for (uint64_t i = 0; i < size && i < events_.size(); ++i) {
    ledger::Hash hash;
    std::copy(events_[i].leaf_hash.begin(), events_[i].leaf_hash.end(), hash.begin());
    range.Append(hash);
  }
  return range.Root();
}

}  // namespace booo::ledgerctl
