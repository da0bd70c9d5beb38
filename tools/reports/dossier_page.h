// The auditor's dossier for one determination: the evidence gathered by ledgerctl (the
// settlement replay, every event the derivation cites with its signer's registration and its
// inclusion proof, the signed checkpoint and the key trusted for it) turned into one HTML page
// that verifies itself when opened. DOSSIER_FORMAT.md describes the page and its data.
#ifndef BOOO_TOOLS_REPORTS_DOSSIER_PAGE_H_
#define BOOO_TOOLS_REPORTS_DOSSIER_PAGE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "booo/v1/grants_service.pb.h"
#include "booo/v1/ledger_service.pb.h"
#include "nlohmann/json.hpp"

namespace booo::reports {

struct DossierEvent {
  booo::v1::StoredEvent event;
  std::vector<std::string> proof;        // 32-byte hashes to the checkpoint's size
  std::vector<std::string> cited_as;     // "the determination", "source of grant/a", ...
  std::optional<uint64_t> signer_registration;  // the event that registered event.key_id()
  std::optional<uint64_t> signer_revocation;    // the event that revoked it, if any
};

struct DossierCheckpoint {
  std::string note;
  uint64_t tree_size = 0;
  std::string root;                 // 32 bytes
  std::string verifier_key;         // "name+hash+base64": the key this dossier trusts
  std::string key_provenance;       // where that key came from, for people
  std::optional<uint64_t> key_record_sequence;  // the genesis or rotation naming that key
  std::vector<std::pair<std::string, std::string>> witness_keys;  // (name, cosigner vkey)
  std::vector<std::string> witness_cosigned_by;  // cosigner names with a valid line in `note`
  std::string witness_quorum;                    // the policy's quorum, "2 of (w1, w2)"
};

struct DossierInput {
  booo::v1::ReplaySettlementResponse settlement;
  std::map<uint64_t, DossierEvent> events;  // by sequence
  DossierCheckpoint checkpoint;
  std::string source;        // "ledgerd at host:port" or "export file …"
  std::string generated_at;  // RFC 3339, UTC
};

// Why each event is in the dossier, from the replayed trace: the trace's sources, the rule
// amendments its values were read from and set by. The determination itself is not included.
std::map<uint64_t, std::vector<std::string>> TraceCitations(const booo::v1::TraceNode& trace);

// The evidence as DOSSIER_FORMAT.md specifies it.
nlohmann::json DossierEvidence(const DossierInput& input);

// The whole page: the evidence embedded, with the verifying and drawing scripts and the style.
std::string RenderDossierPage(const DossierInput& input);

}  // namespace booo::reports

#endif  // BOOO_TOOLS_REPORTS_DOSSIER_PAGE_H_
