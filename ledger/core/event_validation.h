// Stateless checks of one event body: is it well formed, on its own? Everything that needs the
// ledger's state (keys, idempotency, streams) lives in ledger/core/admission.h.
#ifndef BOOO_LEDGER_CORE_EVENT_VALIDATION_H_
#define BOOO_LEDGER_CORE_EVENT_VALIDATION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "booo/v1/events.pb.h"
#include "ledger/core/field_checks.h"
#include "ledger/core/payload_rules.h"
#include "ledger/core/payload_table.h"

namespace booo::ledger {



// Parses the signed body bytes. INVALID_ARGUMENT ("body: ...") when they are not an EventBody or
// carry fields this server does not know: it refuses what it cannot validate.
absl::StatusOr<booo::v1::EventBody> ParseEventBody(absl::string_view body_bytes);
// The same into a message the caller owns (one on an arena, say), which must be empty.
absl::Status ParseEventBodyInto(absl::string_view body_bytes, booo::v1::EventBody& body);

// Every field rule of a body: the envelope (ids, the stream its payload implies), the
// municipality code its payload declares, the ledger's own key events, and, for every other
// payload, `rules` (the domain's, injected). INVALID_ARGUMENT naming the field, or OUT_OF_RANGE
// for an amount over the limit; FAILED_PRECONDITION for a domain payload when `rules` is null.
absl::Status ValidateEventBody(const booo::v1::EventBody& body, const PayloadRules* rules);

// The stream a payload belongs to ("keys", "rules", "municipality/GM0363"); empty if no payload.
std::string ExpectedStream(const booo::v1::EventBody& body);
// The municipality the payload is about; empty for keys and rules.
std::string PayloadMunicipality(const booo::v1::EventBody& body);
// The mappings below are derived from the payload table (ledger/core/payload_table.h).
// The role that may sign the payload. Must not be called without a payload.
SignerRole RequiredRole(const booo::v1::EventBody& body);
// The event's business date: the day the fact became known in the world it describes (an
// amendment's publication date, a declaration's received date, a payment date, a decision
// date). "As known on day D" queries see the events whose business date is on or before D.
// nullopt for key events, which are about the ledger itself.
std::optional<booo::v1::CivilDate> BusinessDate(const booo::v1::EventBody& body);
// The field that carries it, e.g. "advance_paid.payment_date".
std::string BusinessDateField(const booo::v1::EventBody& body);
// Genesis, key registration and revocation, checkpoint key rotation: the "keys" stream, which
// the key registry is the projection of.
bool IsKeyEvent(const booo::v1::EventBody& body);
// The payload's field name in EventBody, e.g. "goo_places_declared"; "" if none.
std::string PayloadName(const booo::v1::EventBody& body);

bool IsMunicipalityCode(absl::string_view code);  // "GM" + 4 digits
bool IsValidEventId(absl::string_view id);
std::string MunicipalityStream(absl::string_view code);  // "municipality/" + code

}  // namespace booo::ledger

#endif  // BOOO_LEDGER_CORE_EVENT_VALIDATION_H_
