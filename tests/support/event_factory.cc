#include "tests/support/event_factory.h"

#include "ledger/core/civil_date.h"
#include "replay/calc/grant_payload_rules.h"

#include <cstdlib>

#include "ledger/core/event_validation.h"

namespace booo::testing {

const ledger::PayloadRules* GrantRules() {
  static const replay::GrantPayloadRules* rules = new replay::GrantPayloadRules;
  return rules;
}

ledger::LedgerOptions WithGrantRules(ledger::LedgerOptions options) {
  options.payload_rules = GrantRules();
  return options;
}

ledger::Ed25519PrivateKey TestKey(uint8_t seed) {
  auto key = ledger::Ed25519PrivateKey::FromSeed(std::string(32, static_cast<char>(seed)));
  if (!key.ok()) std::abort();
  return std::move(*key);
}

std::vector<SignedBytes> GenesisWithAmsterdam(const ledger::Ed25519PrivateKey& root,
                                              const ledger::Ed25519PrivateKey& ams) {
  return {Sign(GenesisBody(root, TestKey(2)), root),
          Sign(KeyRegisteredBody("k-ams", root, ams, booo::v1::ROLE_MUNICIPALITY, "GM0363"), root)};
}

SignedBytes Sign(const booo::v1::EventBody& body, const ledger::Ed25519PrivateKey& key) {
  SignedBytes out;
  body.SerializeToString(&out.body);
  auto signature = key.Sign(out.body);
  if (!signature.ok()) std::abort();
  out.signature = *signature;
  return out;
}

booo::v1::CivilDate Day(int year, int month, int day) { return ledger::MakeDate(year, month, day); }

namespace {

booo::v1::EventBody Envelope(const std::string& event_id, const ledger::Ed25519PrivateKey& signer) {
  booo::v1::EventBody body;
  body.set_event_id(event_id);
  body.set_signer_key_id(signer.KeyId());
  body.set_client_time_micros(1'700'000'000'000'000);
  return body;
}

}  // namespace

booo::v1::EventBody GenesisBody(const ledger::Ed25519PrivateKey& root,
                                const ledger::Ed25519PrivateKey& checkpoint,
                                const std::string& origin) {
  booo::v1::EventBody body = Envelope("genesis", root);
  body.set_stream("keys");
  auto* g = body.mutable_genesis();
  g->set_origin(origin);
  g->set_ministry_root_public_key(root.PublicKey());
  g->set_checkpoint_public_key(checkpoint.PublicKey());
  g->set_checkpoint_key_name("booo-ledger.test");
  return body;
}

booo::v1::EventBody KeyRegisteredBody(const std::string& event_id,
                                      const ledger::Ed25519PrivateKey& signer,
                                      const ledger::Ed25519PrivateKey& subject, booo::v1::Role role,
                                      const std::string& municipality) {
  booo::v1::EventBody body = Envelope(event_id, signer);
  body.set_stream("keys");
  auto* k = body.mutable_key_registered();
  k->set_key_id(subject.KeyId());
  k->set_public_key(subject.PublicKey());
  k->set_role(role);
  k->set_municipality_code(municipality);
  k->set_label("test key");
  return body;
}

booo::v1::EventBody KeyRevokedBody(const std::string& event_id,
                                   const ledger::Ed25519PrivateKey& signer,
                                   const std::string& key_id) {
  booo::v1::EventBody body = Envelope(event_id, signer);
  body.set_stream("keys");
  body.mutable_key_revoked()->set_key_id(key_id);
  body.mutable_key_revoked()->set_reason("test");
  return body;
}

booo::v1::EventBody CheckpointKeyRotatedBody(const std::string& event_id,
                                             const ledger::Ed25519PrivateKey& signer,
                                             const ledger::Ed25519PrivateKey& new_key,
                                             const std::string& key_name) {
  booo::v1::EventBody body = Envelope(event_id, signer);
  body.set_stream("keys");
  auto* r = body.mutable_checkpoint_key_rotated();
  r->set_checkpoint_public_key(new_key.PublicKey());
  r->set_checkpoint_key_name(key_name);
  r->set_reason("rotation");
  return body;
}

booo::v1::EventBody PlacesBody(const std::string& event_id, const ledger::Ed25519PrivateKey& signer,
                               const std::string& municipality, int64_t places) {
  booo::v1::EventBody body = Envelope(event_id, signer);
  body.set_stream(ledger::MunicipalityStream(municipality));
  auto* d = body.mutable_goo_places_declared();
  d->set_municipality_code(municipality);
  d->set_location_id("LOC-1");
  d->set_accommodation_type(booo::v1::ACCOMMODATION_TYPE_REGULAR_BUILDING);
  *d->mutable_period()->mutable_first_day() = Day(2022, 10, 1);
  *d->mutable_period()->mutable_last_day() = Day(2022, 10, 31);
  d->set_places(places);
  *d->mutable_received_date() = Day(2022, 11, 15);
  return body;
}

booo::v1::EventBody AdvanceBody(const std::string& event_id,
                                const ledger::Ed25519PrivateKey& signer,
                                const std::string& municipality, int64_t amount_cents) {
  booo::v1::EventBody body = Envelope(event_id, signer);
  body.set_stream(ledger::MunicipalityStream(municipality));
  auto* a = body.mutable_advance_paid();
  a->set_municipality_code(municipality);
  a->set_spending_year(2023);
  a->set_amount_cents(amount_cents);
  *a->mutable_payment_date() = Day(2023, 1, 15);
  return body;
}

}  // namespace booo::testing
