#include "replay/projection/projection_state.h"

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ledger/core/civil_date.h"
#include "ledger/core/event_validation.h"
#include "ledger/core/status_macros.h"
#include "replay/calc/stop_when.h"
#include "replay/projection/event_header.h"

namespace booo::replay {
namespace {

using booo::v1::EventBody;
constexpr uint64_t kCatchUpChunk = 65536;  // events read per lock hold
constexpr char kMunicipalityStreamPrefix[] = "municipality/";

void AddYears(const booo::v1::DateRange& period, std::set<int32_t>& years) {
  for (int32_t y = period.first_day().year(); y <= period.last_day().year(); ++y) years.insert(y);
}

}  // namespace

std::string EncodeKeptYears(const std::vector<int32_t>& years) {
  std::string out;
  for (int32_t y : years) {
    out.push_back(static_cast<char>(y & 0xff));
    out.push_back(static_cast<char>((y >> 8) & 0xff));
  }
  return out;
}

std::optional<std::vector<int32_t>> DecodeKeptYears(absl::string_view bytes) {
  if (bytes.size() % 2 != 0) return std::nullopt;
  std::vector<int32_t> years;
  for (size_t i = 0; i < bytes.size(); i += 2) {
    years.push_back(static_cast<uint8_t>(bytes[i]) | (static_cast<uint8_t>(bytes[i + 1]) << 8));
  }
  return years;
}

absl::Status ProjectionState::CatchUp() {
  absl::MutexLock catching_up(&catch_up_mutex_);
  std::vector<ReadEvent> read;  // one chunk's, reused
  read.reserve(kCatchUpChunk);
  // Read before the size: every event recorded before it is then within the size.
  const std::optional<int64_t> settled = log_->SettledBeforeMicros();
  for (;;) {
    uint64_t from;
    {
      absl::ReaderMutexLock lock(&mutex_);
      from = position_;
    }
    const uint64_t size = log_->Size();
    if (size <= from) {
      // Caught up to a size read after `settled`: every event recorded before it is held. No
      // exclusive lock when nothing is new: a reader's position cannot move while it reads,
      // and the settled time only rises.
      const int64_t value = settled.value_or(kEverythingSettled);
      int64_t previous = settled_before_micros_.load();
      while (previous < value && !settled_before_micros_.compare_exchange_weak(previous, value)) {
      }
      return absl::OkStatus();
    }
    const uint64_t end = std::min(size, from + kCatchUpChunk);
    // Reading happens outside the lock; the exclusive lock is held only to move the records
    // in, so queries wait for one chunk's moves at most. Checked on use: what is kept parsed
    // (rules, budget lines) is checked here, a municipality's bodies when a query reads them
    // back (ReadBodies); the rest is not used.
    read.clear();
    RETURN_IF_ERROR(log_->Scan(
        from, end,
        [&](const LoggedEvent& event) -> absl::Status {
          catch_up_mutex_.AssertHeld();  // held by this CatchUp; tells the analysis too
          ASSIGN_OR_RETURN(ReadEvent r, Read(event));
          read.push_back(std::move(r));
          return absl::OkStatus();
        },
        ScanChecks::kOnUse));
    absl::MutexLock lock(&mutex_);
    if (recorded_at_micros_.capacity() < size) {
      // Once for a rebuild rather than by doubling; geometrically as the log grows after.
      recorded_at_micros_.reserve(std::max<size_t>(size, 2 * recorded_at_micros_.capacity()));
    }
    for (ReadEvent& event : read) RETURN_IF_ERROR(Ingest(std::move(event)));
  }
}

uint64_t ProjectionState::position() const {
  absl::ReaderMutexLock lock(&mutex_);
  return position_;
}

absl::StatusOr<ProjectionState::ReadEvent> ProjectionState::Read(const LoggedEvent& event) {
  auto data_loss = [&](const absl::Status& s) {
    return absl::DataLossError(absl::StrCat("sequence ", event.sequence, ": ", s.message()));
  };
  absl::StatusOr<EventHeader> header = ReadEventHeader(event.body);
  if (!header.ok()) return data_loss(header.status());
  ReadEvent read;
  EventRef& ref = read.ref;
  ref.sequence = event.sequence;
  ref.recorded_at_micros = event.recorded_at_micros;
  ref.business_day =
      header->business_day.value_or(event.recorded_at_micros / ledger::kMicrosPerDay);
  if (header->payload_field == EventBody::kRuleAmended ||
      header->payload_field == EventBody::kBudgetLineSet) {
    // Few and read by every query: checked and parsed once, kept parsed.
    ASSIGN_OR_RETURN(std::string leaf_hash, log_->CheckEvent(event));
    ref.leaf_hash = leaf_hash;
    EventBody* body = google::protobuf::Arena::CreateMessage<EventBody>(&arena_);
    if (absl::Status s = ledger::ParseEventBodyInto(event.body, *body); !s.ok()) {
      return data_loss(s);
    }
    ref.event_id = body->event_id();
    read.body = body;
  } else if (absl::StartsWith(header->stream, kMunicipalityStreamPrefix)) {
    // The stream names the municipality its payload does (the ledger admits no other).
    const absl::string_view code =
        header->stream.substr(absl::string_view(kMunicipalityStreamPrefix).size());
    auto [it, added] =
        stream_numbers_.try_emplace(code, static_cast<int32_t>(stream_codes_.size()));
    if (added) stream_codes_.emplace_back(code);
    read.municipality = it->second;
  }
  return read;
}

absl::Status ProjectionState::Ingest(ReadEvent event) {
  if (event.ref.sequence != position_) {
    return absl::DataLossError(absl::StrCat("projection: expected sequence ", position_,
                                            ", the log returned ", event.ref.sequence));
  }
  recorded_at_micros_.push_back(event.ref.recorded_at_micros);
  if (event.body != nullptr && event.body->has_rule_amended()) {
    rules_.AddBorrowed(std::move(event.ref), event.body);
  } else if (event.body != nullptr) {
    budget_.AddBorrowed(std::move(event.ref), event.body);
  } else if (event.municipality >= 0) {
    const size_t number = static_cast<size_t>(event.municipality);
    // Numbers are handed out in the order codes first appear in the log, which is the order
    // events are ingested in; a municipality's first event adds its stream.
    while (stream_facts_.size() <= number) {
      stream_facts_.push_back(&municipalities_[stream_codes_[stream_facts_.size()]]);
    }
    stream_facts_[number]->push_back(StoredFact{event.ref.sequence, event.ref.business_day});
  }
  ++position_;
  return absl::OkStatus();
}

uint64_t ProjectionState::Reader::position() const {
  state_.mutex_.AssertReaderHeld();
  return state_.position_;
}

absl::StatusOr<KnownAt> ProjectionState::Reader::Resolve(const booo::v1::KnownAt& at) const {
  state_.mutex_.AssertReaderHeld();
  switch (at.point_case()) {
    case booo::v1::KnownAt::kTreeSize:
      if (at.tree_size() > state_.position_) {
        return absl::OutOfRangeError(absl::StrCat("known_at.tree_size: ", at.tree_size(),
                                                  " exceeds the ledger's size ", state_.position_));
      }
      return KnownAt{at.tree_size(), std::nullopt};
    case booo::v1::KnownAt::kRecordedAtMicros: {
      if (at.recorded_at_micros() < 0) {
        return absl::InvalidArgumentError("known_at.recorded_at_micros: must not be negative");
      }
      const int64_t settled = state_.settled_before_micros_.load();
      if (settled != kEverythingSettled && at.recorded_at_micros() >= settled) {
        return absl::OutOfRangeError(absl::StrCat(
            "known_at.recorded_at_micros: ", at.recorded_at_micros(),
            " is not settled: the ledger may still record events at that time (its clock reads ",
            settled, "), so the answer could change; ask for an earlier time or a tree_size"));
      }
      const auto& times = state_.recorded_at_micros_;
      auto end = std::upper_bound(times.begin(), times.end(), at.recorded_at_micros());
      return KnownAt{static_cast<uint64_t>(end - times.begin()), std::nullopt};
    }
    case booo::v1::KnownAt::kBusinessDate:
      RETURN_IF_ERROR(ledger::ValidateCivilDate(at.business_date(), "known_at.business_date"));
      return KnownAt{state_.position_, ledger::ToEpochDays(at.business_date())};
    case booo::v1::KnownAt::POINT_NOT_SET:
      break;
  }
  return KnownAt{state_.position_, std::nullopt};
}

int64_t ProjectionState::Reader::RecordedAtMicros(uint64_t sequence) const {
  state_.mutex_.AssertReaderHeld();
  return state_.recorded_at_micros_.at(sequence);
}

const StreamRecords& ProjectionState::Reader::rules() const {
  state_.mutex_.AssertReaderHeld();
  return state_.rules_;
}

const StreamRecords& ProjectionState::Reader::budget() const {
  state_.mutex_.AssertReaderHeld();
  return state_.budget_;
}

std::vector<std::string> ProjectionState::Reader::Municipalities() const {
  state_.mutex_.AssertReaderHeld();
  std::vector<std::string> codes;
  codes.reserve(state_.municipalities_.size());
  for (const auto& [code, unused] : state_.municipalities_) codes.push_back(code);
  return codes;
}

bool ProjectionState::Reader::HasMunicipality(const std::string& code) const {
  state_.mutex_.AssertReaderHeld();
  return state_.municipalities_.contains(code);
}

size_t ProjectionState::Reader::StreamSize(const std::string& code) const {
  state_.mutex_.AssertReaderHeld();
  auto it = state_.municipalities_.find(code);
  return it == state_.municipalities_.end() ? 0 : it->second.size();
}

uint64_t ProjectionState::Reader::StreamSizeBefore(const std::string& code,
                                                   uint64_t tree_size) const {
  state_.mutex_.AssertReaderHeld();
  auto it = state_.municipalities_.find(code);
  if (it == state_.municipalities_.end()) return 0;
  const auto& stored = it->second;
  return static_cast<uint64_t>(
      std::partition_point(stored.begin(), stored.end(),
                           [&](const StoredFact& f) { return f.sequence < tree_size; }) -
      stored.begin());
}

absl::StatusOr<std::shared_ptr<const StreamRecords>> ProjectionState::Reader::Facts(
    const std::string& code) const {
  state_.mutex_.AssertReaderHeld();
  const std::vector<StoredFact>& stored = state_.municipalities_.at(code);
  // A plain pointer for the parse below, which runs while this reader holds the lock.
  const int64_t* recorded_at = state_.recorded_at_micros_.data();
  return state_.parsed_.Get(code, stored.size(), [&](StreamRecords& records, size_t have) {
    std::vector<uint64_t> sequences;
    sequences.reserve(stored.size() - have);
    for (size_t i = have; i < stored.size(); ++i) sequences.push_back(stored[i].sequence);
    return state_.log_->ReadBodies(
        sequences,
        [&](size_t i, absl::string_view body, absl::string_view leaf_hash) -> absl::Status {
          // Reading a large municipality's stream back is half of a cold whole trace: a caller
          // that stopped waiting is noticed within a few thousand events (replay/calc/stop_when.h).
          if (i % 4096 == 0) RETURN_IF_ERROR(CheckNotStopped());
          const StoredFact& fact = stored[have + i];
          EventRef ref{fact.sequence, recorded_at[fact.sequence], leaf_hash, "",
                       fact.business_day};
          if (absl::Status s = records.AddSerialized(std::move(ref), body); !s.ok()) {
            return absl::DataLossError(
                absl::StrCat("sequence ", fact.sequence, ": ", s.message()));
          }
          return absl::OkStatus();
        });
  });
}

absl::StatusOr<GrantInput> ProjectionState::Reader::InputFor(const std::string& code,
                                                             const Scope& scope,
                                                             const KnownAt& at,
                                                             const RuleTimeline& rules) const {
  ASSIGN_OR_RETURN(std::shared_ptr<const StreamRecords> stream, Facts(code));
  GrantInput input;
  input.municipality_code = code;
  input.scope = scope;
  input.rules = &rules;
  input.facts = SelectCurrent(stream->records(), at);
  input.keep_alive = std::move(stream);
  return input;
}

absl::StatusOr<GrantComputation> ProjectionState::Reader::Compute(const std::string& code,
                                                                  const Scope& scope,
                                                                  const KnownAt& at,
                                                                  const RuleTimeline& rules) const {
  ASSIGN_OR_RETURN(GrantInput input, InputFor(code, scope, at, rules));
  return ComputeGrant(input);
}

absl::StatusOr<std::vector<int32_t>> ProjectionState::Reader::YearsWithFacts(
    const std::string& code, const KnownAt& at) const {
  // At the head the answer only changes with the municipality's stream.
  const bool at_head = AtHead(at);
  const size_t stream_size = StreamSize(code);
  if (at_head) {
    absl::MutexLock lock(&state_.head_years_mutex_);
    auto it = state_.head_years_.find(code);
    if (it != state_.head_years_.end() && it->second.first == stream_size) {
      return it->second.second;
    }
  }
  if (at_head && state_.kept_ != nullptr) {
    // Kept across a restart: valid for the same stream size (rules do not enter into it).
    std::optional<KeptAnswer> kept = state_.kept_->Get(code, KeptAnswers::kYearsWithFacts);
    if (kept && kept->stream_version == stream_size) {
      if (std::optional<std::vector<int32_t>> years = DecodeKeptYears(kept->bytes)) {
        absl::MutexLock lock(&state_.head_years_mutex_);
        state_.head_years_[code] = {stream_size, *years};
        return *std::move(years);
      }
    }
  }
  ASSIGN_OR_RETURN(std::vector<int32_t> out, state_.ComputeYearsWithFacts(*this, code, at));
  if (at_head) {
    absl::MutexLock lock(&state_.head_years_mutex_);
    state_.head_years_[code] = {stream_size, out};
  }
  if (at_head && state_.kept_ != nullptr) {
    state_.kept_->Put(code, KeptAnswers::kYearsWithFacts,
                      KeptAnswer{0, stream_size, position(), EncodeKeptYears(out)});
  }
  return out;
}

absl::StatusOr<std::vector<int32_t>> ProjectionState::ComputeYearsWithFacts(
    const Reader& reader, const std::string& code, const KnownAt& at) const {
  ASSIGN_OR_RETURN(std::shared_ptr<const StreamRecords> stream, reader.Facts(code));
  std::set<int32_t> years;
  for (const FactRecord* f : SelectCurrent(stream->records(), at)) {
    const EventBody& b = *f->body;
    // Every payload named (-Wswitch-enum): a new one must say which years it concerns.
    switch (b.payload_case()) {
      case EventBody::kGooPlacesDeclared:
        AddYears(b.goo_places_declared().period(), years);
        break;
      case EventBody::kPooPersonMonthsDeclared:
        years.insert(b.poo_person_months_declared().month().year());
        break;
      case EventBody::kLivingAllowancePaid:
        AddYears(b.living_allowance_paid().period(), years);
        break;
      case EventBody::kTransitionCostRequested:
        AddYears(b.transition_cost_requested().period(), years);
        break;
      case EventBody::kExceptionClaimFiled:
        years.insert(b.exception_claim_filed().spending_year());
        break;
      case EventBody::kAdvancePaid:
        years.insert(b.advance_paid().spending_year());
        break;
      case EventBody::kVoluntaryRepaymentReceived:
        years.insert(b.voluntary_repayment_received().spending_year());
        break;
      case EventBody::kAccountabilityReportFiled:
        years.insert(b.accountability_report_filed().spending_year());
        break;
      case EventBody::kGrantDetermined:
        years.insert(b.grant_determined().spending_year());
        break;
      case EventBody::kTransitionCostsDeclared:
        years.insert(b.transition_costs_declared().spending_year());
        break;
      case EventBody::kAdvanceRequested:
        years.insert(b.advance_requested().spending_year());
        break;
      // Decisions and registrations concern the years of what they decide on; key events,
      // rules and budget lines are in no municipality's stream.
      case EventBody::kTransitionCostDecided:
      case EventBody::kExceptionClaimDecided:
      case EventBody::kHardshipDecided:
      case EventBody::kLateAccountabilityDecided:
      case EventBody::kLocationRegistered:
      case EventBody::kGenesis:
      case EventBody::kKeyRegistered:
      case EventBody::kKeyRevoked:
      case EventBody::kCheckpointKeyRotated:
      case EventBody::kRuleAmended:
      case EventBody::kBudgetLineSet:
      case EventBody::PAYLOAD_NOT_SET:
        break;
    }
  }
  // Facts about days before the scheme (a period starting in 2021) concern no spending year.
  std::vector<int32_t> out;
  for (int32_t y : years) {
    if (y >= kFirstSpendingYear && y <= ledger::kMaxYear) out.push_back(y);
  }
  return out;
}

}  // namespace booo::replay
