#include "ledger/core/event_validation.h"


#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "ledger/core/civil_date.h"
#include "ledger/core/payload_table.h"
#include "ledger/core/field_checks.h"
#include "ledger/core/status_macros.h"
#include "ledger/core/strict_wire.h"

namespace booo::ledger {
namespace {

using booo::v1::EventBody;

absl::Status CheckNoteKeyName(const std::string& name, const std::string& field) {
  if (name.empty() || name.size() > 256 || name.find_first_of(" +\n\t") != std::string::npos) {
    return Invalid(field, "must be 1..256 characters without space or +");
  }
  return absl::OkStatus();
}

absl::Status ValidateGenesis(const booo::v1::LedgerGenesis& g) {
  if (g.origin().empty() || g.origin().size() > 256) {
    return Invalid("genesis.origin", "must be 1..256 characters");
  }
  for (char c : g.origin()) {
    if (c <= ' ' || c == 0x7f) return Invalid("genesis.origin", "must not contain spaces");
  }
  if (g.ministry_root_public_key().size() != 32) {
    return Invalid("genesis.ministry_root_public_key", "must be 32 bytes");
  }
  if (g.checkpoint_public_key().size() != 32) {
    return Invalid("genesis.checkpoint_public_key", "must be 32 bytes");
  }
  return CheckNoteKeyName(g.checkpoint_key_name(), "genesis.checkpoint_key_name");
}

absl::Status ValidateCheckpointKeyRotated(const booo::v1::CheckpointKeyRotated& r) {
  if (r.checkpoint_public_key().size() != 32) {
    return Invalid("checkpoint_key_rotated.checkpoint_public_key", "must be 32 bytes");
  }
  RETURN_IF_ERROR(
      CheckNoteKeyName(r.checkpoint_key_name(), "checkpoint_key_rotated.checkpoint_key_name"));
  return CheckText(r.reason(), "checkpoint_key_rotated.reason", false);
}

absl::Status ValidateKeyRegistered(const booo::v1::KeyRegistered& k) {
  if (k.public_key().size() != 32) return Invalid("key_registered.public_key", "must be 32 bytes");
  if (k.key_id().empty()) return Invalid("key_registered.key_id", "is required");
  RETURN_IF_ERROR(CheckEnum(k.role(), "key_registered.role", booo::v1::Role_IsValid));
  if (k.role() == booo::v1::ROLE_MUNICIPALITY) {
    RETURN_IF_ERROR(CheckMunicipality(k.municipality_code(), "key_registered.municipality_code"));
  } else if (!k.municipality_code().empty()) {
    return Invalid("key_registered.municipality_code", "is only for municipality keys");
  }
  return CheckText(k.label(), "key_registered.label", false);
}

absl::Status ValidateEnvelopeFields(const EventBody& body) {
  if (body.event_id().empty()) return Invalid("event_id", "is required");
  if (!IsValidEventId(body.event_id())) {
    return Invalid("event_id", "must be 1..128 characters of A-Z a-z 0-9 . _ : -");
  }
  if (body.signer_key_id().empty()) return Invalid("signer_key_id", "is required");
  if (body.signer_key_id().size() > 256) return Invalid("signer_key_id", "is too long");
  if (body.client_time_micros() < 0) return Invalid("client_time_micros", "must not be negative");
  if (!body.supersedes_event_id().empty()) {
    RETURN_IF_ERROR(CheckRefEventId(body.supersedes_event_id(), "supersedes_event_id"));
    if (body.supersedes_event_id() == body.event_id()) {
      return Invalid("supersedes_event_id", "an event cannot supersede itself");
    }
  }
  if (body.payload_case() == EventBody::PAYLOAD_NOT_SET) {
    return Invalid("payload", "is required (one event payload must be set)");
  }
  if (FindPayload(body) == nullptr) return Invalid("payload", "is not a payload this ledger knows");
  const std::string stream = ExpectedStream(body);
  if (body.stream() != stream) {
    return Invalid("stream", absl::StrCat("is \"", body.stream(), "\" but a ", PayloadName(body),
                                          " event belongs to stream \"", stream, "\""));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseEventBodyInto(absl::string_view body_bytes, EventBody& body) {
  if (body_bytes.empty()) return Invalid("body", "is empty");
  // What was signed must be exactly what is read: no unknown field at any depth, no field the
  // parser would override or merge, no second oneof member (see strict_wire.h).
  RETURN_IF_ERROR(CheckStrictWire(body_bytes, *EventBody::descriptor()));
  if (!body.ParseFromArray(body_bytes.data(), static_cast<int>(body_bytes.size()))) {
    return Invalid("body", "is not a serialized booo.v1.EventBody");
  }
  return absl::OkStatus();
}

absl::StatusOr<EventBody> ParseEventBody(absl::string_view body_bytes) {
  EventBody body;
  RETURN_IF_ERROR(ParseEventBodyInto(body_bytes, body));
  return body;
}

absl::Status ValidateEventBody(const EventBody& body, const PayloadRules* rules) {
  RETURN_IF_ERROR(ValidateEnvelopeFields(body));
  const PayloadInfo* payload = FindPayload(body);
  if (payload->municipality != nullptr) {
    RETURN_IF_ERROR(CheckMunicipality(PayloadMunicipality(body),
                                      FieldPath(payload->name(), payload->municipality->name())));
  }
  if (payload->stream != StreamKind::kKeys) {
    // The domain's payloads: their field rules are the injected ones; without them nothing is
    // admitted (a ledger never accepts what it cannot judge).
    if (rules == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "payload: this ledger was opened without field rules for ", payload->name(),
          " events"));
    }
    return rules->Check(body);
  }
  // The ledger's own payloads, the key events. A key event the table knows but this switch does
  // not is refused: a new one must get its checks here first.
  switch (body.payload_case()) {
    case EventBody::kGenesis:
      return ValidateGenesis(body.genesis());
    case EventBody::kKeyRegistered:
      return ValidateKeyRegistered(body.key_registered());
    case EventBody::kKeyRevoked:
      if (body.key_revoked().key_id().empty()) return Invalid("key_revoked.key_id", "is required");
      return CheckText(body.key_revoked().reason(), "key_revoked.reason", false);
    case EventBody::kCheckpointKeyRotated:
      return ValidateCheckpointKeyRotated(body.checkpoint_key_rotated());
    default:
      return absl::InternalError(
          absl::StrCat("payload: ", payload->name(), " is a key event without checks"));
  }
}

namespace {

const google::protobuf::Message* PayloadMessage(const EventBody& body, const PayloadInfo& info) {
  return &body.GetReflection()->GetMessage(body, info.field);
}

}  // namespace

std::string PayloadMunicipality(const EventBody& body) {
  const PayloadInfo* info = FindPayload(body);
  if (info == nullptr || info->municipality == nullptr) return "";
  const google::protobuf::Message* payload = PayloadMessage(body, *info);
  return payload->GetReflection()->GetString(*payload, info->municipality);
}

std::string ExpectedStream(const EventBody& body) {
  const PayloadInfo* info = FindPayload(body);
  if (info == nullptr) return "";
  switch (info->stream) {
    case StreamKind::kKeys:
      return "keys";
    case StreamKind::kRules:
      return "rules";
    case StreamKind::kBudget:
      return "budget";
    case StreamKind::kMunicipality:
      return MunicipalityStream(PayloadMunicipality(body));
  }
  return "";
}

SignerRole RequiredRole(const EventBody& body) { return FindPayload(body)->signer; }

std::optional<booo::v1::CivilDate> BusinessDate(const EventBody& body) {
  const PayloadInfo* info = FindPayload(body);
  if (info == nullptr || info->business_date == nullptr) return std::nullopt;
  const google::protobuf::Message* payload = PayloadMessage(body, *info);
  // The table holds only CivilDate fields, of the generated type.
  return static_cast<const booo::v1::CivilDate&>(
      payload->GetReflection()->GetMessage(*payload, info->business_date));
}

std::string BusinessDateField(const EventBody& body) {
  const PayloadInfo* info = FindPayload(body);
  if (info == nullptr || info->business_date == nullptr) return "";
  return FieldPath(info->name(), info->business_date->name());
}

bool IsKeyEvent(const EventBody& body) {
  const PayloadInfo* info = FindPayload(body);
  return info != nullptr && info->stream == StreamKind::kKeys;
}

std::string PayloadName(const EventBody& body) {
  const PayloadInfo* info = FindPayload(body);
  return info == nullptr ? "" : info->name();
}

bool IsMunicipalityCode(absl::string_view code) {
  if (code.size() != 6 || code[0] != 'G' || code[1] != 'M') return false;
  for (size_t i = 2; i < 6; ++i) {
    if (!absl::ascii_isdigit(code[i])) return false;
  }
  return true;
}

bool IsValidEventId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxEventIdBytes) return false;
  for (char c : id) {
    if (!(absl::ascii_isalnum(c) || c == '.' || c == '_' || c == ':' || c == '-')) return false;
  }
  return true;
}

std::string MunicipalityStream(absl::string_view code) {
  return absl::StrCat("municipality/", code);
}

}  // namespace booo::ledger
