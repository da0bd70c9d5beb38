#include "ledger/core/payload_table.h"

#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace booo::ledger {
namespace {

using google::protobuf::FieldDescriptor;

struct Table {
  std::vector<PayloadInfo> payloads;
  std::vector<const PayloadInfo*> by_number;  // index: field number
  absl::Status problems;
};

absl::Status Problem(const FieldDescriptor& field, absl::string_view why) {
  return absl::FailedPreconditionError(
      absl::StrCat("events.proto: payload ", field.name(), ": ", why));
}

absl::StatusOr<PayloadInfo> Describe(const FieldDescriptor& field) {
  if (!field.options().HasExtension(booo::v1::payload)) {
    return Problem(field, "has no (booo.v1.payload) option");
  }
  const booo::v1::PayloadRule& rule = field.options().GetExtension(booo::v1::payload);
  PayloadInfo info;
  info.field = &field;
  switch (rule.stream()) {
    case booo::v1::PAYLOAD_STREAM_KEYS:
      info.stream = StreamKind::kKeys;
      break;
    case booo::v1::PAYLOAD_STREAM_RULES:
      info.stream = StreamKind::kRules;
      break;
    case booo::v1::PAYLOAD_STREAM_BUDGET:
      info.stream = StreamKind::kBudget;
      break;
    case booo::v1::PAYLOAD_STREAM_MUNICIPALITY:
      info.stream = StreamKind::kMunicipality;
      break;
    default:
      return Problem(field, absl::StrCat("stream ", rule.stream(), " is not a stream kind"));
  }
  switch (rule.signer()) {
    case booo::v1::PAYLOAD_SIGNER_MINISTRY:
      info.signer = SignerRole::kMinistry;
      break;
    case booo::v1::PAYLOAD_SIGNER_MUNICIPALITY:
      info.signer = SignerRole::kMunicipality;
      break;
    default:
      return Problem(field, absl::StrCat("signer ", rule.signer(), " is not a signer"));
  }
  const auto* message = field.message_type();
  if (message == nullptr) return Problem(field, "is not a message");
  if (!rule.municipality_field().empty()) {
    info.municipality = message->FindFieldByName(rule.municipality_field());
    if (info.municipality == nullptr || info.municipality->is_repeated() ||
        info.municipality->type() != FieldDescriptor::TYPE_STRING) {
      return Problem(field, absl::StrCat("municipality_field ", rule.municipality_field(),
                                         " is not a string field of ", message->name()));
    }
  }
  if ((info.stream == StreamKind::kMunicipality) != (info.municipality != nullptr)) {
    return Problem(field, "a municipality field is needed for, and only for, municipality streams");
  }
  if (info.signer == SignerRole::kMunicipality && info.municipality == nullptr) {
    return Problem(field, "a municipality signer needs a municipality field");
  }
  if (!rule.business_date_field().empty()) {
    info.business_date = message->FindFieldByName(rule.business_date_field());
    if (info.business_date == nullptr || info.business_date->is_repeated() ||
        info.business_date->message_type() != booo::v1::CivilDate::descriptor()) {
      return Problem(field, absl::StrCat("business_date_field ", rule.business_date_field(),
                                         " is not a CivilDate field of ", message->name()));
    }
  } else if (info.stream != StreamKind::kKeys) {
    return Problem(field, "only key events may lack a business date");
  }
  return info;
}

const Table& BuildTable() {
  static const Table* table = [] {
    auto* t = new Table;
    const auto* oneof = booo::v1::EventBody::descriptor()->FindOneofByName("payload");
    int max_number = 0;
    for (int i = 0; i < oneof->field_count(); ++i) {
      max_number = std::max(max_number, oneof->field(i)->number());
    }
    t->payloads.reserve(oneof->field_count());
    for (int i = 0; i < oneof->field_count(); ++i) {
      absl::StatusOr<PayloadInfo> info = Describe(*oneof->field(i));
      if (!info.ok()) {
        t->problems = info.status();
        continue;
      }
      t->payloads.push_back(*info);
    }
    t->by_number.assign(max_number + 1, nullptr);
    for (const PayloadInfo& info : t->payloads) t->by_number[info.field->number()] = &info;
    return t;
  }();
  return *table;
}

}  // namespace

absl::Status PayloadTableProblems() { return BuildTable().problems; }

const std::vector<PayloadInfo>& Payloads() {
  const Table& table = BuildTable();
  if (!table.problems.ok()) {
    // A contract the ledger cannot read judges events wrongly: stop rather than serve.
    std::fprintf(stderr, "fatal: %s\n", std::string(table.problems.message()).c_str());
    std::abort();
  }
  return table.payloads;
}

const PayloadInfo* FindPayload(int field_number) {
  const Table& table = BuildTable();
  (void)Payloads();  // stops on a broken table
  if (field_number <= 0 || static_cast<size_t>(field_number) >= table.by_number.size()) {
    return nullptr;
  }
  return table.by_number[field_number];
}

}  // namespace booo::ledger
