// What a caller may read. Ministry and auditor keys read everything; a municipality key reads
// its own stream and grants, and the public streams every party must see (the keys that may
// sign, the rules in force). A request that names someone else's data is PERMISSION_DENIED
// with the field named; a request for "all" from a municipality is narrowed to its own data,
// which is what a municipal system asks for when it lists its balances.
#ifndef BOOO_SERVICES_ACCESS_POLICY_H_
#define BOOO_SERVICES_ACCESS_POLICY_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/caller.h"

namespace booo::services {

// Ministry, auditor or development callers only; `what` names the request ("SimulateAmendment").
absl::Status RequireNationalReader(const Caller& caller, absl::string_view what);

// The municipality `code` (request field `field`) may be read by `caller`.
absl::Status RequireMunicipalityAccess(const Caller& caller, absl::string_view field,
                                       absl::string_view code);

// `requested` is a municipality code where empty means all: a municipality gets its own code
// instead of all; other callers get `requested` back.
std::string NarrowToCaller(const Caller& caller, absl::string_view requested);

// NarrowToCaller, then RequireMunicipalityAccess on the result: the code to query with.
absl::StatusOr<std::string> ScopedMunicipality(const Caller& caller, absl::string_view field,
                                               absl::string_view requested);

// An identified caller appends only events signed by its own key: the connection's identity
// and the signature must name the same party, so a municipality's system cannot carry another
// municipality's signed events (no relay role exists). `body_bytes` are the signed body;
// `field` names the event in messages ("event" or "events[3]"). PERMISSION_DENIED on a
// mismatch; a body whose signer cannot be read is left to the ledger's own refusal.
// Development callers (plaintext) are not identified and are not checked.
absl::Status RequireOwnSignature(const Caller& caller, absl::string_view field,
                                 absl::string_view body_bytes);

// The stream (`keys`, `rules`, `budget`, `municipality/GM0363`) may be read by `caller`.
bool MayReadStream(const Caller& caller, absl::string_view stream);
// An empty stream means the whole log, which every caller may ask for: a municipality's read
// is narrowed to the streams it may read (see MayReadStream).
absl::Status RequireStreamAccess(const Caller& caller, absl::string_view field,
                                 absl::string_view stream);

}  // namespace booo::services

#endif  // BOOO_SERVICES_ACCESS_POLICY_H_
