// Offline answers from an export verify the export once. The first query over an export runs
// the whole offline verification (every signature, key, admission rule, rule-guard step, leaf
// and tree node; against a checkpoint the auditor kept, when given one) and writes a verified
// index beside it: `<export>.verified`. Later queries find the index, check that it is bound to
// these exact bytes (the export's SHA-256, its size, its tree head), to the checkpoint asked
// for and to this ledgerctl binary (its build id: another version may judge by other rules), and
// skip the verification. A changed export, a different checkpoint, another ledgerctl, or an
// index of another format version is verified again.
//
// The index is the auditor's own record of work done on this machine, not evidence for anyone
// else: whoever can rewrite the export and the index beside it can make a later query skip the
// verification. `--reverify` always verifies, and `ledgerctl verify` never reads the index.
//
// Index format (text, one "key value" per line, in this order):
//   booo-verified-export/2
//   export-sha256 <64 hex>       SHA-256 of the whole export file
//   export-bytes <n>
//   tree-size <n>
//   root <64 hex>                the tree head the verification computed
//   checkpoint-sha256 <64 hex>   SHA-256 of the checkpoint it was verified against, or "none"
//   verifier <id>                the ledgerctl that verified it: "build-id:<hex>" (the GNU build
//                                id the linker writes) or "sha256:<hex>" of the binary
#ifndef BOOO_TOOLS_LEDGERCTL_VERIFIED_EXPORT_H_
#define BOOO_TOOLS_LEDGERCTL_VERIFIED_EXPORT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "tools/ledgerctl/export_event_log.h"

namespace booo::ledgerctl {

struct OfflineSource {
  std::string export_file;      // empty: ask the server
  std::string checkpoint_file;  // optional: a checkpoint the auditor kept
  bool reverify = false;        // verify even when a matching index exists
};

struct VerifiedExport {
  std::unique_ptr<ExportEventLog> log;  // the export's events, for the query facades
  bool verified_now = false;  // false: a matching index made the verification unnecessary
  std::string index_path;
  std::string index_note;     // why the index was or was not used, for stderr
};

// Reads the export once into memory (so the bytes hashed are the bytes replayed), and either
// verifies it and writes the index, or finds a matching index. DATA_LOSS, FAILED_PRECONDITION
// etc. from the verifier when it does not verify (no index is written then).
absl::StatusOr<VerifiedExport> OpenVerifiedExport(const OfflineSource& source);

}  // namespace booo::ledgerctl

#endif  // BOOO_TOOLS_LEDGERCTL_VERIFIED_EXPORT_H_
