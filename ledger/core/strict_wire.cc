#include "ledger/core/strict_wire.h"

#include <cstdint>
#include <limits>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"

namespace booo::ledger {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::OneofDescriptor;

enum WireType : uint32_t {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

absl::Status Invalid(absl::string_view path, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(path.empty() ? "body" : path, ": ", why));
}

// Where a field is, formatted only when a refusal names it: the walk itself allocates no path
// strings (it runs on every append).
struct Path {
  const std::string* parent;  // the enclosing message's path ("" at the top)
  absl::string_view name;     // the field's name; empty for the message itself
  int64_t index = -1;         // the element of a repeated field, or -1

  std::string str() const {
    std::string out = name.empty() ? *parent
                      : parent->empty() ? std::string(name)
                                        : absl::StrCat(*parent, ".", name);
    if (index >= 0) absl::StrAppend(&out, "[", index, "]");
    return out;
  }
};

absl::Status Invalid(const Path& path, absl::string_view why) { return Invalid(path.str(), why); }

const std::string& NoPath() {
  static const std::string* empty = new std::string;
  return *empty;
}

// The wire type a field of this declared type is written with when it is not packed.
uint32_t WireTypeOf(const FieldDescriptor& field) {
  switch (field.type()) {
    case FieldDescriptor::TYPE_DOUBLE:
    case FieldDescriptor::TYPE_FIXED64:
    case FieldDescriptor::TYPE_SFIXED64:
      return kFixed64;
    case FieldDescriptor::TYPE_FLOAT:
    case FieldDescriptor::TYPE_FIXED32:
    case FieldDescriptor::TYPE_SFIXED32:
      return kFixed32;
    case FieldDescriptor::TYPE_STRING:
    case FieldDescriptor::TYPE_BYTES:
    case FieldDescriptor::TYPE_MESSAGE:
      return kLengthDelimited;
    case FieldDescriptor::TYPE_GROUP:
      return kStartGroup;
    case FieldDescriptor::TYPE_INT32:
    case FieldDescriptor::TYPE_INT64:
    case FieldDescriptor::TYPE_UINT32:
    case FieldDescriptor::TYPE_UINT64:
    case FieldDescriptor::TYPE_SINT32:
    case FieldDescriptor::TYPE_SINT64:
    case FieldDescriptor::TYPE_BOOL:
    case FieldDescriptor::TYPE_ENUM:
      return kVarint;
  }
  return kVarint;  // unreachable: the switch names every type
}

// Well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF), as proto3 demands of
// a string field.
bool IsUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    int extra = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMinForLength[4] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

// Reads one level of a message's wire format; a nested message gets a reader of its own.
class WireReader {
 public:
  explicit WireReader(absl::string_view bytes) : bytes_(bytes) {}

  bool AtEnd() const { return pos_ == bytes_.size(); }

  // A varint of at most ten bytes without redundant continuation bytes.
  absl::Status ReadVarint(uint64_t& value, const Path& path) {
    value = 0;
    for (int shift = 0, n = 0; n < 10; ++n, shift += 7) {
      if (pos_ == bytes_.size()) return Invalid(path, "the bytes end inside a varint");
      const auto byte = static_cast<unsigned char>(bytes_[pos_++]);
      if (n == 9 && byte > 1) return Invalid(path, "a varint is longer than 64 bits");
      value |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) {
        if (n > 0 && byte == 0) {
          return Invalid(path, "a varint is padded with redundant bytes");
        }
        return absl::OkStatus();
      }
    }
    return Invalid(path, "a varint is longer than ten bytes");
  }

  absl::Status Skip(size_t count, const Path& path) {
    absl::string_view ignored;
    return ReadFixed(count, ignored, path);
  }

  absl::Status ReadFixed(size_t count, absl::string_view& out, const Path& path) {
    if (bytes_.size() - pos_ < count) return Invalid(path, "the bytes end inside a field");
    out = bytes_.substr(pos_, count);
    pos_ += count;
    return absl::OkStatus();
  }

  absl::Status ReadLengthDelimited(absl::string_view& out, const Path& path) {
    uint64_t length = 0;
    if (absl::Status s = ReadVarint(length, path); !s.ok()) return s;
    if (length > bytes_.size() - pos_) {
      return Invalid(path, "a length runs past the end of the bytes");
    }
    out = bytes_.substr(pos_, length);
    pos_ += length;
    return absl::OkStatus();
  }

