// The signed bytes mean exactly what the ledger reads. A table built from the descriptors of
// every message reachable from EventBody: for each one a body with an unknown field inside it,
// each of its singular fields written twice, and a second member of each of its oneofs; each
// must be refused by the ledger's parser with INVALID_ARGUMENT and the exact path. Then the
// wire-level cases a descriptor walk does not produce (wire types, padding, value ranges).
#include "ledger/core/strict_wire.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "booo/v1/events.pb.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/unknown_field_set.h"
#include "gtest/gtest.h"
#include "ledger/core/event_validation.h"
#include "tests/fuzz/wire_accounting.h"
#include "tests/support/event_factory.h"

namespace booo::ledger {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// A message reachable from EventBody, with the fields that lead to it.
struct Reachable {
  const Descriptor* message;
  std::vector<const FieldDescriptor*> steps;
  std::string path;  // as the refusal names it: "rule_amended.values[0].valid_from"
};

std::vector<Reachable> EveryReachableMessage() {
  std::vector<Reachable> out = {{booo::v1::EventBody::descriptor(), {}, ""}};
  // Breadth first; a message is listed once per distinct path of at most four steps, so that
  // CivilDate is reached through every payload that holds one.
  for (size_t i = 0; i < out.size(); ++i) {
    const Reachable current = out[i];
    if (current.steps.size() >= 4) continue;
    for (int f = 0; f < current.message->field_count(); ++f) {
      const FieldDescriptor* field = current.message->field(f);
      if (field->type() != FieldDescriptor::TYPE_MESSAGE) continue;
      Reachable next = current;
      next.message = field->message_type();
      next.steps.push_back(field);
      next.path = current.path.empty() ? field->name() : absl::StrCat(current.path, ".",
                                                                      field->name());
      if (field->is_repeated()) absl::StrAppend(&next.path, "[0]");
      out.push_back(next);
    }
  }
  return out;
}

// Walks `body` down the steps, creating each message on the way; returns the innermost.
Message* Descend(Message& body, const std::vector<const FieldDescriptor*>& steps) {
  Message* at = &body;
  for (const FieldDescriptor* field : steps) {
    const Reflection* r = at->GetReflection();
    at = field->is_repeated() ? r->AddMessage(at, field) : r->MutableMessage(at, field);
  }
  return at;
}

// Gives a field a value that is not its default, so that the serializer writes it.
void SetSomething(Message& message, const FieldDescriptor* field) {
  const Reflection* r = message.GetReflection();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      field->is_repeated() ? r->AddInt32(&message, field, 7) : r->SetInt32(&message, field, 7);
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      field->is_repeated() ? r->AddInt64(&message, field, 7) : r->SetInt64(&message, field, 7);
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      field->is_repeated() ? r->AddUInt64(&message, field, 7) : r->SetUInt64(&message, field, 7);
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      r->SetBool(&message, field, true);
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      r->SetEnumValue(&message, field, 1);
      break;
    case FieldDescriptor::CPPTYPE_STRING:
      field->is_repeated() ? r->AddString(&message, field, "x") : r->SetString(&message, field, "x");
      break;
    case FieldDescriptor::CPPTYPE_MESSAGE:
      field->is_repeated() ? (void)r->AddMessage(&message, field)
                           : (void)r->MutableMessage(&message, field);
      break;
    default:
      FAIL() << "no test value for " << field->full_name();
  }
}

// A second copy of `field` in the unknown-field set, which the serializer writes after the
// known fields: the parser would keep (or merge) it, the strict reader must refuse it.
void AppendCopy(Message& message, const FieldDescriptor* field) {
  google::protobuf::UnknownFieldSet* extra = message.GetReflection()->MutableUnknownFields(&message);
  switch (field->type()) {
    case FieldDescriptor::TYPE_STRING:
    case FieldDescriptor::TYPE_BYTES:
      extra->AddLengthDelimited(field->number(), "y");
      break;
    case FieldDescriptor::TYPE_MESSAGE:
      extra->AddLengthDelimited(field->number(), "");
      break;
    default:
      extra->AddVarint(field->number(), 1);
  }
}

std::string Serialized(const booo::v1::EventBody& body) {
  std::string bytes;
  EXPECT_TRUE(body.SerializeToString(&bytes));
  return bytes;
}

