// Every refusal of Append against the real server: the exact gRPC code, a message naming the
// field, and nothing written (ExpectRefused checks the tree size and the event id).
#include "gtest/gtest.h"
#include "tests/integration/test_ledger_env.h"

namespace booo::testing {
namespace {

using grpc::StatusCode;

class AppendRefusalTest : public LedgerServerTest {
 protected:
  void SetUp() override {
    LedgerServerTest::SetUp();
    RegisterStandardKeys();
  }
};

TEST_F(AppendRefusalTest, RejectsBytesThatAreNotAnEventBody) {
  const uint64_t before = TreeSize();
  auto signature = amsterdam_.Sign("\xff\xff\xff garbage");
  grpc::Status status = AppendRaw("\xff\xff\xff garbage", *signature);
  EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("body"), std::string::npos);
  EXPECT_EQ(TreeSize(), before);
}

TEST_F(AppendRefusalTest, RejectsBodyWithUnknownFields) {
  SignedBytes event = Sign(PlacesBody("p-unknown", amsterdam_, "GM0363", 10), amsterdam_);
  event.body += std::string("\xf8\x3e\x01", 3);  // field 999, varint 1: unknown to this server
  grpc::Status status = AppendRaw(event.body, *amsterdam_.Sign(event.body));
  EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("body"), std::string::npos);
}

TEST_F(AppendRefusalTest, RejectsOversizedBody) {
  auto body = PlacesBody("p-big", amsterdam_, "GM0363", 10);
  body.mutable_goo_places_declared()->set_location_id(std::string(5000, 'x'));
  ExpectRefused(body, amsterdam_, StatusCode::RESOURCE_EXHAUSTED, "body");
}

TEST_F(AppendRefusalTest, RejectsUnknownKey) {
  ledger::Ed25519PrivateKey stranger = TestKey(77);
  ExpectRefused(PlacesBody("p-stranger", stranger, "GM0363", 10), stranger, StatusCode::NOT_FOUND,
                "signer_key_id");
}

TEST_F(AppendRefusalTest, RejectsBadSignature) {
  const uint64_t before = TreeSize();
  SignedBytes event = Sign(PlacesBody("p-badsig", amsterdam_, "GM0363", 10), amsterdam_);
  event.signature[5] ^= 0x01;
  grpc::Status status = AppendRaw(event.body, event.signature);
  EXPECT_EQ(status.error_code(), StatusCode::UNAUTHENTICATED);
  EXPECT_NE(status.error_message().find("signature"), std::string::npos);
  EXPECT_EQ(TreeSize(), before);
}

TEST_F(AppendRefusalTest, RejectsSignatureOfWrongLength) {
  SignedBytes event = Sign(PlacesBody("p-short", amsterdam_, "GM0363", 10), amsterdam_);
  grpc::Status status = AppendRaw(event.body, event.signature.substr(0, 63));
  EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("signature"), std::string::npos);
}

TEST_F(AppendRefusalTest, RejectsRevokedKeyButKeepsItsEarlierEvents) {
  booo::v1::AppendResponse earlier;
  ASSERT_TRUE(Append(PlacesBody("p-before", amsterdam_, "GM0363", 10), amsterdam_, &earlier).ok());
  ASSERT_TRUE(Append(KeyRevokedBody("rev-ams", root_, amsterdam_.KeyId()), root_).ok());
  ExpectRefused(PlacesBody("p-after", amsterdam_, "GM0363", 10), amsterdam_,
                StatusCode::PERMISSION_DENIED, "revoked");
  grpc::ClientContext context;
  booo::v1::GetEventRequest get;
  get.set_sequence(earlier.receipt().sequence());
  booo::v1::StoredEvent event;
  EXPECT_TRUE(stub_->GetEvent(&context, get, &event).ok());
}

TEST_F(AppendRefusalTest, RejectsMunicipalityKeySigningMinistryPayload) {
  ExpectRefused(AdvanceBody("adv-self", amsterdam_, "GM0363", 100), amsterdam_,
                StatusCode::PERMISSION_DENIED, "signer_key_id");
}

TEST_F(AppendRefusalTest, RejectsMinistryKeySigningMunicipalDeclaration) {
  ExpectRefused(PlacesBody("p-ministry", root_, "GM0363", 10), root_, StatusCode::PERMISSION_DENIED,
                "signer_key_id");
}

TEST_F(AppendRefusalTest, RejectsAuditorKeyForAnything) {
  ExpectRefused(PlacesBody("p-auditor", auditor_, "GM0363", 10), auditor_,
                StatusCode::PERMISSION_DENIED, "auditor");
}

TEST_F(AppendRefusalTest, RejectsDeclarationForAnotherMunicipality) {
  ExpectRefused(PlacesBody("p-other", amsterdam_, "GM0344", 10), amsterdam_,
                StatusCode::PERMISSION_DENIED, "municipality_code");
}

TEST_F(AppendRefusalTest, RejectsMissingPayload) {
  auto body = PlacesBody("p-none", amsterdam_, "GM0363", 10);
  body.clear_payload();
  ExpectRefused(body, amsterdam_, StatusCode::INVALID_ARGUMENT, "payload");
}

TEST_F(AppendRefusalTest, RejectsStreamThatDoesNotMatchPayload) {
  auto body = PlacesBody("p-stream", amsterdam_, "GM0363", 10);
  body.set_stream("municipality/GM0344");
  ExpectRefused(body, amsterdam_, StatusCode::INVALID_ARGUMENT, "stream");
}