 private:
  absl::string_view bytes_;
  size_t pos_ = 0;
};

// A varint's value must be one the parsed field holds exactly.
absl::Status CheckVarintValue(const FieldDescriptor& field, uint64_t value,
                              const Path& path) {
  const auto as_signed = static_cast<int64_t>(value);
  const bool fits_int32 = as_signed >= std::numeric_limits<int32_t>::min() &&
                          as_signed <= std::numeric_limits<int32_t>::max();
  switch (field.type()) {
    case FieldDescriptor::TYPE_BOOL:
      if (value > 1) return Invalid(path, absl::StrCat("a bool is ", value, ", not 0 or 1"));
      return absl::OkStatus();
    case FieldDescriptor::TYPE_INT32:
      if (!fits_int32) return Invalid(path, absl::StrCat(as_signed, " does not fit an int32"));
      return absl::OkStatus();
    case FieldDescriptor::TYPE_UINT32:
    case FieldDescriptor::TYPE_SINT32:
      if (value > std::numeric_limits<uint32_t>::max()) {
        return Invalid(path, absl::StrCat(value, " does not fit 32 bits"));
      }
      return absl::OkStatus();
    case FieldDescriptor::TYPE_ENUM:
      if (!fits_int32 ||
          field.enum_type()->FindValueByNumber(static_cast<int>(as_signed)) == nullptr) {
        return Invalid(path, absl::StrCat("unknown value ", as_signed, " of enum ",
                                          field.enum_type()->name()));
      }
      return absl::OkStatus();
    default:
      return absl::OkStatus();
  }
}

// One scalar element (a singular scalar, a repeated one, or one element of a packed run).
absl::Status ReadScalar(WireReader& in, const FieldDescriptor& field, uint32_t wire_type,
                        const Path& path) {
  switch (wire_type) {
    case kVarint: {
      uint64_t value = 0;
      if (absl::Status s = in.ReadVarint(value, path); !s.ok()) return s;
      return CheckVarintValue(field, value, path);
    }
    case kFixed64:
      return in.Skip(8, path);
    case kFixed32:
      return in.Skip(4, path);
    default:
      return Invalid(path, "is not a scalar");
  }
}

// The key of one map entry (already read strictly), as a number or the string itself, so that an
// absent key and a key written with its default value compare equal.
std::string MapEntryKey(absl::string_view entry) {
  const Path none{&NoPath(), ""};
  WireReader in(entry);
  std::string key;
  while (!in.AtEnd()) {
    uint64_t tag = 0;
    (void)in.ReadVarint(tag, none);
    const bool is_key = (tag >> 3) == 1;
    switch (static_cast<uint32_t>(tag & 7)) {
      case kVarint: {
        uint64_t number = 0;
        (void)in.ReadVarint(number, none);
        if (is_key) key = number == 0 ? "" : absl::StrCat(number);
        break;
      }
      case kLengthDelimited: {
        absl::string_view text;
        (void)in.ReadLengthDelimited(text, none);
        if (is_key) key = std::string(text);
        break;
      }
      default: {  // fixed32 or fixed64: the raw little-endian bytes, all zero being the default
        absl::string_view raw;
        (void)in.ReadFixed((tag & 7) == kFixed64 ? 8 : 4, raw, none);
        if (is_key) key = raw.find_first_not_of('\0') == absl::string_view::npos ? std::string() : std::string(raw);
        break;
      }
    }
  }
  return key;
}

