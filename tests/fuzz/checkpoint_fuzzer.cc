// Fuzz target: what the offline verifier reads of checkpoints: signed notes, checkpoint bodies
// and verifier key strings (ledger/core/checkpoint.h), as an auditor hands them to `ledgerctl verify`
// and `ledgerctl prove`.
// Properties: each refusal has its documented code; the checkpoint body is canonical (what
// parses serializes back to the same text) and a verifier key survives being written out and
// read again; a note accepted under the corpus key carries a body that parses on its own, and
// is the checkpoint PeekCheckpoint (which chooses the key by tree size) reads from it.
#include <string>

#include "absl/status/status.h"
#include "ledger/core/checkpoint.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/support/event_factory.h"

namespace {

constexpr char kKeyName[] = "booo-ledger.test/fuzz";

const std::string& CorpusPublicKey() {
  static const std::string* key = new std::string(booo::testing::TestKey(2).PublicKey());
  return *key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  absl::StatusOr<booo::ledger::Checkpoint> body = booo::ledger::ParseCheckpointBody(text);
  if (body.ok()) {
    FUZZ_CHECK(booo::ledger::ValidateCheckpoint(*body).ok());
    FUZZ_CHECK(booo::ledger::CheckpointBody(*body) == text);
  } else {
    FUZZ_CHECK(absl::IsInvalidArgument(body.status()));
  }

  absl::StatusOr<booo::ledger::Checkpoint> opened =
      booo::ledger::OpenCheckpoint(text, kKeyName, CorpusPublicKey());
  absl::StatusOr<booo::ledger::Checkpoint> peeked = booo::ledger::PeekCheckpoint(text);
  if (opened.ok()) {
    FUZZ_CHECK(booo::ledger::ValidateCheckpoint(*opened).ok());
    // What the verifier reads to choose the key is what the signature covers.
    FUZZ_CHECK(peeked.ok() && *peeked == *opened);
    absl::StatusOr<std::string> note = booo::ledger::OpenNote(text, kKeyName, CorpusPublicKey());
    FUZZ_CHECK(note.ok());
    absl::StatusOr<booo::ledger::Checkpoint> reparsed = booo::ledger::ParseCheckpointBody(*note);
    FUZZ_CHECK(reparsed.ok() && *reparsed == *opened);
  } else {
    const absl::Status& s = opened.status();
    FUZZ_CHECK(absl::IsInvalidArgument(s) || absl::IsUnauthenticated(s) ||
               absl::IsFailedPrecondition(s));
  }

  auto vkey = booo::ledger::ParseVerifierKeyString(text);
  if (vkey.ok()) {
    // The key hash's hex digits may come in either case (as golang.org/x/mod/sumdb/note reads
    // them), so the string is not canonical; what it names is: written out and read again, it
    // is the same name and key.
    auto again = booo::ledger::ParseVerifierKeyString(
        booo::ledger::VerifierKeyString(vkey->first, vkey->second));
    FUZZ_CHECK(again.ok() && *again == *vkey);
  } else {
    FUZZ_CHECK(absl::IsInvalidArgument(vkey.status()));
  }
  return 0;
}
