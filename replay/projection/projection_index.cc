// ProjectionState's index in the form the persisted projection keeps it: exported per range of
// events, restored whole at start (see projection_state.h and replay/kept/PROJECTION_FORMAT.md).
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "ledger/core/event_validation.h"
#include "ledger/core/status_macros.h"
#include "replay/projection/projection_state.h"

namespace booo::replay {

using booo::v1::EventBody;

absl::Status ProjectionState::Restore(const ProjectionIndex& index) {
  absl::MutexLock catching_up(&catch_up_mutex_);
  absl::MutexLock lock(&mutex_);
  if (position_ != 0) {
    return absl::FailedPreconditionError("projection: restores only into an empty state");
  }
  if (index.first_sequence != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("projection index: starts at ", index.first_sequence, ", not at 0"));
  }
  const uint64_t size = index.entries.size();
  if (size > log_->Size()) {
    return absl::DataLossError(absl::StrCat("projection index: holds ", size,
                                            " events, the log ", log_->Size()));
  }
  // Municipality numbers in the order of their first events, as the catch-up hands them out.
  int32_t used = 0;
  for (const IndexEntry& entry : index.entries) used = std::max(used, entry.stream + 1);
  if (static_cast<size_t>(used) > index.codes.size()) {
    return absl::DataLossError(absl::StrCat("projection index: municipality number ", used - 1,
                                            " has no code"));
  }
  for (int32_t number = 0; number < used; ++number) {
    const std::string& code = index.codes[number];
    if (!stream_numbers_.try_emplace(code, number).second) {
      return absl::DataLossError(absl::StrCat("projection index: municipality ", code,
                                              " is numbered twice"));
    }
    stream_codes_.push_back(code);
    stream_facts_.push_back(&municipalities_[code]);
  }
  recorded_at_micros_.reserve(size);
  std::vector<uint64_t> parsed_sequences;  // rules and budget lines, read back below
  for (uint64_t sequence = 0; sequence < size; ++sequence) {
    const IndexEntry& entry = index.entries[sequence];
    recorded_at_micros_.push_back(entry.recorded_at_micros);
    if (entry.stream >= 0) {
      std::vector<StoredFact>& facts = *stream_facts_[static_cast<size_t>(entry.stream)];
      if (facts.empty() && entry.stream > 0 &&
          municipalities_.at(stream_codes_[entry.stream - 1]).empty()) {
        return absl::DataLossError(absl::StrCat(
            "projection index: sequence ", sequence, ": municipality number ", entry.stream,
            " appears before number ", entry.stream - 1));
      }
      facts.push_back(StoredFact{sequence, entry.business_day});
    } else if (entry.stream == IndexEntry::kRule || entry.stream == IndexEntry::kBudget) {
      parsed_sequences.push_back(sequence);
    } else if (entry.stream != IndexEntry::kOther) {
      return absl::DataLossError(absl::StrCat("projection index: sequence ", sequence,
                                              ": unknown stream ", entry.stream));
    }
  }
  RETURN_IF_ERROR(log_->ReadBodies(
      parsed_sequences,
      [&](size_t i, absl::string_view bytes, absl::string_view leaf_hash) -> absl::Status {
        const uint64_t sequence = parsed_sequences[i];
        const IndexEntry& entry = index.entries[sequence];
        EventBody* body = google::protobuf::Arena::CreateMessage<EventBody>(&arena_);
        if (absl::Status s = ledger::ParseEventBodyInto(bytes, *body); !s.ok()) {
          return absl::DataLossError(absl::StrCat("sequence ", sequence, ": ", s.message()));
        }
        const bool rule = entry.stream == IndexEntry::kRule;
        if (rule ? !body->has_rule_amended() : !body->has_budget_line_set()) {
          return absl::DataLossError(absl::StrCat("projection index: sequence ", sequence,
                                                  " is not the ", rule ? "rule amendment" : "budget line",
                                                  " the index names"));
        }
        EventRef ref{sequence, entry.recorded_at_micros, leaf_hash, body->event_id(),
                     entry.business_day};
        (rule ? rules_ : budget_).AddBorrowed(std::move(ref), body);
        return absl::OkStatus();
      }));
  position_ = size;
  return absl::OkStatus();
}

absl::StatusOr<ProjectionIndex> ProjectionState::Reader::ExportIndex(uint64_t from) const {
  state_.mutex_.AssertReaderHeld();
  const uint64_t position = state_.position_;
  if (from > position) {
    return absl::OutOfRangeError(
        absl::StrCat("projection index: from ", from, " is past the position ", position));
  }
  ProjectionIndex out;
  out.first_sequence = from;
  out.entries.resize(position - from);
  for (uint64_t s = from; s < position; ++s) {
    out.entries[s - from].recorded_at_micros = state_.recorded_at_micros_[s];
  }
  // Numbers by first appearance, as the catch-up handed them out.
  std::vector<std::pair<uint64_t, const std::string*>> firsts;
  for (const auto& [code, facts] : state_.municipalities_) {
    if (!facts.empty()) firsts.emplace_back(facts.front().sequence, &code);
  }
  std::sort(firsts.begin(), firsts.end());
  for (size_t number = 0; number < firsts.size(); ++number) {
    out.codes.push_back(*firsts[number].second);
    const std::vector<StoredFact>& facts = state_.municipalities_.at(out.codes.back());
    auto it = std::partition_point(facts.begin(), facts.end(),
                                   [&](const StoredFact& f) { return f.sequence < from; });
    for (; it != facts.end(); ++it) {
      IndexEntry& entry = out.entries[it->sequence - from];
      entry.business_day = static_cast<int32_t>(it->business_day);
      entry.stream = static_cast<int32_t>(number);
    }
  }
  for (const auto& [records, stream] :
       {std::pair{&state_.rules_, IndexEntry::kRule}, std::pair{&state_.budget_, IndexEntry::kBudget}}) {
    for (const FactRecord& record : records->records()) {
      if (record.ref.sequence < from) continue;
      IndexEntry& entry = out.entries[record.ref.sequence - from];
      entry.business_day = static_cast<int32_t>(record.ref.business_day);
      entry.stream = stream;
    }
  }
  return out;
}

size_t ProjectionState::IndexBytes() const {
  absl::ReaderMutexLock lock(&mutex_);
  size_t bytes = recorded_at_micros_.capacity() * sizeof(int64_t);
  for (const auto& [code, facts] : municipalities_) {
    bytes += facts.capacity() * sizeof(StoredFact) + code.capacity();
  }
  return bytes;
}

}  // namespace booo::replay
