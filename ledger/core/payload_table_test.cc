// Every payload of EventBody's oneof has its declaration in the payload table (stream, signer,
// municipality, business date), its field checks, and a seed in the envelope fuzz corpus.
#include "ledger/core/payload_table.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "booo/v1/ledger_service.pb.h"
#include "gtest/gtest.h"
#include "ledger/core/civil_date.h"
#include "ledger/core/event_validation.h"
#include "tests/support/event_factory.h"

namespace booo::ledger {
namespace {

using booo::v1::EventBody;
using google::protobuf::FieldDescriptor;

const google::protobuf::OneofDescriptor& PayloadOneof() {
  return *EventBody::descriptor()->FindOneofByName("payload");
}

// The payloads a municipality key signs, stated here again, independently of events.proto.
const std::set<std::string>& MunicipalitySigned() {
  static const auto* names = new std::set<std::string>{
      "goo_places_declared",        "poo_person_months_declared", "living_allowance_paid",
      "transition_cost_requested",  "exception_claim_filed",      "voluntary_repayment_received",
      "accountability_report_filed", "location_registered",       "transition_costs_declared",
      "advance_requested"};
  return *names;
}

// A body with the envelope set and the payload present but empty.
EventBody WithEmptyPayload(const FieldDescriptor* payload) {
  EventBody body;
  body.set_event_id("e-1");
  body.set_signer_key_id("ed25519:0000000000000000");
  body.GetReflection()->MutableMessage(&body, payload);
  return body;
}

TEST(PayloadTableTest, EveryPayloadIsDeclared) {
  ASSERT_TRUE(PayloadTableProblems().ok()) << PayloadTableProblems();
  ASSERT_EQ(Payloads().size(), static_cast<size_t>(PayloadOneof().field_count()));
  for (int i = 0; i < PayloadOneof().field_count(); ++i) {
    const FieldDescriptor* field = PayloadOneof().field(i);
    const PayloadInfo* info = FindPayload(field->number());
    ASSERT_NE(info, nullptr) << field->name();
    EXPECT_EQ(info->field, field);
  }
  EXPECT_EQ(FindPayload(0), nullptr);
  EXPECT_EQ(FindPayload(7), nullptr);
  EXPECT_EQ(FindPayload(9999), nullptr);
}

TEST(PayloadTableTest, EveryPayloadHasItsStreamAndSigner) {
  for (const PayloadInfo& info : Payloads()) {
    SCOPED_TRACE(info.name());
    EventBody body = WithEmptyPayload(info.field);
    const bool municipal = info.municipality != nullptr;
    if (municipal) {
      auto* payload = body.GetReflection()->MutableMessage(&body, info.field);
      payload->GetReflection()->SetString(payload, info.municipality, "GM0363");
    }
    const std::string stream = ExpectedStream(body);
    if (municipal) {
      EXPECT_EQ(stream, "municipality/GM0363");
      EXPECT_EQ(PayloadMunicipality(body), "GM0363");
    } else {
      EXPECT_TRUE(stream == "keys" || stream == "rules" || stream == "budget") << stream;
      EXPECT_EQ(PayloadMunicipality(body), "");
    }
    EXPECT_EQ(IsKeyEvent(body), stream == "keys");
    EXPECT_EQ(RequiredRole(body) == SignerRole::kMunicipality,
              MunicipalitySigned().count(info.name()) == 1);
    EXPECT_EQ(PayloadName(body), info.name());
  }
}

TEST(PayloadTableTest, EveryPayloadButKeyEventsHasABusinessDate) {
  for (const PayloadInfo& info : Payloads()) {
    SCOPED_TRACE(info.name());
    EventBody body = WithEmptyPayload(info.field);
    if (info.stream == StreamKind::kKeys) {
      EXPECT_EQ(BusinessDate(body), std::nullopt);
      continue;
    }
    ASSERT_NE(info.business_date, nullptr);
    auto* payload = body.GetReflection()->MutableMessage(&body, info.field);
    auto* date = static_cast<booo::v1::CivilDate*>(
        payload->GetReflection()->MutableMessage(payload, info.business_date));
    *date = booo::testing::Day(2024, 2, 29);
    ASSERT_TRUE(BusinessDate(body).has_value());
    EXPECT_EQ(ToEpochDays(*BusinessDate(body)), ToEpochDays(booo::testing::Day(2024, 2, 29)));
    EXPECT_EQ(BusinessDateField(body), absl::StrCat(info.name(), ".", info.business_date->name()));
  }
}

TEST(PayloadTableTest, EveryPayloadHasFieldChecks) {
  // An empty payload in its own stream is refused by a check of one of its own fields.
  for (const PayloadInfo& info : Payloads()) {
    SCOPED_TRACE(info.name());
    EventBody body = WithEmptyPayload(info.field);
    if (info.municipality != nullptr) {
      auto* payload = body.GetReflection()->MutableMessage(&body, info.field);
      payload->GetReflection()->SetString(payload, info.municipality, "GM0363");
    }
    body.set_stream(ExpectedStream(body));
    const absl::Status status = ValidateEventBody(body, booo::testing::GrantRules());
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
    EXPECT_TRUE(absl::StartsWith(status.message(), info.name() + ".")) << status;
  }
}

TEST(PayloadTableTest, EveryPayloadHasASeedInTheEnvelopeCorpus) {
  std::set<int> seeded;
  const std::filesystem::path corpus = std::filesystem::path(BOOO_SOURCE_DIR) / "tests/fuzz/corpus/envelope";
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(corpus, error)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    booo::v1::SignedEvent envelope;
    if (!envelope.ParseFromString(bytes.str())) continue;
    absl::StatusOr<EventBody> body = ParseEventBody(envelope.body());
    if (body.ok() && ValidateEventBody(*body, booo::testing::GrantRules()).ok()) seeded.insert(body->payload_case());
  }
  ASSERT_FALSE(error) << error.message();
  for (const PayloadInfo& info : Payloads()) {
    EXPECT_EQ(seeded.count(info.field->number()), 1u)
        << info.name() << " has no valid seed in " << corpus;
  }
}

}  // namespace
}  // namespace booo::ledger
