// Fuzz target: the envelope a client sends (booo.v1.SignedEvent) and every payload in it,
// through everything admission does before it needs the ledger's history: parsing the body,
// field validation, the derived stream, municipality, role and business date, the signature
// check, and the leaf encoding the body would be stored in.
// Properties: parsing refuses with INVALID_ARGUMENT only, and accepts a body only if protobuf's
// generic reading of it finds every field, with exactly its value, in the parsed message
// (wire_accounting.h); validation with INVALID_ARGUMENT or
// OUT_OF_RANGE only; a leaf that encodes decodes to the same fields and hashes the same twice.
// Signatures cannot be forged by mutation, so the one property on them is that no signature
// verifies under two different keys.
#include <string>

#include "absl/status/status.h"
#include "booo/v1/ledger_service.pb.h"
#include "ledger/core/admission.h"
#include "ledger/core/event_validation.h"
#include "ledger/core/leaf_format.h"
#include "ledger/core/merkle.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/wire_accounting.h"
#include "tests/support/event_factory.h"

namespace {

using booo::ledger::Ed25519PrivateKey;

const Ed25519PrivateKey& CorpusKey() {
  static const Ed25519PrivateKey* key = new Ed25519PrivateKey(booo::testing::TestKey(1));
  return *key;
}

const Ed25519PrivateKey& OtherKey() {
  static const Ed25519PrivateKey* key = new Ed25519PrivateKey(booo::testing::TestKey(9));
  return *key;
}

void CheckLeafRoundTrip(const booo::v1::EventBody& body, const booo::v1::SignedEvent& envelope) {
  booo::ledger::Leaf leaf{42, 1'700'000'000'000'000, body.signer_key_id(), envelope.body(),
                          envelope.signature()};
  absl::StatusOr<std::string> encoded = booo::ledger::EncodeLeaf(leaf);
  if (!encoded.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(encoded.status()));
    return;
  }
  absl::StatusOr<booo::ledger::Leaf> decoded = booo::ledger::DecodeLeaf(*encoded);
  FUZZ_CHECK(decoded.ok());
  FUZZ_CHECK(*decoded == leaf);
  FUZZ_CHECK(booo::ledger::HashLeaf(*encoded) == booo::ledger::HashLeaf(*encoded));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  booo::v1::SignedEvent envelope;
  if (!envelope.ParseFromArray(data, static_cast<int>(size))) return 0;
  absl::StatusOr<booo::v1::EventBody> body = booo::ledger::ParseEventBody(envelope.body());
  if (!body.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(body.status()));
    return 0;
  }
  FUZZ_CHECK(booo::testing::EveryByteAccountedFor(envelope.body(), *body));
  const absl::Status valid = booo::ledger::ValidateEventBody(*body, booo::testing::GrantRules());
  FUZZ_CHECK(valid.ok() || absl::IsInvalidArgument(valid) || absl::IsOutOfRange(valid));
  (void)booo::ledger::ExpectedStream(*body);
  (void)booo::ledger::PayloadMunicipality(*body);
  (void)booo::ledger::BusinessDate(*body);
  (void)booo::ledger::BusinessDateField(*body);
  (void)booo::ledger::PayloadName(*body);
  if (body->payload_case() != booo::v1::EventBody::PAYLOAD_NOT_SET) {
    (void)booo::ledger::RequiredRole(*body);
  }
  const absl::Status by_corpus_key = booo::ledger::CheckEventSignature(
      *body, envelope.body(), envelope.signature(), CorpusKey().PublicKey());
  // The corpus is signed with CorpusKey; no mutation can make another key's check pass.
  const absl::Status by_other_key = booo::ledger::CheckEventSignature(
      *body, envelope.body(), envelope.signature(), OtherKey().PublicKey());
  FUZZ_CHECK(!(by_corpus_key.ok() && by_other_key.ok()));
  CheckLeafRoundTrip(*body, envelope);
  return 0;
}
