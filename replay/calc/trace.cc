#include "replay/calc/trace.h"

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "ledger/core/crypto.h"
#include "ledger/core/event_validation.h"
#include "replay/calc/money.h"

namespace booo::replay {
namespace {

void PutU32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

void PutU64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

void PutString(std::string& out, absl::string_view s) {
  PutU32(out, static_cast<uint32_t>(s.size()));
  out.append(s.data(), s.size());
}

void PutDate(std::string& out, const booo::v1::CivilDate& d) {
  PutU32(out, static_cast<uint32_t>(d.year()));
  PutU32(out, static_cast<uint32_t>(d.month()));
  PutU32(out, static_cast<uint32_t>(d.day()));
}

absl::Status CheckSumsAt(const TraceNode& node, const std::string& path) {
  if (node.children().empty()) return absl::OkStatus();
  absl::int128 sum = 0;
  for (const TraceNode& child : node.children()) {
    sum += child.amount_cents();
    const std::string child_path = absl::StrCat(path, "/", child.key());
    if (absl::Status s = CheckSumsAt(child, child_path); !s.ok()) return s;
  }
  if (sum != node.amount_cents()) {
    return absl::InternalError(absl::StrCat("trace ", path, ": amount ", node.amount_cents(),
                                            " is not its children's sum"));
  }
  return absl::OkStatus();
}

void SummarizeAt(const TraceNode& node, const std::string& path, int depth, int max_depth,
                 std::vector<booo::v1::TraceNodeDigest>& out) {
  booo::v1::TraceNodeDigest d;
  d.set_path(path);
  d.set_amount_cents(node.amount_cents());
  d.set_digest(node.digest());
  out.push_back(std::move(d));
  if (depth == max_depth) return;
  for (const TraceNode& child : node.children()) {
    SummarizeAt(child, absl::StrCat(path, "/", child.key()), depth + 1, max_depth, out);
  }
}

}  // namespace

std::string EscapeKey(absl::string_view key) {
  std::string safe_key;
  for (char c : key) {
    if (c == '%') {
      safe_key += "%25";
    } else if (c == '/') {
      safe_key += "%2F";
    } else {
      safe_key.push_back(c);
    }
  }
  return safe_key;
}

TraceNode MakeNode(absl::string_view key, absl::string_view label) {
  TraceNode node;
  // Keys join into paths with '/', so a key never holds one (a location id might).
  node.set_key(EscapeKey(key));
  node.set_label(std::string(label));
  return node;
}

TraceNode MakeLeaf(absl::string_view key, absl::string_view label, int64_t amount_cents,
                   absl::string_view formula) {
  TraceNode node = MakeNode(key, label);
  node.set_amount_cents(amount_cents);
  node.set_formula(std::string(formula));
  return node;
}

void AddSource(TraceNode& node, const FactRecord& fact) {
  booo::v1::TraceSource* source = node.add_sources();
  source->set_sequence(fact.ref.sequence);
  source->set_leaf_hash(fact.ref.leaf_hash.bytes());
  source->set_event_id(fact.ref.event_id);
  source->set_kind(ledger::PayloadName(*fact.body));
}

absl::StatusOr<int64_t> SumChildren(TraceNode& node) {
  if (node.children().empty()) return node.amount_cents();
  int64_t sum = 0;
  for (const TraceNode& child : node.children()) {
    absl::StatusOr<int64_t> next = CheckedAdd(sum, child.amount_cents(), node.key());
    if (!next.ok()) return next.status();
    sum = *next;
  }
  node.set_amount_cents(sum);
  return sum;
}

std::string CanonicalEncoding(const TraceNode& node) {
  std::string out = "booo-trace-node-v1";
  out.push_back('\0');
  PutString(out, node.key());
  PutString(out, node.label());
  PutU64(out, static_cast<uint64_t>(node.amount_cents()));
  PutString(out, node.formula());
  PutU32(out, static_cast<uint32_t>(node.rules_size()));
  for (const auto& rule : node.rules()) {
    PutString(out, rule.parameter());
    PutString(out, rule.value());
    PutDate(out, rule.valid().first_day());
    PutDate(out, rule.valid().last_day());
    PutU64(out, rule.amendment_sequence());
    PutString(out, rule.amendment_leaf_hash());
    PutString(out, rule.citation());
    PutString(out, rule.citation_url());
  }
  PutU32(out, static_cast<uint32_t>(node.sources_size()));
  for (const auto& source : node.sources()) {
    PutU64(out, source.sequence());
    PutString(out, source.leaf_hash());
    PutString(out, source.event_id());
    PutString(out, source.kind());
  }
  PutU32(out, static_cast<uint32_t>(node.notes_size()));
  for (const auto& note : node.notes()) PutString(out, note);
  PutU32(out, static_cast<uint32_t>(node.children_size()));
  for (const auto& child : node.children()) PutString(out, child.digest());
  return out;
}

std::string ComputeDigests(TraceNode& root) {
  for (TraceNode& child : *root.mutable_children()) ComputeDigests(child);
  root.set_digest(ledger::Sha256Bytes(CanonicalEncoding(root)));
  return root.digest();
}

absl::Status CheckSums(const TraceNode& root) { return CheckSumsAt(root, root.key()); }

std::vector<booo::v1::TraceNodeDigest> Summarize(const TraceNode& root, int max_depth) {
  std::vector<booo::v1::TraceNodeDigest> out;
  SummarizeAt(root, root.key(), 0, max_depth, out);
  return out;
}

const TraceNode* FindNode(const TraceNode& root, absl::string_view path) {
  std::vector<absl::string_view> keys = absl::StrSplit(path, '/');
  if (keys.empty() || keys[0] != root.key()) return nullptr;
  const TraceNode* node = &root;
  for (size_t i = 1; i < keys.size(); ++i) {
    const TraceNode* next = nullptr;
    for (const TraceNode& child : node->children()) {
      if (child.key() == keys[i]) next = &child;
    }
    if (next == nullptr) return nullptr;
    node = next;
  }
  return node;
}

}  // namespace booo::replay
