#include "replay/calc/facts.h"

#include <algorithm>

#include "ledger/core/event_validation.h"
#include "ledger/core/status_macros.h"

namespace booo::replay {

bool IsVisible(const EventRef& ref, const KnownAt& at) {
  if (ref.sequence >= at.tree_size) return false;
  return !at.business_day || ref.business_day <= *at.business_day;
}

void StreamRecords::Add(EventRef ref, booo::v1::EventBody body) {
  if (owned_ == nullptr) owned_ = std::make_shared<google::protobuf::Arena>();
  auto* stored = google::protobuf::Arena::CreateMessage<booo::v1::EventBody>(owned_.get());
  *stored = std::move(body);
  AddBorrowed(std::move(ref), stored);
}

absl::Status StreamRecords::AddSerialized(EventRef ref, absl::string_view body_bytes) {
  if (owned_ == nullptr) owned_ = std::make_shared<google::protobuf::Arena>();
  auto* body = google::protobuf::Arena::CreateMessage<booo::v1::EventBody>(owned_.get());
  RETURN_IF_ERROR(ledger::ParseEventBodyInto(body_bytes, *body));
  ref.event_id = body->event_id();
  AddBorrowed(std::move(ref), body);
  return absl::OkStatus();
}

void StreamRecords::AddBorrowed(EventRef ref, const booo::v1::EventBody* body) {
  FactRecord record;
  record.ref = std::move(ref);
  record.body = body;
  record.first_business_day = record.ref.business_day;
  if (!body->supersedes_event_id().empty()) {
    record.supersedes = Find(body->supersedes_event_id());
    record.corrects.push_back(body->supersedes_event_id());
    if (record.supersedes >= 0) {
      const FactRecord& earlier = records_[record.supersedes];
      record.corrects.insert(record.corrects.end(), earlier.corrects.begin(),
                             earlier.corrects.end());
      record.first_business_day = std::min(record.first_business_day, earlier.first_business_day);
    }
  }
  by_id_[body->event_id()] = static_cast<int32_t>(records_.size());
  records_.push_back(std::move(record));
}

bool Answers(const FactRecord& record, const std::string& event_id) {
  if (record.ref.event_id == event_id) return true;
  for (const std::string& id : record.corrects) {
    if (id == event_id) return true;
  }
  return false;
}

int32_t StreamRecords::Find(const std::string& event_id) const {
  auto it = by_id_.find(event_id);
  return it == by_id_.end() ? -1 : it->second;
}

size_t StreamRecords::MemoryBytes() const {
  const size_t arena = owned_ ? static_cast<size_t>(owned_->SpaceAllocated()) : 0;
  return arena + records_.capacity() * sizeof(FactRecord) +
         by_id_.capacity() * (sizeof(absl::string_view) + sizeof(int32_t) + 1);
}

std::vector<const FactRecord*> SelectCurrent(const std::vector<FactRecord>& stream,
                                             const KnownAt& at) {
  return SelectCurrentIf(stream, [&](size_t i) { return IsVisible(stream[i].ref, at); });
}

std::vector<const FactRecord*> SelectCurrentIf(const std::vector<FactRecord>& stream,
                                               const std::function<bool(size_t)>& is_visible) {
  std::vector<bool> visible(stream.size());
  std::vector<bool> replaced(stream.size());
  for (size_t i = 0; i < stream.size(); ++i) visible[i] = is_visible(i);
  // A visible correction replaces its whole chain of predecessors, even one whose direct
  // successor is not visible (a correction of a correction, known in a different order).
  for (size_t i = stream.size(); i-- > 0;) {
    if (!visible[i]) continue;
    for (int32_t p = stream[i].supersedes; p >= 0 && !replaced[p]; p = stream[p].supersedes) {
      replaced[p] = true;
    }
  }
  std::vector<const FactRecord*> current;
  for (size_t i = 0; i < stream.size(); ++i) {
    if (visible[i] && !replaced[i]) current.push_back(&stream[i]);
  }
  return current;
}

}  // namespace booo::replay
