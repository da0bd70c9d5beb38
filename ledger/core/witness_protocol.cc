#include "ledger/core/witness_protocol.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "ledger/core/cosignature.h"

namespace booo::ledger {
namespace {

constexpr char kKeyRotation[] = "key-rotation ";

absl::Status Invalid(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("add-checkpoint: ", why));
}

WitnessAnswer Answer(int status, std::string body) {
  WitnessAnswer answer;
  answer.http_status = status;
  answer.body = std::move(body) + "\n";
  return answer;
}

bool CanonicalDecimal(absl::string_view text, uint64_t& value) {
  if (text.empty() || text.size() > 20 || (text.size() > 1 && text[0] == '0')) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return absl::SimpleAtoi(text, &value);
}

}  // namespace

absl::StatusOr<AddCheckpointRequest> ParseAddCheckpointRequest(absl::string_view body) {
  if (body.size() > kMaxAddCheckpointBytes) {
    return Invalid(absl::StrCat("larger than ", kMaxAddCheckpointBytes, " bytes"));
  }
  AddCheckpointRequest request;
  size_t eol = body.find('\n');
  if (eol == absl::string_view::npos) return Invalid("no old size line");
  absl::string_view line = body.substr(0, eol);
  if (!absl::ConsumePrefix(&line, "old ") || !CanonicalDecimal(line, request.old_size)) {
    return Invalid("the first line must be \"old <size>\" in canonical decimal");
  }
  body.remove_prefix(eol + 1);
  for (;;) {
    eol = body.find('\n');
    if (eol == absl::string_view::npos) return Invalid("no blank line before the checkpoint");
    line = body.substr(0, eol);
    body.remove_prefix(eol + 1);
    if (line.empty()) break;
    if (request.proof.size() == kMaxConsistencyProofLines) {
      return Invalid(absl::StrCat("more than ", kMaxConsistencyProofLines, " proof lines"));
    }
    std::string raw;
    if (!absl::Base64Unescape(line, &raw) || raw.size() != 32 ||
        absl::Base64Escape(raw) != line) {
      return Invalid(absl::StrCat("proof line ", request.proof.size() + 1,
                                  " is not canonical base64 of 32 bytes"));
    }
    Hash hash;
    std::copy(raw.begin(), raw.end(), hash.begin());
    request.proof.push_back(hash);
  }
  if (body.empty()) return Invalid("no checkpoint after the blank line");
  request.checkpoint = std::string(body);
  return request;
}

std::string FormatAddCheckpointRequest(const AddCheckpointRequest& request) {
  std::string out = absl::StrCat("old ", request.old_size, "\n");
  for (const Hash& hash : request.proof) {
    absl::StrAppend(&out, absl::Base64Escape(absl::string_view(
                              reinterpret_cast<const char*>(hash.data()), hash.size())),
                    "\n");
  }
  absl::StrAppend(&out, "\n", request.checkpoint);
  return out;
}

WitnessAnswer JudgeAddCheckpoint(const AddCheckpointRequest& request, const WitnessedLog& current,
                                 absl::string_view cosigner_name, const Ed25519PrivateKey& key,
                                 uint64_t timestamp) {
  // The log's signature first: nothing of an unauthenticated note is believed.
  absl::StatusOr<Checkpoint> checkpoint = absl::UnauthenticatedError("no trusted log key");
  for (const auto& [name, public_key] : current.log_keys) {
    absl::StatusOr<Checkpoint> opened =
        OpenCheckpoint(request.checkpoint, name, public_key, current.origin);
    if (opened.ok()) {
      checkpoint = std::move(opened);
      break;
    }
    if (absl::IsInvalidArgument(opened.status())) {
      return Answer(400, absl::StrCat("checkpoint: ", opened.status().message()));
    }
    if (absl::IsFailedPrecondition(opened.status())) {  // another origin under a trusted key
      return Answer(403, absl::StrCat("checkpoint: ", opened.status().message()));
    }
    // A note with a bad signature line by a trusted key is malformed: refused whole.
    if (absl::StrContains(opened.status().message(), "invalid signature")) {
      return Answer(403, absl::StrCat("checkpoint: ", opened.status().message()));
    }
    checkpoint = opened.status();
  }
  if (!checkpoint.ok()) {
    return Answer(403, absl::StrCat("checkpoint: not signed by a key this witness trusts for ",
                                    current.origin, " (", checkpoint.status().message(), ")"));
  }
  if (request.old_size > checkpoint->tree_size) {
    return Answer(400, absl::StrCat("old size ", request.old_size, " is above the checkpoint's ",
                                    checkpoint->tree_size));
  }
  if (request.old_size != current.size) {
    WitnessAnswer answer = Answer(409, absl::StrCat(current.size));
    answer.content_type = "text/x.tlog.size";
    return answer;
  }
  auto inconsistent = [&](std::string why) { return Answer(422, std::move(why)); };
  if (checkpoint->tree_size == 0 && checkpoint->root_hash != EmptyTreeRoot()) {
    return inconsistent("a checkpoint of size 0 must have the empty tree's root");
  }
  if (request.old_size == 0) {
    if (!request.proof.empty()) return inconsistent("the proof from size 0 must be empty");
  } else if (request.old_size == checkpoint->tree_size) {
    if (checkpoint->root_hash != current.root) {
      WitnessAnswer answer = inconsistent(absl::StrCat(
          "size ", current.size, " with another root than the one this witness cosigned: the "
          "log has forked"));
      answer.evidence_of_misbehaviour = true;
      return answer;
    }
    if (!request.proof.empty()) return inconsistent("the proof between equal sizes must be empty");
  } else if (!VerifyConsistency(current.size, checkpoint->tree_size, request.proof, current.root,
                                checkpoint->root_hash)
                  .ok()) {
    return inconsistent(absl::StrCat("the consistency proof from size ", current.size,
                                     " does not verify: the log has forked or the proof is wrong"));
  }
  const std::string body = CheckpointBody(*checkpoint);
  absl::StatusOr<std::string> line = CosignatureLine(body, cosigner_name, key, timestamp);
  if (!line.ok()) return Answer(500, std::string(line.status().message()));

  WitnessedLog updated = current;
  updated.size = checkpoint->tree_size;
  updated.root = checkpoint->root_hash;
  updated.note = request.checkpoint + *line;
  // A key rotation this checkpoint announces, signed by the new key too: trust moves to it.
  for (const std::string& extension : checkpoint->extensions) {
    if (!absl::StartsWith(extension, kKeyRotation)) continue;
    auto next = ParseVerifierKeyString(std::string_view(extension).substr(sizeof(kKeyRotation) - 1));
    if (!next.ok() ||
        !OpenCheckpoint(request.checkpoint, next->first, next->second, current.origin).ok()) {
      return Answer(403, "checkpoint: it announces a key rotation its new key did not sign");
    }
    if (*next != current.log_keys.front()) {
      for (const auto& key : current.log_keys) updated.retired_log_keys.push_back(key);
      updated.log_keys = {*next};
    }
  }
  WitnessAnswer answer = Answer(200, "");
  answer.body = *line;
  answer.updated = std::move(updated);
  return answer;
}

}  // namespace booo::ledger