TEST_F(AppendRefusalTest, RejectsNegativePlaces) {
  ExpectRefused(PlacesBody("p-neg", amsterdam_, "GM0363", -1), amsterdam_,
                StatusCode::INVALID_ARGUMENT, "goo_places_declared.places");
}

TEST_F(AppendRefusalTest, RejectsNegativeAmount) {
  ExpectRefused(AdvanceBody("adv-neg", root_, "GM0363", -5), root_, StatusCode::INVALID_ARGUMENT,
                "advance_paid.amount_cents");
}

TEST_F(AppendRefusalTest, RejectsAmountBeyondTheLimitAsOutOfRange) {
  ExpectRefused(AdvanceBody("adv-huge", root_, "GM0363", INT64_MAX), root_,
                StatusCode::OUT_OF_RANGE, "advance_paid.amount_cents");
}

TEST_F(AppendRefusalTest, RejectsImpossibleDate) {
  auto body = PlacesBody("p-feb29", amsterdam_, "GM0363", 10);
  *body.mutable_goo_places_declared()->mutable_period()->mutable_first_day() = Day(2023, 2, 29);
  ExpectRefused(body, amsterdam_, StatusCode::INVALID_ARGUMENT,
                "goo_places_declared.period.first_day");
}

TEST_F(AppendRefusalTest, AcceptsLeapDay) {
  auto body = PlacesBody("p-leap", amsterdam_, "GM0363", 10);
  *body.mutable_goo_places_declared()->mutable_period()->mutable_first_day() = Day(2024, 2, 29);
  *body.mutable_goo_places_declared()->mutable_period()->mutable_last_day() = Day(2024, 2, 29);
  EXPECT_TRUE(Append(body, amsterdam_).ok());
}

TEST_F(AppendRefusalTest, RejectsRangeThatEndsBeforeItStarts) {
  auto body = PlacesBody("p-backwards", amsterdam_, "GM0363", 10);
  *body.mutable_goo_places_declared()->mutable_period()->mutable_first_day() = Day(2022, 10, 15);
  *body.mutable_goo_places_declared()->mutable_period()->mutable_last_day() = Day(2022, 10, 14);
  ExpectRefused(body, amsterdam_, StatusCode::INVALID_ARGUMENT, "goo_places_declared.period");
}

TEST_F(AppendRefusalTest, RejectsMalformedEventId) {
  auto body = PlacesBody("has space", amsterdam_, "GM0363", 10);
  ExpectRefused(body, amsterdam_, StatusCode::INVALID_ARGUMENT, "event_id");
}

TEST_F(AppendRefusalTest, RejectsSecondGenesis) {
  auto body = GenesisBody(root_, checkpoint_key_);
  body.set_event_id("genesis-2");  // the same id and bytes would be an idempotent retry
  ExpectRefused(body, root_, StatusCode::FAILED_PRECONDITION, "genesis");
}

TEST_F(AppendRefusalTest, RejectsRegisteringAKeyTwice) {
  ExpectRefused(
      KeyRegisteredBody("k-ams-again", root_, amsterdam_, booo::v1::ROLE_MUNICIPALITY, "GM0363"),
      root_, StatusCode::FAILED_PRECONDITION, "key_registered.key_id");
}

TEST_F(AppendRefusalTest, RejectsRevokingTheLastMinistryKey) {
  ExpectRefused(KeyRevokedBody("rev-root", root_, root_.KeyId()), root_,
                StatusCode::FAILED_PRECONDITION, "key_revoked.key_id");
}

TEST_F(AppendRefusalTest, RejectsMunicipalityKeyWithoutCode) {
  ExpectRefused(KeyRegisteredBody("k-nocode", root_, TestKey(40), booo::v1::ROLE_MUNICIPALITY),
                root_, StatusCode::INVALID_ARGUMENT, "key_registered.municipality_code");
}

TEST_F(AppendRefusalTest, RejectsSupersedingAnUnknownEvent) {
  auto body = PlacesBody("p-fix", amsterdam_, "GM0363", 12);
  body.set_supersedes_event_id("never-was");
  ExpectRefused(body, amsterdam_, StatusCode::NOT_FOUND, "supersedes_event_id");
}

TEST_F(AppendRefusalTest, RejectsSupersedingAnEventOfAnotherKind) {
  ASSERT_TRUE(Append(AdvanceBody("adv-1", root_, "GM0363", 100), root_).ok());
  auto body = PlacesBody("p-fix-kind", amsterdam_, "GM0363", 12);
  body.set_supersedes_event_id("adv-1");
  ExpectRefused(body, amsterdam_, StatusCode::FAILED_PRECONDITION, "supersedes_event_id");
}

TEST_F(AppendRefusalTest, RejectsSupersedingTheSameEventTwice) {
  ASSERT_TRUE(Append(PlacesBody("p-orig", amsterdam_, "GM0363", 10), amsterdam_).ok());
  auto fix = PlacesBody("p-fix-1", amsterdam_, "GM0363", 11);
  fix.set_supersedes_event_id("p-orig");
  ASSERT_TRUE(Append(fix, amsterdam_).ok());
  auto again = PlacesBody("p-fix-2", amsterdam_, "GM0363", 12);
  again.set_supersedes_event_id("p-orig");
  ExpectRefused(again, amsterdam_, StatusCode::FAILED_PRECONDITION, "already superseded");
}

}  // namespace
}  // namespace booo::testing