void ExpectRefusal(const booo::v1::EventBody& body, const std::string& expected) {
  absl::StatusOr<booo::v1::EventBody> parsed = ParseEventBody(Serialized(body));
  ASSERT_FALSE(parsed.ok()) << "accepted; expected: " << expected;
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(parsed.status().message(), expected);
}

std::string At(const std::string& path, const std::string& name) {
  return path.empty() ? name : absl::StrCat(path, ".", name);
}

TEST(StrictWireTest, TheTableCoversEveryPayloadAndTheValueTypes) {
  const std::vector<Reachable> all = EveryReachableMessage();
  int payloads = 0;
  bool civil_date = false, date_range = false, parameter_value = false;
  for (const Reachable& r : all) {
    if (r.steps.size() == 1 && r.steps[0]->real_containing_oneof() != nullptr) ++payloads;
    civil_date |= r.message == booo::v1::CivilDate::descriptor();
    date_range |= r.message == booo::v1::DateRange::descriptor();
    parameter_value |= r.message == booo::v1::ParameterValue::descriptor();
  }
  EXPECT_EQ(payloads, booo::v1::EventBody::descriptor()->oneof_decl(0)->field_count());
  EXPECT_TRUE(civil_date && date_range && parameter_value);
}

TEST(StrictWireTest, RefusesAnUnknownFieldInEveryReachableMessage) {
  int checked = 0;
  for (const Reachable& r : EveryReachableMessage()) {
    SCOPED_TRACE(r.path);
    booo::v1::EventBody body = booo::testing::PlacesBody("e", booo::testing::TestKey(3), "GM0363", 5);
    body.clear_payload();
    Message* inner = Descend(body, r.steps);
    inner->GetReflection()->MutableUnknownFields(inner)->AddVarint(99, 1);
    ExpectRefusal(body, absl::StrCat(r.path.empty() ? "body" : r.path, ": unknown field 99"));
    ++checked;
  }
  EXPECT_GT(checked, 60);
}

TEST(StrictWireTest, RefusesEverySingularFieldWrittenTwice) {
  int checked = 0;
  for (const Reachable& r : EveryReachableMessage()) {
    for (int f = 0; f < r.message->field_count(); ++f) {
      const FieldDescriptor* field = r.message->field(f);
      if (field->is_repeated()) continue;
      const std::string path = At(r.path, field->name());
      SCOPED_TRACE(path);
      booo::v1::EventBody body;
      Message* inner = Descend(body, r.steps);
      SetSomething(*inner, field);
      AppendCopy(*inner, field);
      ExpectRefusal(body, absl::StrCat(path, ": appears more than once"));
      ++checked;
    }
  }
  EXPECT_GT(checked, 250);
}

TEST(StrictWireTest, RefusesASecondMemberOfEveryOneof) {
  int checked = 0;
  for (const Reachable& r : EveryReachableMessage()) {
    for (int o = 0; o < r.message->real_oneof_decl_count(); ++o) {
      const auto* oneof = r.message->oneof_decl(o);
      for (int m = 1; m < oneof->field_count(); ++m) {
        const FieldDescriptor* first = oneof->field(0);
        const FieldDescriptor* second = oneof->field(m);
        SCOPED_TRACE(At(r.path, second->name()));
        booo::v1::EventBody body;
        Message* inner = Descend(body, r.steps);
        SetSomething(*inner, first);
        AppendCopy(*inner, second);
        ExpectRefusal(body, absl::StrCat(At(r.path, second->name()),
                                         ": is a second member of oneof ", oneof->name(),
                                         ", which already holds ", first->name()));
        ++checked;
      }
    }
  }
  // The payload oneof (21 second members) and ParameterValue.value wherever it is reachable.
  EXPECT_GE(checked, 24);
}

TEST(StrictWireTest, AcceptsWhatProtobufWritesAndAnyFieldOrder) {
  const booo::v1::EventBody body =
      booo::testing::PlacesBody("p-1", booo::testing::TestKey(3), "GM0363", 5);
  const std::string bytes = Serialized(body);
  EXPECT_TRUE(ParseEventBody(bytes).ok());
  // The payload first, the envelope fields after it: another encoder's order, same meaning.
  booo::v1::EventBody payload_only;
  *payload_only.mutable_goo_places_declared() = body.goo_places_declared();
  booo::v1::EventBody envelope_only = body;
  envelope_only.clear_payload();
  const std::string reordered = Serialized(payload_only) + Serialized(envelope_only);
  absl::StatusOr<booo::v1::EventBody> parsed = ParseEventBody(reordered);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->SerializeAsString(), bytes);
}

