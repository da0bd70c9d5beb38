#include "tools/ledgerctl/verified_export.h"

#include <elf.h>
#include <link.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "ledger/core/crypto.h"
#include "ledger/core/export_file.h"
#include "ledger/core/status_macros.h"
#include "ledger/core/verifier.h"
#include "replay/calc/grant_payload_rules.h"
#include "replay/calc/rule_guard.h"
#include "tools/ledgerctl/client.h"
#include "tools/ledgerctl/trust_store.h"

namespace booo::ledgerctl {
namespace {

constexpr char kIndexMagic[] = "booo-verified-export/2";

struct IndexRecord {
  std::string export_sha256;
  uint64_t export_bytes = 0;
  uint64_t tree_size = 0;
  std::string root;
  std::string checkpoint_sha256;  // "none" when verified without one
  std::string verifier;    // the ledgerctl that verified it (VerifierDigest)

  std::string Text() const {
    return absl::StrCat(kIndexMagic, "\nexport-sha256 ", export_sha256, "\nexport-bytes ",
                        export_bytes, "\ntree-size ", tree_size, "\nroot ", root,
                        "\ncheckpoint-sha256 ", checkpoint_sha256, "\nverifier ",
                        verifier, "\n");
  }
};

// The index's record, or nullopt when it is missing or not in this format (it is then
// rewritten after the verification).
std::optional<IndexRecord> ReadIndex(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  std::vector<std::string> lines = absl::StrSplit(text.str(), '\n', absl::SkipEmpty());
  if (lines.size() != 7 || lines[0] != kIndexMagic) return std::nullopt;
  IndexRecord record;
  auto value = [&](size_t i, absl::string_view key) -> std::optional<std::string> {
    std::pair<std::string, std::string> kv = absl::StrSplit(lines[i], absl::MaxSplits(' ', 1));
    if (kv.first != key) return std::nullopt;
    return kv.second;
  };
  auto sha = value(1, "export-sha256");
  auto bytes = value(2, "export-bytes");
  auto size = value(3, "tree-size");
  auto root = value(4, "root");
  auto checkpoint = value(5, "checkpoint-sha256");
  auto verifier = value(6, "verifier");
  if (!sha || !bytes || !size || !root || !checkpoint || !verifier ||
      !absl::SimpleAtoi(*bytes, &record.export_bytes) ||
      !absl::SimpleAtoi(*size, &record.tree_size)) {
    return std::nullopt;
  }
  record.export_sha256 = *sha;
  record.root = *root;
  record.checkpoint_sha256 = *checkpoint;
  record.verifier = *verifier;
  return record;
}

// Written to a temporary file and renamed over the index, so a reader never sees half of it.
// Not being able to write it (a read-only medium) costs only the next query's time.
std::string WriteIndex(const std::string& path, const IndexRecord& record) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << record.Text();
    out.flush();
    if (!out) return absl::StrCat("could not write the verified index ", path);
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) return absl::StrCat("could not write the verified index ", path, ": ", error.message());
  return absl::StrCat("verified; index written to ", path);
}

// The leaves of the export in memory for the verifier, one at a time.
class InMemoryLeaves final : public ledger::LeafSource {
 public:
  InMemoryLeaves(absl::string_view bytes, std::string name) : bytes_(bytes), name_(name) {}
  absl::Status Start() {
    return ledger::ForEachExportLeaf(bytes_, name_, [&](absl::string_view leaf) {
      leaves_.push_back(leaf);
      return absl::OkStatus();
    });
  }
  absl::StatusOr<std::optional<std::string>> Next() override {
    if (next_ == leaves_.size()) return std::optional<std::string>();
    return std::optional<std::string>(std::string(leaves_[next_++]));
  }

 private:
  absl::string_view bytes_;
  std::string name_;
  std::vector<absl::string_view> leaves_;
  size_t next_ = 0;
};

// The whole file in one read: `export` files run to gigabytes, and every copy counts.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(path, error);
  if (error || !std::filesystem::exists(status)) {
    return absl::NotFoundError(absl::StrCat(path, ": no such file"));
  }
  if (!std::filesystem::is_regular_file(status)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": not a regular file; give an export file, not a pipe or directory"));
  }
  const auto size = std::filesystem::file_size(path, error);
  std::FILE* file = error ? nullptr : std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return absl::PermissionDeniedError(absl::StrCat(path, ": cannot be opened for reading"));
  }
  std::string bytes(size, '\0');
  const size_t read = std::fread(bytes.data(), 1, bytes.size(), file);
  const bool more = std::fgetc(file) != EOF;
  std::fclose(file);
  if (read != bytes.size() || more) {
    return absl::DataLossError(absl::StrCat(path, ": changed while it was read"));
  }
  return bytes;
}

// The program's GNU build id (a hash of the linked binary the linker writes into it), read from
// its own program headers; empty when it has none.
std::string BuildId() {
  std::string id;
  dl_iterate_phdr(
      [](struct dl_phdr_info* info, size_t, void* out) -> int {
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& header = info->dlpi_phdr[i];
          if (header.p_type != PT_NOTE) continue;
          const char* at = reinterpret_cast<const char*>(info->dlpi_addr + header.p_vaddr);
          const char* end = at + header.p_memsz;
          while (at + sizeof(ElfW(Nhdr)) <= end) {
            const auto* note = reinterpret_cast<const ElfW(Nhdr)*>(at);
            const char* name = at + sizeof(ElfW(Nhdr));
            const char* desc = name + ((note->n_namesz + 3) & ~3u);
            if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 &&
                std::memcmp(name, "GNU", 4) == 0 && desc + note->n_descsz <= end) {
              *static_cast<std::string*>(out) = std::string(desc, note->n_descsz);
              return 1;
            }
            at = desc + ((note->n_descsz + 3) & ~3u);
          }
        }
        return 1;  // only the program itself, the first object listed
      },
      &id);
  return id;
}

