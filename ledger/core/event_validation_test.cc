#include "ledger/core/event_validation.h"

#include "gtest/gtest.h"
#include "ledger/core/civil_date.h"
#include "tests/support/event_factory.h"

namespace booo::ledger {
namespace {

using booo::testing::Day;
using booo::testing::TestKey;

// An envelope with no payload yet, as a ministry key would send it.
booo::v1::EventBody Envelope(const std::string& event_id, const std::string& stream) {
  booo::v1::EventBody body;
  body.set_event_id(event_id);
  body.set_stream(stream);
  body.set_signer_key_id("ed25519:0000000000000000");
  return body;
}

booo::v1::EventBody Places() { return booo::testing::PlacesBody("p", TestKey(3), "GM0363", 5); }

TEST(EventValidationTest, WithoutPayloadRulesOnlyKeyEventsAreAdmitted) {
  // The ledger knows its key events; the grant's payloads need the injected rules.
  const absl::Status places = ValidateEventBody(Places(), nullptr);
  EXPECT_EQ(places.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(places.message(),
            "payload: this ledger was opened without field rules for goo_places_declared events");
  EXPECT_TRUE(ValidateEventBody(booo::testing::GenesisBody(TestKey(1), TestKey(2)), nullptr).ok());
  booo::v1::EventBody revoked = booo::testing::KeyRevokedBody("r-1", TestKey(1), "k");
  revoked.mutable_key_revoked()->clear_key_id();
  EXPECT_EQ(ValidateEventBody(revoked, nullptr).message(), "key_revoked.key_id: is required");
}

TEST(EventValidationTest, AcceptsAWellFormedDeclaration) {
  EXPECT_TRUE(ValidateEventBody(Places(), booo::testing::GrantRules()).ok());
}

TEST(EventValidationTest, StreamFollowsFromThePayload) {
  EXPECT_EQ(ExpectedStream(Places()), "municipality/GM0363");
  EXPECT_EQ(ExpectedStream(booo::testing::GenesisBody(TestKey(1), TestKey(2))), "keys");
  booo::v1::EventBody rule;
  rule.mutable_rule_amended();
  EXPECT_EQ(ExpectedStream(rule), "rules");
}

TEST(EventValidationTest, MunicipalityCodeMustBeGmAndFourDigits) {
  EXPECT_TRUE(IsMunicipalityCode("GM0363"));
  EXPECT_FALSE(IsMunicipalityCode("GM363"));
  EXPECT_FALSE(IsMunicipalityCode("gm0363"));
  EXPECT_FALSE(IsMunicipalityCode("GM03a3"));
  auto body = Places();
  body.mutable_goo_places_declared()->set_municipality_code("AMS");
  body.set_stream("municipality/AMS");
  EXPECT_EQ(ValidateEventBody(body, booo::testing::GrantRules()).message().substr(0, 38),
            "goo_places_declared.municipality_code:");
}

TEST(EventValidationTest, PersonsWithProvisionCannotExceedRegistered) {
  booo::v1::EventBody body = Places();
  auto* poo = body.mutable_poo_person_months_declared();
  poo->set_municipality_code("GM0363");
  poo->mutable_month()->set_year(2022);
  poo->mutable_month()->set_month(10);
  poo->set_registered_persons(10);
  poo->set_persons_with_provision(11);
  absl::Status status = ValidateEventBody(body, booo::testing::GrantRules());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("persons_with_provision"), std::string::npos);
}

TEST(EventValidationTest, RuleValuesNeedAValueAndAnOrderedValidity) {
  booo::v1::EventBody body = Envelope("r1", "rules");
  auto* rule = body.mutable_rule_amended();
  rule->mutable_citation()->set_reference("Stcrt. 2022, 27515");
  *rule->mutable_publication_date() = Day(2022, 10, 11);
  auto* value = rule->add_values();
  value->set_parameter("goo_norm_per_place_day");
  *value->mutable_valid_from() = Day(2022, 10, 15);
  EXPECT_NE(ValidateEventBody(body, booo::testing::GrantRules()).message().find("rule_amended.values[0].value"),
            std::string::npos);
  value->set_amount_cents(8300);
  EXPECT_TRUE(ValidateEventBody(body, booo::testing::GrantRules()).ok());
  *value->mutable_valid_to() = Day(2022, 10, 14);
  EXPECT_NE(ValidateEventBody(body, booo::testing::GrantRules()).message().find("valid_to"), std::string::npos);
  value->clear_valid_to();
  value->set_parameter("GOO Norm");
  EXPECT_NE(ValidateEventBody(body, booo::testing::GrantRules()).message().find("parameter"), std::string::npos);
}

TEST(EventValidationTest, RejectedDecisionMustNotCarryAnAmount) {
  booo::v1::EventBody body = Envelope("d1", "municipality/GM0363");
  auto* d = body.mutable_exception_claim_decided();
  d->set_municipality_code("GM0363");
  d->set_claim_event_id("claim-1");
  d->set_outcome(booo::v1::DECISION_OUTCOME_REJECTED);
  d->set_accepted_total_cents(5);
  d->set_decision_reference("NOO/1");
  *d->mutable_decision_date() = Day(2023, 6, 1);
  EXPECT_NE(ValidateEventBody(body, booo::testing::GrantRules()).message().find("accepted_total_cents"), std::string::npos);
  d->set_accepted_total_cents(0);
  EXPECT_TRUE(ValidateEventBody(body, booo::testing::GrantRules()).ok());
}

TEST(EventValidationTest, EveryFactCarriesItsBusinessDate) {
  booo::v1::EventBody body = Places();
  body.mutable_goo_places_declared()->clear_received_date();
  EXPECT_EQ(ValidateEventBody(body, booo::testing::GrantRules()).message(), "goo_places_declared.received_date: is required");
  EXPECT_FALSE(BusinessDate(booo::testing::GenesisBody(TestKey(1), TestKey(2))).has_value());
  EXPECT_EQ(FormatDate(*BusinessDate(Places())), "2022-11-15");
  EXPECT_EQ(BusinessDateField(Places()), "goo_places_declared.received_date");
}

TEST(EventValidationTest, LivingAllowancePeriodStaysInOneYear) {
  booo::v1::EventBody body = Envelope("la", "municipality/GM0363");
  auto* la = body.mutable_living_allowance_paid();
  la->set_municipality_code("GM0363");
  la->set_reception_kind(booo::v1::RECEPTION_KIND_POO);
  la->set_component(booo::v1::ALLOWANCE_COMPONENT_LIVING_ALLOWANCE);
  *la->mutable_period()->mutable_first_day() = Day(2023, 12, 1);
  *la->mutable_period()->mutable_last_day() = Day(2024, 1, 31);
  *la->mutable_received_date() = Day(2024, 2, 1);
  la->set_amount_cents(100);
  EXPECT_EQ(ValidateEventBody(body, booo::testing::GrantRules()).message(),
            "living_allowance_paid.period: must lie within one calendar year (one spending year)");
  *la->mutable_period()->mutable_last_day() = Day(2023, 12, 31);
  EXPECT_TRUE(ValidateEventBody(body, booo::testing::GrantRules()).ok());
}

TEST(EventValidationTest, PersonReferencesArePseudonymsAndNeverACitizenServiceNumber) {
  booo::v1::EventBody body = Envelope("m", "municipality/GM0363");
  auto* d = body.mutable_poo_person_months_declared();
  d->set_municipality_code("GM0363");
  d->mutable_month()->set_year(2023);
  d->mutable_month()->set_month(5);
  d->set_registered_persons(2);
  d->set_persons_with_provision(2);
  *d->mutable_received_date() = Day(2023, 6, 1);
  const std::string pseudonym(64, 'a');
  d->add_person_refs(pseudonym);
  d->add_person_refs("123456782");  // BSN-shaped (passes the 11-test)
  absl::Status s = ValidateEventBody(body, booo::testing::GrantRules());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message().substr(0, 51), "poo_person_months_declared.person_refs[1]: looks li");
  EXPECT_EQ(s.message().find("123456782"), std::string::npos) << "the value must not be echoed";
  for (const char* bsn : {"1234.56.782", "123 456 782", "12345678"}) {
    d->set_person_refs(1, bsn);
    EXPECT_NE(ValidateEventBody(body, booo::testing::GrantRules()).message().find("citizen service number"), std::string::npos)
        << bsn;
  }
  d->set_person_refs(1, "not-a-pseudonym");
  EXPECT_NE(ValidateEventBody(body, booo::testing::GrantRules()).message().find("64 lowercase hex"), std::string::npos);
  d->set_person_refs(1, pseudonym);
  EXPECT_EQ(ValidateEventBody(body, booo::testing::GrantRules()).message(),
            "poo_person_months_declared.person_refs: a person is referenced twice in one month");
  d->set_person_refs(1, std::string(63, 'a') + "b");
  EXPECT_TRUE(ValidateEventBody(body, booo::testing::GrantRules()).ok());
  d->set_persons_with_provision(1);
  EXPECT_EQ(ValidateEventBody(body, booo::testing::GrantRules()).message(),
            "poo_person_months_declared.person_refs: 2 references for 1 persons with a provision");
}

TEST(EventValidationTest, HousingComponentOnlyInPrivateReception) {
  booo::v1::EventBody body = Places();
  auto* la = body.mutable_living_allowance_paid();
  la->set_municipality_code("GM0363");
  la->set_reception_kind(booo::v1::RECEPTION_KIND_GOO);
  la->set_component(booo::v1::ALLOWANCE_COMPONENT_HOUSING_COMPONENT);
  *la->mutable_period()->mutable_first_day() = Day(2024, 1, 1);
  *la->mutable_period()->mutable_last_day() = Day(2024, 1, 31);
  la->set_amount_cents(100);
  EXPECT_NE(ValidateEventBody(body, booo::testing::GrantRules()).message().find("living_allowance_paid.component"),
            std::string::npos);
}

}  // namespace
}  // namespace booo::ledger
