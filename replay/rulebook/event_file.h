// Event files: one booo.v1.EventBody in the protobuf JSON mapping, as `ledgerctl append --event`
// reads them before filling in what is left empty and signing.
#ifndef BOOO_REPLAY_RULEBOOK_EVENT_FILE_H_
#define BOOO_REPLAY_RULEBOOK_EVENT_FILE_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "booo/v1/events.pb.h"

namespace booo::rulebook {

// The body the JSON text describes; unknown fields are refused. INVALID_ARGUMENT starting with
// `where` otherwise. The body is not validated here: the ledger validates what it is sent.
absl::StatusOr<booo::v1::EventBody> ParseEventJson(std::string_view json, const std::string& where);

}  // namespace booo::rulebook

#endif  // BOOO_REPLAY_RULEBOOK_EVENT_FILE_H_
