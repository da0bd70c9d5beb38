// EventHeader: the few fields of a serialized EventBody the projection needs to place an event
// (its id, stream, payload kind and business date), read straight from the wire bytes.
//
// Why not parse: replay keeps every municipality event as its serialized bytes and parses a
// stream only when a query needs it. A parsed body costs about ten times its bytes in memory
// and most of replay's time; reading these fields costs a pass over the bytes.
#ifndef BOOO_REPLAY_PROJECTION_EVENT_HEADER_H_
#define BOOO_REPLAY_PROJECTION_EVENT_HEADER_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace booo::replay {

struct EventHeader {
  absl::string_view event_id;  // views into the bytes read
  absl::string_view stream;
  // EventBody's payload field number (booo::v1::EventBody::kGooPlacesDeclared, ...); 0 when the
  // body has no payload.
  int payload_field = 0;
  // ledger::BusinessDate in days since 1970-01-01; nullopt for payloads without one.
  std::optional<int64_t> business_day;
};

// DATA_LOSS when the bytes are not a well-formed protobuf message. It reads what a full parse
// would: for a repeated field the last occurrence, as protobuf does (a test holds the two equal
// for every payload kind).
absl::StatusOr<EventHeader> ReadEventHeader(absl::string_view body);

}  // namespace booo::replay

#endif  // BOOO_REPLAY_PROJECTION_EVENT_HEADER_H_
