// StreamGrantTrace end to end: a real ledgerd, a grant's traces read node by node over gRPC.
// The stream holds exactly GetGrant's traces (rebuilt from it, field for field), depth first
// with paths; the first chunk carries the answer and one node; trace_path and trace_depth cut it
// as GetGrant does; every refusal comes before anything is streamed; a client can stop early.
#include "booo/v1/grants_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "replay/calc/trace.h"
#include "tests/integration/grants_env.h"
#include "tests/support/grant_scenario.h"

namespace booo::testing {
namespace {

using booo::v1::GrantTraceChunk;
using booo::v1::StreamedTraceNode;
using booo::v1::TraceNode;
using google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;

class TraceStreamTest : public GrantsServiceTest {
 protected:
  void SetUp() override {
    GrantsServiceTest::SetUp();
    for (int location = 0; location < 3; ++location) {
      for (int month = 1; month <= 6; ++month) {
        Put(GooPlaces(absl::StrCat("p", location, "-", month), "GM0363", absl::StrCat("L", location),
                      Day(2023, month, 1), Day(2023, month, 28), 10 + location, Day(2023, month, 28)),
            amsterdam_);
      }
    }
    Put(Advance("a1", "GM0363", 2023, 5'000'000, Day(2023, 3, 1)), root_);

  }

