#include "replay/projection/event_header.h"

#include <array>
#include <string>

#include "booo/v1/events.pb.h"
#include "ledger/core/civil_date.h"
#include "ledger/core/event_validation.h"
#include "ledger/core/payload_table.h"

namespace booo::replay {
namespace {

using booo::v1::EventBody;
constexpr int kEventIdField = EventBody::kEventIdFieldNumber;
constexpr int kStreamField = EventBody::kStreamFieldNumber;
constexpr int kMaxPayloadField = 63;

// Per payload field number, the field number of its business date inside the payload message
// (0: none; -1: not a payload field), from the ledger's payload table.
const std::array<int, kMaxPayloadField + 1>& BusinessDateFields() {
  static const auto* table = [] {
    auto* out = new std::array<int, kMaxPayloadField + 1>{};
    out->fill(-1);
    for (const ledger::PayloadInfo& payload : ledger::Payloads()) {
      const int number = payload.field->number();
      if (number > kMaxPayloadField) continue;  // a test holds every payload below
      (*out)[number] = payload.business_date == nullptr ? 0 : payload.business_date->number();
    }
    return out;
  }();
  return *table;
}

// A minimal protobuf wire reader over one message's bytes.
class WireReader {
 public:
  explicit WireReader(absl::string_view bytes) : p_(bytes.data()), end_(p_ + bytes.size()) {}
  bool done() const { return p_ == end_; }

  bool Varint(uint64_t& value) {
    value = 0;
    for (int shift = 0; shift < 64 && p_ < end_; shift += 7) {
      const uint8_t byte = static_cast<uint8_t>(*p_++);
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }

  // Reads one field: its number and wire type, and for a length-delimited field its bytes.
  // False for malformed input or a group (which no booo message uses).
  bool Field(int& number, int& wire_type, uint64_t& varint, absl::string_view& bytes) {
    uint64_t tag;
    if (!Varint(tag) || (tag >> 3) == 0 || (tag >> 3) > (1u << 29)) return false;
    number = static_cast<int>(tag >> 3);
    wire_type = static_cast<int>(tag & 7);
    switch (wire_type) {
      case 0:
        return Varint(varint);
      case 1:
        return Skip(8);
      case 5:
        return Skip(4);
      case 2: {
        uint64_t length;
        if (!Varint(length) || length > static_cast<uint64_t>(end_ - p_)) return false;
        bytes = absl::string_view(p_, length);
        p_ += length;
        return true;
      }
      default:
        return false;
    }
  }

 private:
  bool Skip(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) return false;
    p_ += n;
    return true;
  }
  const char* p_;
  const char* end_;
};

// The business date inside one payload message; false when the bytes need a full parse.
bool ReadBusinessDay(absl::string_view payload, int date_field, std::optional<int64_t>& day) {
  WireReader reader(payload);
  absl::string_view date_bytes;
  bool seen = false;
  while (!reader.done()) {
    int number, wire_type;
    uint64_t varint;
    absl::string_view bytes;
    if (!reader.Field(number, wire_type, varint, bytes)) return false;
    if (number != date_field) continue;
    if (wire_type != 2 || seen) return false;  // a repeated message merges: leave it to protobuf
    seen = true;
    date_bytes = bytes;
  }
  if (!seen) return true;  // unset: BusinessDate gives the default date (0-0-0); parse it
  booo::v1::CivilDate date;
  if (!date.ParseFromArray(date_bytes.data(), static_cast<int>(date_bytes.size()))) return false;
  day = ledger::ToEpochDays(date);
  return true;
}

// The header by a full parse: the reference the wire reading must agree with.
absl::StatusOr<EventHeader> ParsedHeader(absl::string_view bytes) {
  EventBody body;
  if (!body.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError("body: is not a serialized booo.v1.EventBody");
  }
  EventHeader header;
  header.payload_field = body.payload_case();
  if (const auto date = ledger::BusinessDate(body))
    header.business_day = ledger::ToEpochDays(*date);
  // The views must point into `bytes`: find the fields again on the wire (singular strings:
  // the last occurrence wins, as in the parse).
  WireReader reader(bytes);
  while (!reader.done()) {
    int number, wire_type;
    uint64_t varint;
    absl::string_view field;
    if (!reader.Field(number, wire_type, varint, field)) break;
    if (wire_type == 2 && number == kEventIdField) header.event_id = field;
    if (wire_type == 2 && number == kStreamField) header.stream = field;
  }
  return header;
}

}  // namespace

absl::StatusOr<EventHeader> ReadEventHeader(absl::string_view bytes) {
  const auto& date_fields = BusinessDateFields();
  EventHeader header;
  absl::string_view payload;
  bool payload_seen = false;
  WireReader reader(bytes);
  while (!reader.done()) {
    int number, wire_type;
    uint64_t varint;
    absl::string_view field;
    if (!reader.Field(number, wire_type, varint, field)) return ParsedHeader(bytes);
    if (wire_type != 2) continue;
    if (number == kEventIdField) {
      header.event_id = field;
    } else if (number == kStreamField) {
      header.stream = field;
    } else if (number <= kMaxPayloadField && date_fields[number] >= 0) {
      if (payload_seen) return ParsedHeader(bytes);  // merged or replaced: protobuf decides
      payload_seen = true;
      header.payload_field = number;
      payload = field;
    }
  }
  if (header.payload_field != 0) {
    const int date_field = date_fields[header.payload_field];
    if (date_field > 0) {
      if (!ReadBusinessDay(payload, date_field, header.business_day)) return ParsedHeader(bytes);
      if (!header.business_day) return ParsedHeader(bytes);
    }
  }
  return header;
}

}  // namespace booo::replay
