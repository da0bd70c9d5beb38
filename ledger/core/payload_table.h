// The payload table: what the ledger knows about each member of EventBody's `payload` oneof,
// read once from the `(booo.v1.payload)` option each member declares in events.proto
// (proto/booo/v1/payload_options.proto). Every mapping from a payload (its stream, signer,
// municipality and business date) is derived from this one table; nothing switches over the
// payload kinds to answer these questions.
//
// Thread safety: the table is built once, on first use, and is immutable after.
#ifndef BOOO_LEDGER_CORE_PAYLOAD_TABLE_H_
#define BOOO_LEDGER_CORE_PAYLOAD_TABLE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "booo/v1/events.pb.h"
#include "booo/v1/payload_options.pb.h"
#include "google/protobuf/descriptor.h"

namespace booo::ledger {

// The stream a payload's events belong to, and who may sign them: the options' values as C++
// enums without an "unspecified" member, so that switches over them are exhaustive.
enum class StreamKind { kKeys, kRules, kBudget, kMunicipality };
enum class SignerRole { kMinistry, kMunicipality };

struct PayloadInfo {
  const google::protobuf::FieldDescriptor* field = nullptr;  // the oneof member in EventBody
  StreamKind stream = StreamKind::kKeys;
  SignerRole signer = SignerRole::kMinistry;
  // Inside the payload message; null when the payload has none.
  const google::protobuf::FieldDescriptor* municipality = nullptr;
  const google::protobuf::FieldDescriptor* business_date = nullptr;  // a CivilDate field

  const std::string& name() const { return field->name(); }
};

// Every payload, in oneof order. Building it checks every declaration (a missing option, an
// unknown field name, a date field that is not a CivilDate, a municipality stream without a
// municipality field); a contract that fails them stops the process, since no event could be
// judged correctly. PayloadTableProblems() says what a build would stop on, for tests.
const std::vector<PayloadInfo>& Payloads();
absl::Status PayloadTableProblems();

// The entry for a payload field number (EventBody::payload_case()); null for none or unknown.
const PayloadInfo* FindPayload(int field_number);
inline const PayloadInfo* FindPayload(const booo::v1::EventBody& body) {
  return FindPayload(static_cast<int>(body.payload_case()));
}

}  // namespace booo::ledger

#endif  // BOOO_LEDGER_CORE_PAYLOAD_TABLE_H_