// Which ledgerctl verified: an index records it, so a ledgerctl with other (stricter) rules
// verifies again instead of trusting an older one's work. The build id when the binary has one
// (free to read), else the SHA-256 of the binary.
std::string VerifierDigest() {
  if (const std::string id = BuildId(); !id.empty()) {
    return absl::StrCat("build-id:", absl::BytesToHexString(id));
  }
  absl::StatusOr<std::string> self = ReadWholeFile("/proc/self/exe");
  return self.ok() ? absl::StrCat("sha256:", absl::BytesToHexString(ledger::Sha256Bytes(*self)))
                   : "unknown";
}

}  // namespace

absl::StatusOr<VerifiedExport> OpenVerifiedExport(const OfflineSource& source) {
  ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(source.export_file));
  std::optional<std::string> checkpoint;
  if (!source.checkpoint_file.empty()) {
    ASSIGN_OR_RETURN(checkpoint, ReadTextFile(source.checkpoint_file));
  }
  IndexRecord wanted;
  wanted.export_sha256 = absl::BytesToHexString(ledger::Sha256Bytes(bytes));
  wanted.export_bytes = bytes.size();
  wanted.checkpoint_sha256 =
      checkpoint ? absl::BytesToHexString(ledger::Sha256Bytes(*checkpoint)) : "none";
  wanted.verifier = VerifierDigest();

  VerifiedExport out;
  out.index_path = source.export_file + ".verified";
  std::optional<std::pair<std::string, std::string>> recorded_key;  // known when verified now
  const std::optional<IndexRecord> index =
      source.reverify ? std::nullopt : ReadIndex(out.index_path);
  // A matching index: the same bytes, verified against the checkpoint asked for (or any, when
  // none is asked for: a verification against a kept checkpoint is the stronger one).
  const bool matches = index && index->export_sha256 == wanted.export_sha256 &&
                       index->export_bytes == wanted.export_bytes &&
                       index->verifier == wanted.verifier &&
                       (!checkpoint || index->checkpoint_sha256 == wanted.checkpoint_sha256);
  if (matches) {
    out.index_note = absl::StrCat("verified before (", out.index_path, ": SHA-256 ",
                                  wanted.export_sha256.substr(0, 16), "…, tree size ",
                                  index->tree_size, ")");
  } else {
    InMemoryLeaves leaves(bytes, source.export_file);
    RETURN_IF_ERROR(leaves.Start());
    replay::RuleGuard guard;
    replay::GrantPayloadRules payload_rules;
    ledger::VerifyOptions options;
    options.policy = &guard;
    options.payload_rules = &payload_rules;
    options.trusted_checkpoint = checkpoint;
    ASSIGN_OR_RETURN(ledger::VerifyReport report, ledger::VerifyLedger(leaves, options));
    if (checkpoint) {
      const ledger::CheckpointKey* key =
          ledger::CheckpointKeyFor(report.checkpoint_keys, report.checkpoint_size.value_or(0));
      if (key != nullptr) recorded_key = std::make_pair(key->key_name, key->public_key);
    }
    wanted.tree_size = report.events;
    wanted.root = absl::BytesToHexString(
        absl::string_view(reinterpret_cast<const char*>(report.root.data()), report.root.size()));
    out.verified_now = true;
    out.index_note = WriteIndex(out.index_path, wanted);
  }
  // The same bytes that were hashed (and verified) become the log the queries read.
  ASSIGN_OR_RETURN(out.log, ExportEventLog::Open(std::move(bytes), source.export_file));
  if (matches && out.log->Size() != index->tree_size) {
    return absl::DataLossError(absl::StrCat("export: ", out.log->Size(),
                                            " leaves, its verified index says ",
                                            index->tree_size));
  }
  // The kept checkpoint goes through the trust store like every other: the export must hold
  // the tree of the checkpoint the store holds (or be a fork of it).
  if (checkpoint) {
    TrustStore trust = TrustStore::Open(CurrentTrustSettings().store_dir);
    AcceptOptions accept;
    accept.witness_policy_file = CurrentTrustSettings().witness_policy_file;
    accept.recorded_key = [&]() -> absl::StatusOr<std::pair<std::string, std::string>> {
      if (recorded_key) return *recorded_key;
      return absl::FailedPreconditionError(
          "trust store: holds no checkpoint key for this log; run `ledgerctl verify --export` "
          "with --checkpoint-key once, or --reverify");
    };
    const ExportEventLog* log = out.log.get();
    accept.root_at = [log](uint64_t size) -> std::optional<ledger::Hash> {
      if (size > log->Size()) return std::nullopt;
      return log->RootAt(size);
    };
    RETURN_IF_ERROR(trust.Accept(*checkpoint, accept).status());
  }
  return out;
}

}  // namespace booo::ledgerctl
