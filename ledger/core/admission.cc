#include "ledger/core/admission.h"

#include "absl/strings/str_cat.h"
#include "ledger/core/civil_date.h"
#include "ledger/core/crypto.h"
#include "ledger/core/event_validation.h"
#include "ledger/core/status_macros.h"
#include "ledger/core/string_views.h"

namespace booo::ledger {
namespace {

absl::Status CheckSignature(const AdmissionInput& input, absl::string_view public_key) {
  if (input.signature_verified) return absl::OkStatus();
  return CheckEventSignature(*input.body, input.body_bytes, input.signature, public_key);
}

absl::Status AdmitGenesis(const AdmissionInput& input) {
  const booo::v1::EventBody& body = *input.body;
  if (input.sequence != 0) {
    return absl::FailedPreconditionError("genesis: the ledger already has a genesis (sequence 0)");
  }
  const std::string& root = body.genesis().ministry_root_public_key();
  if (body.signer_key_id() != KeyIdForPublicKey(root)) {
    return absl::InvalidArgumentError(
        "signer_key_id: the genesis must be signed by the ministry root key it registers");
  }
  return CheckSignature(input, root);
}

absl::Status CheckRole(const booo::v1::EventBody& body, const KeyInfo& key) {
  const std::string payload = PayloadName(body);
  if (key.role == booo::v1::ROLE_AUDITOR) {
    return absl::PermissionDeniedError(
        absl::StrCat("signer_key_id: ", key.key_id, " is an auditor key; auditors write nothing"));
  }
  if (key.role == booo::v1::ROLE_MIRROR) {
    return absl::PermissionDeniedError(
        absl::StrCat("signer_key_id: ", key.key_id, " is a mirror key; mirrors write nothing"));
  }
  const SignerRole required = RequiredRole(body);
  if (required == SignerRole::kMinistry && key.role != booo::v1::ROLE_MINISTRY) {
    return absl::PermissionDeniedError(
        absl::StrCat("signer_key_id: ", key.key_id,
                     " is not a ministry key; only the ministry signs ", payload));
  }
  if (required == SignerRole::kMunicipality) {
    if (key.role != booo::v1::ROLE_MUNICIPALITY) {
      return absl::PermissionDeniedError(
          absl::StrCat("signer_key_id: ", key.key_id,
                       " is not a municipality key; only the municipality "
                       "itself signs ",
                       payload));
    }
    const std::string code = PayloadMunicipality(body);
    if (code != key.municipality_code) {
      return absl::PermissionDeniedError(
          absl::StrCat(payload, ".municipality_code: key ", key.key_id, " belongs to ",
                       key.municipality_code, " and may not sign for ", code));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckBusinessDate(const booo::v1::EventBody& body, int64_t recorded_at_micros) {
  const std::optional<booo::v1::CivilDate> date = BusinessDate(body);
  if (!date) return absl::OkStatus();
  const int64_t recorded_day = recorded_at_micros / kMicrosPerDay;
  if (ToEpochDays(*date) > recorded_day + 1) {
    return absl::InvalidArgumentError(absl::StrCat(BusinessDateField(body), ": ", FormatDate(*date),
                                                   " lies after the day the ledger records it (",
                                                   FormatDate(FromEpochDays(recorded_day)),
                                                   " UTC); facts are recorded when "
                                                   "they happen or later"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckEventSignature(const booo::v1::EventBody& body, absl::string_view body_bytes,
                                 absl::string_view signature, absl::string_view public_key) {
  absl::Status status = VerifyEd25519(ToStd(public_key), ToStd(body_bytes), ToStd(signature));
  if (status.ok()) return status;
  if (absl::IsInvalidArgument(status)) {
    return absl::InvalidArgumentError(absl::StrCat("signature: ", status.message()));
  }
  return absl::UnauthenticatedError(absl::StrCat("signature: does not verify for key ",
                                                 body.signer_key_id(), " over the body bytes"));
}

absl::Status AdmitEvent(const AdmissionInput& input, const KeyRegistry& keys) {
  const booo::v1::EventBody& body = *input.body;
  if (body.payload_case() == booo::v1::EventBody::kGenesis) return AdmitGenesis(input);
  if (input.sequence == 0 || !keys.genesis()) {
    return absl::FailedPreconditionError(
        "payload: the ledger has no genesis yet; initialise it with `ledgerctl init`");
  }
  const KeyInfo* key = keys.Find(body.signer_key_id());
  if (key == nullptr) {
    return absl::NotFoundError(absl::StrCat("signer_key_id: unknown key ", body.signer_key_id()));
  }
  RETURN_IF_ERROR(CheckSignature(input, key->public_key));
  if (key->revoked_at_sequence) {
    return absl::PermissionDeniedError(absl::StrCat("signer_key_id: key ", key->key_id,
                                                    " was revoked at sequence ",
                                                    *key->revoked_at_sequence));
  }
  RETURN_IF_ERROR(CheckRole(body, *key));
  RETURN_IF_ERROR(CheckBusinessDate(body, input.recorded_at_micros));
  return keys.CheckKeyEvent(body);
}

}  // namespace booo::ledger
