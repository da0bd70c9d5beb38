#include "ledger/core/cosignature.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "ledger/core/checkpoint.h"
#include "ledger/core/status_macros.h"

namespace booo::ledger {
namespace {

constexpr uint64_t kMaxTimestamp = (uint64_t{1} << 63) - 1;

std::string BigEndian64(uint64_t value) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  return out;
}

}  // namespace

std::string CosignedMessage(absl::string_view checkpoint_body, uint64_t timestamp) {
  return absl::StrCat("cosignature/v1\ntime ", timestamp, "\n", checkpoint_body);
}

absl::StatusOr<std::string> CosignatureLine(absl::string_view checkpoint_body,
                                            absl::string_view name, const Ed25519PrivateKey& key,
                                            uint64_t timestamp) {
  if (!IsValidNoteKeyName(std::string_view(name.data(), name.size()))) {
    return absl::InvalidArgumentError(absl::StrCat("cosigner name: \"", name, "\" is not valid"));
  }
  if (timestamp == 0 || timestamp > kMaxTimestamp) {
    return absl::InvalidArgumentError("timestamp: must be 1..2^63-1");
  }
  ASSIGN_OR_RETURN(std::string signature, key.Sign(CosignedMessage(checkpoint_body, timestamp)));
  const std::string key_hash = NoteKeyHash(std::string_view(name.data(), name.size()),
                                           key.PublicKey(), kNoteAlgorithmCosignatureV1);
  return absl::StrCat("\xe2\x80\x94 ", name, " ",
                      absl::Base64Escape(absl::StrCat(key_hash, BigEndian64(timestamp), signature)),
                      "\n");
}

absl::StatusOr<std::map<std::string, uint64_t>> VerifiedCosigners(
    absl::string_view note, const std::vector<Cosigner>& cosigners) {
  ASSIGN_OR_RETURN(SplitNoteResult split, SplitNote(std::string_view(note.data(), note.size())));
  std::map<std::string, uint64_t> verified;
  for (const Cosigner& cosigner : cosigners) {
    const std::string key_hash =
        NoteKeyHash(cosigner.name, cosigner.public_key, kNoteAlgorithmCosignatureV1);
    for (const NoteSignature& line : split.signatures) {
      if (line.name != cosigner.name || line.key_hash != key_hash) continue;
      if (line.signature.size() != 8 + kEd25519SignatureSize) {
        return absl::UnauthenticatedError(
            absl::StrCat("cosignature of ", cosigner.name, ": not a timestamp and a signature"));
      }
      uint64_t timestamp = 0;
      for (int i = 0; i < 8; ++i) {
        timestamp = (timestamp << 8) | static_cast<uint8_t>(line.signature[i]);
      }
      if (timestamp == 0 || timestamp > kMaxTimestamp ||
          !VerifyEd25519(cosigner.public_key, CosignedMessage(split.text, timestamp),
                         std::string_view(line.signature).substr(8))
               .ok()) {
        return absl::UnauthenticatedError(
            absl::StrCat("cosignature of ", cosigner.name, ": does not verify"));
      }
      verified[cosigner.name] = timestamp;
    }
  }
  return verified;
}

}  // namespace booo::ledger