TEST(StrictWireTest, AcceptsAFieldWrittenWithItsDefaultValue) {
  // Some encoders write every field the caller set, zeros included; 0 is what the ledger reads.
  booo::v1::EventBody body = booo::testing::PlacesBody("p-1", booo::testing::TestKey(3),
                                                       "GM0363", 5);
  body.set_client_time_micros(0);
  const std::string bytes = Serialized(body) + std::string("\x28\x00", 2);  // field 5 = 0
  absl::StatusOr<booo::v1::EventBody> parsed = ParseEventBody(bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->client_time_micros(), 0);
  // Written twice, even with the same value, it is refused.
  EXPECT_EQ(ParseEventBody(bytes + std::string("\x28\x00", 2)).status().message(),
            "client_time_micros: appears more than once");
}

absl::Status Check(const std::string& bytes, const Descriptor& d) {
  return CheckStrictWire(bytes, d);
}

TEST(StrictWireTest, RefusesWireLevelTricksWithThePath) {
  const Descriptor& date = *booo::v1::CivilDate::descriptor();
  const Descriptor& body = *booo::v1::EventBody::descriptor();
  EXPECT_TRUE(Check(std::string("\x08\xe6\x0f\x10\x02\x18\x1d", 7), date).ok());  // 2022-02-29
  // year as a length-delimited field
  EXPECT_EQ(Check(std::string("\x0a\x01\x01", 3), date).message(),
            "year: has wire type 2; a field of type int32 has wire type 0");
  // year = 1 padded to two bytes
  EXPECT_EQ(Check(std::string("\x08\x81\x00", 3), date).message(),
            "year: a varint is padded with redundant bytes");
  // year = 2^32 + 1: the parser would truncate it to 1
  EXPECT_EQ(Check(std::string("\x08\x81\x80\x80\x80\x10", 6), date).message(),
            "year: 4294967297 does not fit an int32");
  // a group (wire type 3) for field 1
  EXPECT_EQ(Check(std::string("\x0b\x0c", 2), date).message(),
            "year: has wire type 3, which this contract never uses");
  // truncated in the middle of a length
  EXPECT_EQ(Check(std::string("\x0a\x05gm", 4), body).message(),
            "event_id: a length runs past the end of the bytes");
  EXPECT_EQ(Check(std::string("\x0a\x02\xc3\x28", 4), body).message(),
            "event_id: is not valid UTF-8");
  EXPECT_EQ(Check(std::string("\x00\x01", 2), body).message(), "body: field number 0 is not valid");
  // expected_stream_version (proto3 optional: a synthetic oneof, not a real one) written once
  EXPECT_TRUE(Check(std::string("\x18\x00", 2), body).ok());
}

TEST(StrictWireTest, RefusesUnknownEnumNumbersAndBoolsOtherThanZeroOrOne) {
  booo::v1::EventBody body;
  body.mutable_key_registered()->set_role(booo::v1::ROLE_MUNICIPALITY);
  std::string bytes = Serialized(body);
  ASSERT_TRUE(ParseEventBody(bytes).ok());
  body.mutable_key_registered()->set_role(static_cast<booo::v1::Role>(9));
  EXPECT_EQ(ParseEventBody(Serialized(body)).status().message(),
            "key_registered.role: unknown value 9 of enum Role");
  // ParameterValue.flag = 2 inside rule_amended.values[0]
  booo::v1::EventBody rule;
  rule.mutable_rule_amended()->add_values()->set_parameter("p");
  rule.mutable_rule_amended()->add_values()->set_parameter("q");
  auto* second = rule.mutable_rule_amended()->mutable_values(1);
  second->GetReflection()->MutableUnknownFields(second)->AddVarint(5, 2);
  EXPECT_EQ(ParseEventBody(Serialized(rule)).status().message(),
            "rule_amended.values[1].flag: a bool is 2, not 0 or 1");
}

