#include "tools/ledgerctl/verified_export.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "ledger/core/crypto.h"
#include "ledger/core/event_validation.h"
#include "ledger/core/export_file.h"
#include "ledger/core/leaf_format.h"
#include "ledger/core/merkle.h"
#include "ledger/core/status_macros.h"
#include "ledger/core/verifier.h"
#include "replay/calc/grant_payload_rules.h"
#include "replay/calc/rule_guard.h"
#include "tools/ledgerctl/client.h"

namespace booo::ledgerctl {
namespace {

constexpr char kIndexMagic[] = "booo-verified-export/1";

struct IndexRecord {
  std::string export_sha256;
  uint64_t export_bytes = 0;
  uint64_t tree_size = 0;
  std::string root;
  std::string checkpoint_sha256;  // "none" when verified without one

  std::string Text() const {
    return absl::StrCat(kIndexMagic, "\nexport-sha256 ", export_sha256, "\nexport-bytes ",
                        export_bytes, "\ntree-size ", tree_size, "\nroot ", root,
                        "\ncheckpoint-sha256 ", checkpoint_sha256, "\n");
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
  if (lines.size() != 6 || lines[0] != kIndexMagic) return std::nullopt;
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
  if (!sha || !bytes || !size || !root || !checkpoint ||
      !absl::SimpleAtoi(*bytes, &record.export_bytes) ||
      !absl::SimpleAtoi(*size, &record.tree_size)) {
    return std::nullopt;
  }
  record.export_sha256 = *sha;
  record.root = *root;
  record.checkpoint_sha256 = *checkpoint;
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

// Passes the leaves through to the verifier and keeps each one, so the export is read once.
class KeepingSource final : public ledger::LeafSource {
 public:
  explicit KeepingSource(ledger::LeafSource& inner) : inner_(inner) {}
  absl::StatusOr<std::optional<std::string>> Next() override {
    absl::StatusOr<std::optional<std::string>> leaf = inner_.Next();
    if (leaf.ok() && leaf->has_value()) kept_.push_back(**leaf);
    return leaf;
  }
  std::vector<std::string>& kept() { return kept_; }

 private:
  ledger::LeafSource& inner_;
  std::vector<std::string> kept_;
};

absl::StatusOr<booo::v1::StoredEvent> ToStoredEvent(const std::string& bytes) {
  ASSIGN_OR_RETURN(ledger::Leaf leaf, ledger::DecodeLeaf(bytes));
  ASSIGN_OR_RETURN(booo::v1::EventBody body, ledger::ParseEventBody(leaf.body));
  const ledger::Hash hash = ledger::HashLeaf(bytes);
  booo::v1::StoredEvent event;
  event.set_sequence(leaf.sequence);
  event.set_recorded_at_micros(leaf.recorded_at_micros);
  event.set_key_id(leaf.key_id);
  event.set_body(leaf.body);
  event.set_signature(leaf.signature);
  event.set_leaf_hash(std::string(hash.begin(), hash.end()));
  event.set_stream(body.stream());
  event.set_event_id(body.event_id());
  return event;
}

}  // namespace

absl::StatusOr<VerifiedExport> OpenVerifiedExport(const OfflineSource& source) {
  ASSIGN_OR_RETURN(std::string bytes, ReadTextFile(source.export_file));
  std::optional<std::string> checkpoint;
  if (!source.checkpoint_file.empty()) {
    ASSIGN_OR_RETURN(checkpoint, ReadTextFile(source.checkpoint_file));
  }
  IndexRecord wanted;
  wanted.export_sha256 = absl::BytesToHexString(ledger::Sha256Bytes(bytes));
  wanted.export_bytes = bytes.size();
  wanted.checkpoint_sha256 =
      checkpoint ? absl::BytesToHexString(ledger::Sha256Bytes(*checkpoint)) : "none";

  VerifiedExport out;
  out.index_path = source.export_file + ".verified";
  const std::optional<IndexRecord> index =
      source.reverify ? std::nullopt : ReadIndex(out.index_path);
  // A matching index: the same bytes, verified against the checkpoint asked for (or any, when
  // none is asked for: a verification against a kept checkpoint is the stronger one).
  const bool matches = index && index->export_sha256 == wanted.export_sha256 &&
                       index->export_bytes == wanted.export_bytes &&
                       (!checkpoint || index->checkpoint_sha256 == wanted.checkpoint_sha256);
  ASSIGN_OR_RETURN(std::unique_ptr<ledger::ExportFileReader> reader,
                   ledger::ExportFileReader::FromBytes(std::move(bytes), source.export_file));
  std::vector<std::string> leaves;
  if (matches) {
    for (;;) {
      ASSIGN_OR_RETURN(std::optional<std::string> leaf, reader->Next());
      if (!leaf) break;
      leaves.push_back(std::move(*leaf));
    }
    if (leaves.size() != index->tree_size) {
      return absl::DataLossError(absl::StrCat("export: ", leaves.size(),
                                              " leaves, its verified index says ",
                                              index->tree_size));
    }
    out.index_note = absl::StrCat("verified before (", out.index_path, ": SHA-256 ",
                                  wanted.export_sha256.substr(0, 16), "…, tree size ",
                                  index->tree_size, ")");
  } else {
    KeepingSource keeping(*reader);
    replay::RuleGuard guard;
    replay::GrantPayloadRules payload_rules;
    ledger::VerifyOptions options;
    options.policy = &guard;
    options.payload_rules = &payload_rules;
    options.trusted_checkpoint = checkpoint;
    ASSIGN_OR_RETURN(ledger::VerifyReport report, ledger::VerifyLedger(keeping, options));
    leaves = std::move(keeping.kept());
    wanted.tree_size = report.events;
    wanted.root = absl::BytesToHexString(
        absl::string_view(reinterpret_cast<const char*>(report.root.data()), report.root.size()));
    out.verified_now = true;
    out.index_note = WriteIndex(out.index_path, wanted);
  }
  out.events.reserve(leaves.size());
  for (std::string& leaf : leaves) {
    ASSIGN_OR_RETURN(booo::v1::StoredEvent event, ToStoredEvent(leaf));
    std::string().swap(leaf);
    out.events.push_back(std::move(event));
  }
  return out;
}

}  // namespace booo::ledgerctl
