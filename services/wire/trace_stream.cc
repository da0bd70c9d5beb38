#include "services/wire/trace_stream.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "replay/calc/trace.h"

namespace booo::wire {
namespace {

using booo::v1::GrantTraceChunk;
using booo::v1::StreamedTraceNode;
using booo::v1::TraceNode;

// A node as the stream carries it: its own fields, its children left out (they follow it, or
// with `cut` they are counted in omitted_children).
StreamedTraceNode NodeAlone(const char* trace, const TraceNode& node, const std::string& path,
                            uint32_t depth, bool cut) {
  StreamedTraceNode out;
  out.set_trace(trace);
  out.set_path(path);
  out.set_depth(depth);
  TraceNode* copy = out.mutable_node();
  copy->set_key(node.key());
  copy->set_label(node.label());
  copy->set_amount_cents(node.amount_cents());
  copy->set_formula(node.formula());
  *copy->mutable_rules() = node.rules();
  *copy->mutable_sources() = node.sources();
  *copy->mutable_notes() = node.notes();
  copy->set_digest(node.digest());
  const uint32_t children = static_cast<uint32_t>(node.children_size());
  if (cut) {
    copy->set_omitted_children(children + node.omitted_children());
  } else {
    copy->set_omitted_children(node.omitted_children());
    out.set_children(children);
  }
  return out;
}

class Walk {
 public:
  // With the answer, the first chunk holds it and the first node alone; without it (the first
  // chunk was sent already), chunks are filled from the start.
  Walk(uint32_t max_depth, std::optional<booo::v1::GetGrantResponse> answer,
       absl::FunctionRef<bool(const GrantTraceChunk&)> send)
      : max_depth_(max_depth), send_(send), first_(answer.has_value()) {
    if (answer) *chunk_.mutable_answer() = *std::move(answer);
  }

  // Every node of the subtree at `root` (whose path is `path`), depth first; with `skip_root`
  // only its descendants (the root was sent already).
  bool Subtree(const char* trace, const TraceNode& root, const std::string& path,
               bool skip_root = false) {
    struct Pending {
      const TraceNode* node;
      std::string path;
      uint32_t depth;
    };
    std::vector<Pending> stack;
    auto push_children = [&](const Pending& at) {
      for (int i = at.node->children_size() - 1; i >= 0; --i) {
        const TraceNode& child = at.node->children(i);
        stack.push_back({&child, absl::StrCat(at.path, "/", child.key()), at.depth + 1});
      }
    };
    if (skip_root) {
      push_children({&root, path, 0});
    } else {
      stack.push_back({&root, path, 0});
    }
    while (!stack.empty()) {
      Pending at = std::move(stack.back());
      stack.pop_back();
      const bool cut = max_depth_ != 0 && at.depth == max_depth_;
      StreamedTraceNode* out = chunk_.add_nodes();
      *out = NodeAlone(trace, *at.node, at.path, at.depth, cut);
      if (!cut) push_children(at);
      bytes_ += out->ByteSizeLong();
      if (first_ || chunk_.nodes_size() >= static_cast<int>(kChunkNodes) || bytes_ >= kChunkBytes) {
        if (!Flush()) return false;
      }
    }
    return true;
  }

  bool Flush() {
    if (chunk_.nodes_size() == 0 && !chunk_.has_answer()) return true;
    if (!send_(chunk_)) return false;
    chunk_.Clear();
    bytes_ = 0;
    first_ = false;
    return true;
  }

 private:
  const uint32_t max_depth_;
  absl::FunctionRef<bool(const GrantTraceChunk&)> send_;
  GrantTraceChunk chunk_;
  size_t bytes_ = 0;
  bool first_;
};

const absl::Status& Cancelled() {
  static const absl::Status* const cancelled =
      new absl::Status(absl::CancelledError("the receiver stopped reading"));
  return *cancelled;
}

// The three traces after the answer (and, with `root_sent`, after the grant trace's root).
absl::Status WalkAll(Walk& walk, const GrantTraces& traces, bool root_sent) {
  for (const auto& [name, root] : {std::pair{"trace", &traces.trace},
                                   std::pair{"settlement", &traces.settlement},
                                   std::pair{"vat_fund", &traces.vat_fund}}) {
    if (root->key().empty() && root->children_size() == 0) continue;  // no such trace
    const bool skip = root_sent && root == &traces.trace;
    if (!walk.Subtree(name, *root, root->key(), skip)) return Cancelled();
  }
  return walk.Flush() ? absl::OkStatus() : Cancelled();
}

void ClearTraces(booo::v1::GetGrantResponse& answer) {
  answer.clear_trace();
  answer.clear_settlement();
  answer.clear_vat_fund();
}

}  // namespace

absl::Status StreamTraces(const GrantTraces& traces, const booo::v1::GetGrantRequest& request,
                          booo::v1::GetGrantResponse answer,
                          absl::FunctionRef<bool(const GrantTraceChunk&)> send) {
  ClearTraces(answer);
  Walk walk(request.trace_depth(), std::move(answer), send);
  if (request.trace_path().empty()) return WalkAll(walk, traces, false);
  const TraceNode* node = replay::FindNode(traces.trace, request.trace_path());
  if (node == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("trace_path: the grant's trace has no node ", request.trace_path()));
  }
  if (!walk.Subtree("trace", *node, request.trace_path()) || !walk.Flush()) return Cancelled();
  return absl::OkStatus();
}

GrantTraceChunk FirstChunk(const GrantTraces& traces, booo::v1::GetGrantResponse answer) {
  ClearTraces(answer);
  GrantTraceChunk chunk;
  *chunk.mutable_answer() = std::move(answer);
  *chunk.add_nodes() = NodeAlone("trace", traces.trace, traces.trace.key(), 0, false);
  return chunk;
}

absl::Status StreamAfterFirstChunk(const GrantTraces& traces,
                                   const booo::v1::GetGrantRequest& request,
                                   absl::FunctionRef<bool(const GrantTraceChunk&)> send) {
  Walk walk(request.trace_depth(), std::nullopt, send);
  return WalkAll(walk, traces, true);
}

}  // namespace booo::wire
