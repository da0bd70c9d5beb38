#include "ledger/core/field_checks.h"

#include "absl/strings/str_cat.h"
#include "ledger/core/event_validation.h"

namespace booo::ledger {

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

std::string FieldPath(absl::string_view prefix, absl::string_view field) {
  return absl::StrCat(prefix, ".", field);
}

absl::Status CheckMunicipality(absl::string_view code, absl::string_view field) {
  if (code.empty()) return Invalid(field, "is required");
  if (!IsMunicipalityCode(code)) {
    return Invalid(field,
                   absl::StrCat("\"", code, "\" is not a municipality code (GM + 4 digits)"));
  }
  return absl::OkStatus();
}

absl::Status CheckAmount(int64_t cents, absl::string_view field) {
  if (cents < 0) return Invalid(field, absl::StrCat(cents, " must not be negative"));
  if (cents > kMaxAmountCents) {
    return absl::OutOfRangeError(
        absl::StrCat(field, ": ", cents, " cents exceeds the limit of ", kMaxAmountCents));
  }
  return absl::OkStatus();
}

absl::Status CheckCount(int64_t count, absl::string_view field) {
  if (count < 0) return Invalid(field, absl::StrCat(count, " must not be negative"));
  if (count > kMaxCount) {
    return absl::OutOfRangeError(
        absl::StrCat(field, ": ", count, " exceeds the limit of ", kMaxCount));
  }
  return absl::OkStatus();
}

absl::Status CheckText(absl::string_view text, absl::string_view field, bool required) {
  if (required && text.empty()) return Invalid(field, "is required");
  if (text.size() > kMaxTextBytes) return Invalid(field, "is longer than 4096 bytes");
  return absl::OkStatus();
}

absl::Status CheckRefEventId(absl::string_view id, absl::string_view field) {
  if (!IsValidEventId(id)) return Invalid(field, "must be an event id");
  return absl::OkStatus();
}

}  // namespace booo::ledger
