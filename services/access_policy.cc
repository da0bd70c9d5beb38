#include "services/access_policy.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "ledger/core/strict_wire.h"

namespace booo::services {
namespace {

bool IsNational(const Caller& caller) {
  return caller.development || caller.role == booo::v1::ROLE_MINISTRY ||
         caller.role == booo::v1::ROLE_AUDITOR || caller.role == booo::v1::ROLE_MIRROR;
}

std::string OwnStream(const Caller& caller) {
  return absl::StrCat("municipality/", caller.municipality_code);
}

}  // namespace

absl::Status RequireNationalReader(const Caller& caller, absl::string_view what) {
  if (IsNational(caller)) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      what, ": only ministry and auditor keys may call this; the caller is ", caller.Describe()));
}

absl::Status RequireMunicipalityAccess(const Caller& caller, absl::string_view field,
                                       absl::string_view code) {
  if (IsNational(caller)) return absl::OkStatus();
  if (caller.is_municipality() && code == caller.municipality_code) return absl::OkStatus();
  if (code.empty()) {
    return absl::PermissionDeniedError(absl::StrCat(
        field, ": empty means every municipality; the caller is ", caller.Describe(),
        " and reads its own only"));
  }
  return absl::PermissionDeniedError(absl::StrCat(field, ": ", code, " is not readable by ",
                                                  caller.Describe()));
}

std::string NarrowToCaller(const Caller& caller, absl::string_view requested) {
  if (requested.empty() && caller.is_municipality()) return caller.municipality_code;
  return std::string(requested);
}

absl::StatusOr<std::string> ScopedMunicipality(const Caller& caller, absl::string_view field,
                                               absl::string_view requested) {
  std::string code = NarrowToCaller(caller, requested);
  if (absl::Status access = RequireMunicipalityAccess(caller, field, code); !access.ok()) {
    return access;
  }
  return code;
}

bool MayReadStream(const Caller& caller, absl::string_view stream) {
  if (IsNational(caller)) return true;
  if (!caller.is_municipality()) return false;
  return stream == "keys" || stream == "rules" || stream == OwnStream(caller);
}

absl::Status RequireOwnSignature(const Caller& caller, absl::string_view field,
                                 absl::string_view body_bytes) {
  if (caller.development) return absl::OkStatus();
  // EventBody.signer_key_id is field 4.
  const std::optional<std::string> signer = ledger::TopLevelStringField(body_bytes, 4);
  if (!signer || *signer == caller.key_id) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      field, ".signer_key_id: ", *signer, " is not the caller's key (", caller.Describe(),
      "); a connection appends only events signed by its own key"));
}

absl::Status RequireStreamAccess(const Caller& caller, absl::string_view field,
                                 absl::string_view stream) {
  if (stream.empty() || MayReadStream(caller, stream)) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(field, ": ", stream, " is not readable by ",
                                                  caller.Describe()));
}

}  // namespace booo::services
