// Where `ledgerctl dossier` gathers its evidence: a ledgerd (GetEvent, GetInclusionProof, the
// "keys" stream, the checkpoint through the trust store) or an export file verified first, with
// a checkpoint the auditor kept (proofs computed from the file's own leaves). Either way the
// result is a reports::DossierInput: the settlement replay, every event the derivation cites,
// every signer's registration up to the genesis, proofs to one signed checkpoint, and the key
// that checkpoint is trusted by, with where that key came from.
#ifndef BOOO_TOOLS_LEDGERCTL_DOSSIER_EVIDENCE_H_
#define BOOO_TOOLS_LEDGERCTL_DOSSIER_EVIDENCE_H_

#include <string>

#include "absl/status/statusor.h"
#include "tools/ledgerctl/verified_export.h"
#include "tools/reports/dossier_page.h"

namespace booo::ledgerctl {

struct DossierRequest {
  std::string determination_event_id;
  std::string server;           // used when offline.export_file is empty
  OfflineSource offline;        // --export with --checkpoint: offline
  std::string verifier_key;     // --checkpoint-key: trust this key (else the pinned/recorded one)
};

// NOT_FOUND naming the event id when there is no such event; FAILED_PRECONDITION when it is not
// a determination or the checkpoint does not cover it; the verification's errors otherwise.
absl::StatusOr<reports::DossierInput> GatherDossierEvidence(const DossierRequest& request);

}  // namespace booo::ledgerctl

#endif  // BOOO_TOOLS_LEDGERCTL_DOSSIER_EVIDENCE_H_