TEST(StrictWireTest, RefusesAMapKeyWrittenTwice) {
  // The contract has no map today; the rule holds for any message, shown on Struct's map.
  google::protobuf::Struct s;
  (*s.mutable_fields())["a"].set_number_value(1);
  std::string once = s.SerializeAsString();
  EXPECT_TRUE(CheckStrictWire(once, *google::protobuf::Struct::descriptor()).ok());
  google::protobuf::Struct other;
  (*other.mutable_fields())["a"].set_number_value(2);
  EXPECT_EQ(CheckStrictWire(once + other.SerializeAsString(),
                            *google::protobuf::Struct::descriptor())
                .message(),
            "fields[1]: repeats a key already in the map");
  google::protobuf::Struct b;
  (*b.mutable_fields())["b"].set_number_value(2);
  EXPECT_TRUE(
      CheckStrictWire(once + b.SerializeAsString(), *google::protobuf::Struct::descriptor()).ok());
  // An unknown field inside a map value names the key's entry.
  google::protobuf::Struct nested;
  auto& v = (*nested.mutable_fields())["a"];
  v.GetReflection()->MutableUnknownFields(&v)->AddVarint(42, 1);
  EXPECT_EQ(CheckStrictWire(nested.SerializeAsString(), *google::protobuf::Struct::descriptor())
                .message(),
            "fields[0].value: unknown field 42");
}

TEST(StrictWireTest, AcceptsRepeatedScalarsPackedOrNot) {
  const Descriptor& location = *google::protobuf::SourceCodeInfo::Location::descriptor();
  // path = [1, 2] packed, then [3] unpacked: three elements, every byte read.
  EXPECT_TRUE(CheckStrictWire(std::string("\x0a\x02\x01\x02\x08\x03", 6), location).ok());
  EXPECT_EQ(CheckStrictWire(std::string("\x0a\x02\x01\x82\x00", 5), location).message(),
            "path[1]: the bytes end inside a varint");
  EXPECT_EQ(CheckStrictWire(std::string("\x0a\x03\x01\x82\x00", 5), location).message(),
            "path[1]: a varint is padded with redundant bytes");
}

TEST(StrictWireTest, RefusesNestingBeyondTheLimit) {
  // Struct -> Value -> Struct ... deeper than kMaxStrictDepth.
  google::protobuf::Value value;
  google::protobuf::Value* at = &value;
  for (int i = 0; i < kMaxStrictDepth; ++i) {
    at = &(*at->mutable_struct_value()->mutable_fields())["k"];
  }
  at->set_bool_value(true);
  absl::Status s = CheckStrictWire(value.SerializeAsString(), *google::protobuf::Value::descriptor());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("nests deeper than 32 messages"), absl::string_view::npos);
}

// The fuzz property, on deterministic mutations of real bodies: whatever the ledger's parser
// accepts, protobuf's generic reading finds field by field in the parsed message.
TEST(StrictWireTest, AcceptsOnlyBodiesWhoseEveryByteIsAccountedFor) {
  booo::v1::EventBody report;
  report.set_event_id("r-1");
  auto* r = report.mutable_accountability_report_filed();
  r->set_municipality_code("GM0363");
  r->set_spending_year(2023);
  r->add_findings()->set_finding_id("f1");
  r->add_findings()->set_amount_cents(5);
  booo::v1::EventBody rule;
  auto* v = rule.mutable_rule_amended()->add_values();
  v->set_parameter("p");
  v->set_flag(true);
  const std::vector<std::string> seeds = {
      Serialized(booo::testing::PlacesBody("p-1", booo::testing::TestKey(3), "GM0363", 5)),
      Serialized(report), Serialized(rule)};
  uint64_t state = 0x9E3779B97F4A7C15;
  auto next = [&state] {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return state;
  };
  int accepted = 0, refused = 0;
  for (int round = 0; round < 30000; ++round) {
    std::string bytes = seeds[round % seeds.size()];
    const int edits = 1 + static_cast<int>(next() % 3);
    for (int e = 0; e < edits && !bytes.empty(); ++e) {
      const size_t at = next() % bytes.size();
      switch (next() % 3) {
        case 0:
          bytes[at] = static_cast<char>(next());
          break;
        case 1:
          bytes.insert(at, 1, static_cast<char>(next()));
          break;
        default:
          bytes += bytes.substr(at, 1 + next() % 8);  // a copy of a piece: duplicates
      }
    }
    absl::StatusOr<booo::v1::EventBody> parsed = ParseEventBody(bytes);
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
      ++refused;
      continue;
    }
    ++accepted;
    ASSERT_TRUE(booo::testing::EveryByteAccountedFor(bytes, *parsed)) << absl::CHexEscape(bytes);
  }
  EXPECT_GT(accepted, 1000);
  EXPECT_GT(refused, 1000);
}

}  // namespace
}  // namespace booo::ledger
