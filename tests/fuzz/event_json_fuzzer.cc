// Fuzz target: event files, the JSON a municipal or ministry operator writes and
// `ledgerctl append --event` reads (replay/rulebook/event_file.h).
// Properties: a refusal is INVALID_ARGUMENT; a body read from JSON has no unknown fields, so its
// serialization parses back through the ledger's own strict parser to an equal message (an
// empty one, which that parser refuses as empty, aside);
// validation refuses with INVALID_ARGUMENT or OUT_OF_RANGE only.
#include <string>

#include "absl/status/status.h"
#include "google/protobuf/util/message_differencer.h"
#include "ledger/core/event_validation.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/support/event_factory.h"
#include "replay/rulebook/event_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<booo::v1::EventBody> body = booo::rulebook::ParseEventJson(text, "event");
  if (!body.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(body.status()));
    return 0;
  }
  const absl::Status valid = booo::ledger::ValidateEventBody(*body, booo::testing::GrantRules());
  FUZZ_CHECK(valid.ok() || absl::IsInvalidArgument(valid) || absl::IsOutOfRange(valid));
  std::string bytes;
  FUZZ_CHECK(body->SerializeToString(&bytes));
  absl::StatusOr<booo::v1::EventBody> again = booo::ledger::ParseEventBody(bytes);
  if (bytes.empty()) {  // "{}": the ledger refuses an empty body outright
    FUZZ_CHECK(absl::IsInvalidArgument(again.status()));
    return 0;
  }
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(*body, *again));
  return 0;
}
