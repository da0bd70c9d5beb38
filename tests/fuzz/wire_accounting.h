// A second, independent reading of "the parsed message accounts for every byte", for fuzz
// properties: protobuf's own generic wire parser (UnknownFieldSet) splits the bytes into
// fields, and each field must be found, with exactly its value, in the message the real parser
// produced, read back through reflection. It shares no code with ledger/core/strict_wire.cc.
#ifndef BOOO_TESTS_FUZZ_WIRE_ACCOUNTING_H_
#define BOOO_TESTS_FUZZ_WIRE_ACCOUNTING_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/unknown_field_set.h"

namespace booo::testing {

inline bool EveryByteAccountedFor(absl::string_view bytes, const google::protobuf::Message& parsed);

namespace wire_accounting_internal {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::UnknownField;

// A varint field's value, as the parsed message must hold it.
inline bool VarintMatches(const Message& m, const FieldDescriptor* f, int index, uint64_t v) {
  const auto* r = m.GetReflection();
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: {
      const int32_t held = rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f);
      return f->type() == FieldDescriptor::TYPE_SINT32 ? true
                                                       : static_cast<int64_t>(v) == held;
    }
    case FieldDescriptor::CPPTYPE_INT64:
      if (f->type() == FieldDescriptor::TYPE_SINT64) return true;
      return static_cast<int64_t>(v) == (rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f));
    case FieldDescriptor::CPPTYPE_UINT32:
      return v == (rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f));
    case FieldDescriptor::CPPTYPE_UINT64:
      return v == (rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f));
    case FieldDescriptor::CPPTYPE_BOOL:
      return v <= 1 && (v == 1) == (rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f));
    case FieldDescriptor::CPPTYPE_ENUM:
      return static_cast<int64_t>(v) ==
             (rep ? r->GetRepeatedEnumValue(m, f, index) : r->GetEnumValue(m, f));
    default:
      return false;
  }
}

inline bool LengthDelimitedMatches(const Message& m, const FieldDescriptor* f, int index,
                                   const std::string& value) {
  const auto* r = m.GetReflection();
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return value == (rep ? r->GetRepeatedString(m, f, index) : r->GetString(m, f));
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return EveryByteAccountedFor(value,
                                   rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f));
    default:
      return false;  // a packed run: the contract has no repeated scalar
  }
}

}  // namespace wire_accounting_internal

inline bool EveryByteAccountedFor(absl::string_view bytes, const google::protobuf::Message& parsed) {
  using namespace wire_accounting_internal;  // NOLINT: local to this reading
  google::protobuf::UnknownFieldSet fields;
  if (!fields.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return false;
  const auto* d = parsed.GetDescriptor();
  const auto* r = parsed.GetReflection();
  if (!r->GetUnknownFields(parsed).empty()) return false;
  std::map<int, int> seen;
  for (int i = 0; i < fields.field_count(); ++i) {
    const UnknownField& field = fields.field(i);
    const FieldDescriptor* f = d->FindFieldByNumber(field.number());
    if (f == nullptr) return false;
    const int index = seen[field.number()]++;
    if (!f->is_repeated()) {
      if (index > 0) return false;  // written twice: one value is not what the message holds
      if (const auto* oneof = f->real_containing_oneof();
          oneof != nullptr && r->GetOneofFieldDescriptor(parsed, oneof) != f) {
        return false;
      }
    }
    bool matches = false;
    switch (field.type()) {
      case UnknownField::TYPE_VARINT:
        matches = VarintMatches(parsed, f, index, field.varint());
        break;
      case UnknownField::TYPE_LENGTH_DELIMITED:
        matches = LengthDelimitedMatches(parsed, f, index, field.length_delimited());
        break;
      default:
        matches = false;  // fixed-width and group fields: the contract has none
    }
    if (!matches) return false;
  }
  for (const auto& [number, count] : seen) {
    const FieldDescriptor* f = d->FindFieldByNumber(number);
    if (f->is_repeated() && r->FieldSize(parsed, f) != count) return false;
  }
  return true;
}

}  // namespace booo::testing

#endif  // BOOO_TESTS_FUZZ_WIRE_ACCOUNTING_H_
