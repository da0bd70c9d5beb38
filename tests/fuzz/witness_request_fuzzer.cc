// Fuzz target: the body of a C2SP tlog-witness add-checkpoint request, the outside input of
// `ledgerctl witness serve` (ledger/core/witness_protocol.h), judged by a witness that holds
// the tree of 10 leaves of the seed corpus's log (make_corpus.cc: leaves "leaf 0".."leaf 19",
// log key TestKey(2), origin booo-ledger.test/fuzz).
// Properties: a body is refused with INVALID_ARGUMENT, or parses to a request whose format is
// exactly the input (one spelling) with at most 63 proof hashes; the witness answers with one
// of the spec's codes; it cosigns (200) only a checkpoint signed by the log's key that extends
// the tree it holds (never smaller, the same root at the same size), and its cosignature
// verifies; any other answer changes nothing.
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ledger/core/checkpoint.h"
#include "ledger/core/cosignature.h"
#include "ledger/core/witness_protocol.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/support/event_factory.h"

namespace {

constexpr char kOrigin[] = "booo-ledger.test/fuzz";

struct Fixture {
  booo::ledger::Ed25519PrivateKey log_key = booo::testing::TestKey(2);
  booo::ledger::Ed25519PrivateKey witness_key = booo::testing::TestKey(5);
  booo::ledger::WitnessedLog held;
  Fixture() {
    booo::ledger::CompactRange range;
    for (int i = 0; i < 10; ++i) range.Append(booo::ledger::HashLeaf(absl::StrCat("leaf ", i)));
    held.origin = kOrigin;
    held.size = 10;
    held.root = range.Root();
    held.log_keys = {{kOrigin, log_key.PublicKey()}};
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Fixture* fixture = new Fixture();
  const absl::string_view body(reinterpret_cast<const char*>(data), size);
  auto request = booo::ledger::ParseAddCheckpointRequest(body);
  if (!request.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(request.status()));
    return 0;
  }
  FUZZ_CHECK(booo::ledger::FormatAddCheckpointRequest(*request) == body);
  FUZZ_CHECK(request->proof.size() <= booo::ledger::kMaxConsistencyProofLines);
  const booo::ledger::WitnessAnswer answer = booo::ledger::JudgeAddCheckpoint(
      *request, fixture->held, "witness.test/fuzz", fixture->witness_key, 1700000000);
  const int s = answer.http_status;
  FUZZ_CHECK(s == 200 || s == 400 || s == 403 || s == 409 || s == 422);
  FUZZ_CHECK(answer.updated.has_value() == (s == 200));
  if (s != 200) return 0;
  auto checkpoint = booo::ledger::OpenCheckpoint(request->checkpoint, kOrigin,
                                                 fixture->log_key.PublicKey(), kOrigin);
  FUZZ_CHECK(checkpoint.ok());
  FUZZ_CHECK(request->old_size == fixture->held.size);
  FUZZ_CHECK(checkpoint->tree_size >= fixture->held.size);
  FUZZ_CHECK(checkpoint->tree_size != fixture->held.size ||
             checkpoint->root_hash == fixture->held.root);
  FUZZ_CHECK(answer.updated->size == checkpoint->tree_size);
  auto cosigned = booo::ledger::VerifiedCosigners(
      request->checkpoint + answer.body,
      {{"witness.test/fuzz", fixture->witness_key.PublicKey()}});
  FUZZ_CHECK(cosigned.ok() && cosigned->contains("witness.test/fuzz"));
  return 0;
}
