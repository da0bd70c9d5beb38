// Strict reading of signed protobuf bytes: the bytes must mean exactly what the parsed message
// holds, so that nothing a signer signed is silently dropped or overridden by the parser.
//
// Protobuf parsers are lenient by design: they keep unknown fields aside, let the last copy of
// a repeated singular field win, merge two copies of a message field, let the last member of a
// oneof win, truncate an over-wide int32 and read any non-zero varint as `true`. For a signed
// legal record each of those is a value the signature covers that nobody reads. This walker
// reads the wire format against the message's descriptor before the real parse and refuses:
//   - a field number the descriptor does not have, at any depth ("unknown field 99");
//   - a field with a wire type its declared type cannot have;
//   - a singular field present more than once;
//   - a second member of any oneof;
//   - a map key present twice in one map;
//   - an unknown enum number, a bool other than 0 or 1, a 32-bit integer that does not fit;
//   - a varint with redundant continuation bytes (no encoder writes them);
//   - groups (not part of proto3), truncated input, and nesting deeper than kMaxStrictDepth.
// What it allows, on purpose: fields in any order at every level (encoders in other languages
// write declaration order, number order or oneofs last), a field written with its default
// value (some encoders write every field the caller set), and repeated scalars packed or not.
// Each allowed form is read by every protobuf parser to exactly the value it encodes.
//
// Errors are INVALID_ARGUMENT with the path of the offending field, e.g.
// "goo_places_declared.received_date: unknown field 4". Pure: no I/O, no allocation beyond the
// path strings of an error.
#ifndef BOOO_LEDGER_CORE_STRICT_WIRE_H_
#define BOOO_LEDGER_CORE_STRICT_WIRE_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace booo::ledger {

// Deeper nesting is refused: no message of the contract nests more than a few levels.
inline constexpr int kMaxStrictDepth = 32;

// OK when `bytes` are a strict encoding of `message` as described above. `root_path` prefixes
// every field path in an error; empty for a top-level body.
absl::Status CheckStrictWire(absl::string_view bytes, const google::protobuf::Descriptor& message,
                             absl::string_view root_path = "");

// The value of a top-level string field, read without parsing the rest: nullopt when the bytes
// do not reach it strictly (see CheckStrictWire) or hold it more than once or not at all. For
// routing decisions made before the full parse; the parse still judges the body.
std::optional<std::string> TopLevelStringField(absl::string_view bytes, int field_number);

}  // namespace booo::ledger

#endif  // BOOO_LEDGER_CORE_STRICT_WIRE_H_
