// ReadEventHeader must agree with a full parse (ledger::BusinessDate and the body's fields) for
// every payload kind, and for the non-canonical encodings a client may sign.
#include "replay/projection/event_header.h"

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "booo/v1/events.pb.h"
#include "gtest/gtest.h"
#include "ledger/core/civil_date.h"
#include "ledger/core/event_validation.h"

namespace booo::replay {
namespace {

using booo::v1::EventBody;
using google::protobuf::FieldDescriptor;

// A body with `payload` set and, when the payload has one, its business date set to `day`.
EventBody BodyWith(const FieldDescriptor* payload, int32_t year, int32_t month, int32_t day) {
  EventBody body;
  body.set_event_id("evt-" + std::string(payload->name()));
  body.set_stream("municipality/GM0363");
  body.set_supersedes_event_id("earlier");
  google::protobuf::Message* message = body.GetReflection()->MutableMessage(&body, payload);
  if (ledger::BusinessDate(body)) {
    const std::string path = ledger::BusinessDateField(body);
    const std::string name = std::vector<std::string>(absl::StrSplit(path, '.')).back();
    const FieldDescriptor* date = message->GetDescriptor()->FindFieldByName(name);
    EXPECT_NE(date, nullptr) << path;
    *static_cast<booo::v1::CivilDate*>(message->GetReflection()->MutableMessage(message, date)) =
        ledger::MakeDate(year, month, day);
  }
  return body;
}

void ExpectAgrees(const std::string& bytes, const std::string& what) {
  EventBody parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes)) << what;
  absl::StatusOr<EventHeader> header = ReadEventHeader(bytes);
  ASSERT_TRUE(header.ok()) << what << ": " << header.status();
  EXPECT_EQ(header->event_id, parsed.event_id()) << what;
  EXPECT_EQ(header->stream, parsed.stream()) << what;
  EXPECT_EQ(header->payload_field, static_cast<int>(parsed.payload_case())) << what;
  const auto date = ledger::BusinessDate(parsed);
  ASSERT_EQ(header->business_day.has_value(), date.has_value()) << what;
  if (date) {
    EXPECT_EQ(*header->business_day, ledger::ToEpochDays(*date)) << what;
  }
}

TEST(EventHeaderTest, AgreesWithAFullParseForEveryPayloadKind) {
  const auto* payloads = EventBody::descriptor()->FindOneofByName("payload");
  ASSERT_GT(payloads->field_count(), 20);
  for (int i = 0; i < payloads->field_count(); ++i) {
    const FieldDescriptor* payload = payloads->field(i);
    // Boundary days: the 14/15 October 2022 change, the turn of 2023/2024, a leap day.
    for (auto [y, m, d] :
         {std::tuple{2022, 10, 14}, {2022, 10, 15}, {2023, 12, 31}, {2024, 1, 1}, {2024, 2, 29}}) {
      const EventBody body = BodyWith(payload, y, m, d);
      ExpectAgrees(body.SerializeAsString(), std::string(payload->name()));
    }
  }
}

TEST(EventHeaderTest, ABodyWithoutPayloadHasNoBusinessDay) {
  EventBody body;
  body.set_event_id("bare");
  ExpectAgrees(body.SerializeAsString(), "no payload");
  EXPECT_EQ(ReadEventHeader(body.SerializeAsString())->payload_field, 0);
}

TEST(EventHeaderTest, NonCanonicalEncodingsReadAsProtobufReadsThem) {
  const auto* goo = EventBody::descriptor()->FindFieldByName("goo_places_declared");
  const auto* poo = EventBody::descriptor()->FindFieldByName("poo_person_months_declared");
  const std::string first = BodyWith(goo, 2022, 10, 14).SerializeAsString();
  const std::string second = BodyWith(goo, 2024, 2, 29).SerializeAsString();
  // Concatenated messages merge: the later scalars win, the payload messages merge.
  ExpectAgrees(first + second, "the same payload twice");
  // A different oneof member later replaces the first.
  ExpectAgrees(first + BodyWith(poo, 2023, 12, 31).SerializeAsString(), "two payload kinds");
  // A payload whose date arrives in two pieces (year, then month and day).
  EventBody split = BodyWith(goo, 2022, 10, 15);
  auto* date = split.mutable_goo_places_declared()->mutable_received_date();
  const std::string year_only = [&] {
    EventBody b = split;
    b.mutable_goo_places_declared()->mutable_received_date()->clear_month();
    b.mutable_goo_places_declared()->mutable_received_date()->clear_day();
    return b.SerializeAsString();
  }();
  date->clear_year();
  ExpectAgrees(year_only + split.SerializeAsString(), "a date in two pieces");
}

TEST(EventHeaderTest, MalformedBytesAreDataLoss) {
  const auto* goo = EventBody::descriptor()->FindFieldByName("goo_places_declared");
  const std::string good = BodyWith(goo, 2022, 10, 14).SerializeAsString();
  for (size_t cut = 1; cut < good.size(); ++cut) {
    const std::string truncated = good.substr(0, cut);
    EventBody parsed;
    if (parsed.ParseFromString(truncated)) {
      ExpectAgrees(truncated, "cut at " + std::to_string(cut));
    } else {
      EXPECT_EQ(ReadEventHeader(truncated).status().code(), absl::StatusCode::kDataLoss)
          << "cut at " << cut;
    }
  }
  EXPECT_EQ(ReadEventHeader(std::string("\xff\xff\xff", 3)).status().code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace booo::replay