  // Every chunk of a stream, and how it ended.
  grpc::Status Stream(const booo::v1::GetGrantRequest& request, std::vector<GrantTraceChunk>& out) {
    grpc::ClientContext context;
    auto reader = grants_->StreamGrantTrace(&context, request);
    GrantTraceChunk chunk;
    while (reader->Read(&chunk)) out.push_back(chunk);
    return reader->Finish();
  }
  static std::vector<StreamedTraceNode> Nodes(const std::vector<GrantTraceChunk>& chunks) {
    std::vector<StreamedTraceNode> nodes;
    for (const GrantTraceChunk& c : chunks) nodes.insert(nodes.end(), c.nodes().begin(), c.nodes().end());
    return nodes;
  }
  // The tree the stream describes from `i` on (each node followed by its `children` subtrees).
  static TraceNode Rebuild(const std::vector<StreamedTraceNode>& nodes, size_t& i) {
    const StreamedTraceNode& at = nodes.at(i++);
    TraceNode node = at.node();
    for (uint32_t c = 0; c < at.children(); ++c) {
      EXPECT_EQ(nodes.at(i).depth(), at.depth() + 1);
      EXPECT_EQ(nodes.at(i).path(), absl::StrCat(at.path(), "/", nodes.at(i).node().key()));
      *node.add_children() = Rebuild(nodes, i);
    }
    return node;
  }
  static booo::v1::GetGrantRequest Request() {
    booo::v1::GetGrantRequest request;
    request.set_municipality_code("GM0363");
    request.set_spending_year(2023);
    return request;
  }
};

TEST_F(TraceStreamTest, HoldsGetGrantsTracesDepthFirstWithPaths) {
  booo::v1::GetGrantResponse whole;
  ASSERT_TRUE(Grant("GM0363", 2023, &whole).ok());
  std::vector<GrantTraceChunk> chunks;
  ASSERT_TRUE(Stream(Request(), chunks).ok());
  ASSERT_GE(chunks.size(), 2u);
  // The first chunk: the answer without traces, and the grant's root alone.
  ASSERT_TRUE(chunks[0].has_answer());
  EXPECT_EQ(chunks[0].answer().computed_grant_cents(), whole.computed_grant_cents());
  EXPECT_EQ(chunks[0].answer().trace_digest(), whole.trace_digest());
  EXPECT_EQ(chunks[0].answer().tree_size(), whole.tree_size());
  EXPECT_FALSE(chunks[0].answer().has_trace());
  ASSERT_EQ(chunks[0].nodes_size(), 1);
  EXPECT_EQ(chunks[0].nodes(0).path(), "grant");
  for (size_t c = 1; c < chunks.size(); ++c) EXPECT_FALSE(chunks[c].has_answer());
  // Rebuilt from the stream, the three traces are GetGrant's, field for field.
  const std::vector<StreamedTraceNode> nodes = Nodes(chunks);
  size_t i = 0;
  for (const auto& [name, expected] : {std::pair{"trace", &whole.trace()},
                                       std::pair{"settlement", &whole.settlement()},
                                       std::pair{"vat_fund", &whole.vat_fund()}}) {
    SCOPED_TRACE(name);
    ASSERT_LT(i, nodes.size());
    EXPECT_EQ(nodes[i].trace(), name);
    EXPECT_EQ(nodes[i].depth(), 0u);
    const TraceNode rebuilt = Rebuild(nodes, i);
    EXPECT_TRUE(MessageDifferencer::Equals(rebuilt, *expected));
  }
  EXPECT_EQ(i, nodes.size());
  // Every path names its node in GetGrant's trace.
  for (const StreamedTraceNode& n : nodes) {
    if (n.trace() != "trace") continue;
    const TraceNode* found = replay::FindNode(whole.trace(), n.path());
    ASSERT_NE(found, nullptr) << n.path();
    EXPECT_EQ(found->digest(), n.node().digest());
  }
}

TEST_F(TraceStreamTest, PathAndDepthCutItAsGetGrantDoes) {
  booo::v1::GetGrantResponse whole;
  ASSERT_TRUE(Grant("GM0363", 2023, &whole).ok());
  const TraceNode* norm = replay::FindNode(whole.trace(), "grant/a/norm");
  ASSERT_NE(norm, nullptr);
  ASSERT_EQ(norm->children_size(), 3);  // L0, L1, L2
  booo::v1::GetGrantRequest request = Request();
  request.set_trace_path("grant/a/norm");
  request.set_trace_depth(1);
  std::vector<GrantTraceChunk> chunks;
  ASSERT_TRUE(Stream(request, chunks).ok());
  const std::vector<StreamedTraceNode> nodes = Nodes(chunks);
  ASSERT_EQ(nodes.size(), 4u);  // the node and its three children, cut there
  EXPECT_EQ(nodes[0].path(), "grant/a/norm");
  EXPECT_EQ(nodes[0].children(), 3u);
  for (int c = 0; c < 3; ++c) {
    const StreamedTraceNode& child = nodes[1 + c];
    EXPECT_EQ(child.trace(), "trace");
    EXPECT_EQ(child.depth(), 1u);
    EXPECT_EQ(child.path(), absl::StrCat("grant/a/norm/", norm->children(c).key()));
    EXPECT_EQ(child.children(), 0u);
    EXPECT_EQ(child.node().omitted_children(),
              static_cast<uint32_t>(norm->children(c).children_size()));
    EXPECT_EQ(child.node().amount_cents(), norm->children(c).amount_cents());
  }
}

TEST_F(TraceStreamTest, EveryRefusalComesBeforeAnythingIsStreamed) {
  struct Case {
    std::function<void(booo::v1::GetGrantRequest&)> change;
    grpc::StatusCode code;
    const char* names;
  };
  const std::vector<Case> cases = {
      {[](auto& r) { r.set_municipality_code("GM9999"); }, grpc::StatusCode::NOT_FOUND,
       "municipality_code"},
      {[](auto& r) { r.set_municipality_code("363"); }, grpc::StatusCode::INVALID_ARGUMENT,
       "municipality_code"},
      {[](auto& r) { r.set_spending_year(1999); }, grpc::StatusCode::INVALID_ARGUMENT,
       "spending_year"},
      {[](auto& r) { r.set_trace_path("grant/zz"); }, grpc::StatusCode::NOT_FOUND, "trace_path"},
      {[](auto& r) { r.mutable_known_at()->set_tree_size(1'000'000); },
       grpc::StatusCode::OUT_OF_RANGE, "known_at.tree_size"},
  };
  for (const Case& c : cases) {
    booo::v1::GetGrantRequest request = Request();
    c.change(request);
    SCOPED_TRACE(request.ShortDebugString());
    std::vector<GrantTraceChunk> chunks;
    const grpc::Status s = Stream(request, chunks);
    EXPECT_EQ(s.error_code(), c.code) << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr(c.names));
    EXPECT_TRUE(chunks.empty());
  }
}

TEST_F(TraceStreamTest, AClientMayStopAfterTheFirstChunk) {
  {
    grpc::ClientContext context;
    auto reader = grants_->StreamGrantTrace(&context, Request());
    GrantTraceChunk first;
    ASSERT_TRUE(reader->Read(&first));
    EXPECT_TRUE(first.has_answer());
    context.TryCancel();
    GrantTraceChunk rest;
    while (reader->Read(&rest)) {
    }
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  // The server goes on serving, and a point in the past streams as well.
  booo::v1::GetGrantRequest past = Request();
  past.mutable_known_at()->set_tree_size(40);  // before the last declarations and the advance
  std::vector<GrantTraceChunk> chunks;
  const grpc::Status s = Stream(past, chunks);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_FALSE(chunks.empty());
  EXPECT_EQ(chunks[0].answer().tree_size(), 40u);
  booo::v1::GetGrantResponse then;
  ASSERT_TRUE(Grant("GM0363", 2023, &then, past.known_at()).ok());
  EXPECT_EQ(chunks[0].answer().trace_digest(), then.trace_digest());
}

}  // namespace
}  // namespace booo::testing