class StrictWalker {
 public:
  absl::Status Walk(absl::string_view bytes, const Descriptor& message, const std::string& path,
                    int depth) {
    if (depth > kMaxStrictDepth) {
      return Invalid(path, absl::StrCat("nests deeper than ", kMaxStrictDepth, " messages"));
    }
    WireReader in(bytes);
    const Path here{&path, ""};
    // Per field (by its index in the message): how often it was seen; per oneof: its member.
    // Inline for the small messages of the contract, so a walk allocates next to nothing.
    absl::InlinedVector<int64_t, 16> seen(static_cast<size_t>(message.field_count()), 0);
    absl::InlinedVector<const FieldDescriptor*, 2> oneof_member(
        static_cast<size_t>(message.oneof_decl_count()), nullptr);
    absl::flat_hash_map<int, absl::flat_hash_set<std::string>> map_keys;  // maps only
    while (!in.AtEnd()) {
      uint64_t tag = 0;
      if (absl::Status s = in.ReadVarint(tag, here); !s.ok()) return s;
      const uint64_t number = tag >> 3;
      const auto wire_type = static_cast<uint32_t>(tag & 7);
      if (number == 0 || number > FieldDescriptor::kMaxNumber) {
        return Invalid(here, absl::StrCat("field number ", number, " is not valid"));
      }
      const FieldDescriptor* field = message.FindFieldByNumber(static_cast<int>(number));
      if (field == nullptr) return Invalid(here, absl::StrCat("unknown field ", number));
      const Path field_path{&path, field->name()};
      if (wire_type == kStartGroup || wire_type == kEndGroup || wire_type > kFixed32) {
        return Invalid(field_path, absl::StrCat("has wire type ", wire_type,
                                                ", which this contract never uses"));
      }
      int64_t& occurrences = seen[static_cast<size_t>(field->index())];
      if (!field->is_repeated() && occurrences > 0) {
        return Invalid(field_path, "appears more than once");
      }
      if (const OneofDescriptor* oneof = field->real_containing_oneof(); oneof != nullptr) {
        const FieldDescriptor*& member = oneof_member[static_cast<size_t>(oneof->index())];
        if (member != nullptr && member != field) {
          return Invalid(field_path, absl::StrCat("is a second member of oneof ", oneof->name(),
                                                  ", which already holds ", member->name()));
        }
        member = field;
      }
      const uint32_t expected = WireTypeOf(*field);
      if (field->is_repeated() && field->is_packable() && wire_type == kLengthDelimited) {
        absl::string_view run;
        if (absl::Status s = in.ReadLengthDelimited(run, field_path); !s.ok()) return s;
        WireReader elements(run);
        while (!elements.AtEnd()) {
          const Path element_path{&path, field->name(), occurrences++};
          if (absl::Status s = ReadScalar(elements, *field, expected, element_path); !s.ok()) {
            return s;
          }
        }
        continue;
      }
      if (wire_type != expected) {
        return Invalid(field_path,
                       absl::StrCat("has wire type ", wire_type, "; a field of type ",
                                    field->type_name(), " has wire type ", expected));
      }
      const Path value_path{&path, field->name(), field->is_repeated() ? occurrences : -1};
      ++occurrences;
      if (wire_type != kLengthDelimited) {
        if (absl::Status s = ReadScalar(in, *field, wire_type, value_path); !s.ok()) return s;
        continue;
      }
      absl::string_view value;
      if (absl::Status s = in.ReadLengthDelimited(value, value_path); !s.ok()) return s;
      if (field->type() == FieldDescriptor::TYPE_STRING && !IsUtf8(value)) {
        return Invalid(value_path, "is not valid UTF-8");
      }
      if (field->type() != FieldDescriptor::TYPE_MESSAGE) continue;
      if (absl::Status s = Walk(value, *field->message_type(), value_path.str(), depth + 1);
          !s.ok()) {
        return s;
      }
      if (field->is_map() && !map_keys[field->number()].insert(MapEntryKey(value)).second) {
        return Invalid(value_path, "repeats a key already in the map");
      }
    }
    return absl::OkStatus();
  }
};

}  // namespace

std::optional<std::string> TopLevelStringField(absl::string_view bytes, int field_number) {
  const Path none{&NoPath(), ""};
  WireReader in(bytes);
  std::optional<std::string> found;
  while (!in.AtEnd()) {
    uint64_t tag = 0;
    if (!in.ReadVarint(tag, none).ok()) return std::nullopt;
    absl::Status read;
    absl::string_view value;
    switch (static_cast<uint32_t>(tag & 7)) {
      case kVarint: {
        uint64_t ignored = 0;
        read = in.ReadVarint(ignored, none);
        break;
      }
      case kFixed64:
        read = in.Skip(8, none);
        break;
      case kFixed32:
        read = in.Skip(4, none);
        break;
      case kLengthDelimited:
        read = in.ReadLengthDelimited(value, none);
        if (read.ok() && (tag >> 3) == static_cast<uint64_t>(field_number)) {
          if (found) return std::nullopt;
          found = std::string(value);
        }
        break;
      default:
        return std::nullopt;
    }
    if (!read.ok()) return std::nullopt;
  }
  return found;
}

absl::Status CheckStrictWire(absl::string_view bytes, const Descriptor& message,
                             absl::string_view root_path) {
  StrictWalker walker;
  return walker.Walk(bytes, message, std::string(root_path), 0);
}

}  // namespace booo::ledger
