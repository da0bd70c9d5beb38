// Mirrors in-process: a static primary answering appends once a mirror holds them, a mirror
// following it over the Cluster service, and a malicious primary (a test double of the
// Cluster service) whose every lie the mirror must catch at the exact sequence.
#include <atomic>
#include <fstream>
#include <functional>
#include <sstream>
#include <filesystem>
#include <thread>

#include "booo/v1/cluster_service.grpc.pb.h"
#include "booo/v1/ledger_service.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "ledger/core/checkpoint.h"
#include "ledger/core/leaf_format.h"
#include "ledger/core/merkle.h"
#include "services/server.h"
#include "tests/support/event_factory.h"

namespace booo::testing {
namespace {

using ledger::Ed25519PrivateKey;

std::filesystem::path FreshDir(const std::string& name) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("booo-repl-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

template <typename Pred>
bool WaitFor(Pred pred, absl::Duration timeout = absl::Seconds(20)) {
  const absl::Time until = absl::Now() + timeout;
  while (absl::Now() < until) {
    if (pred()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return pred();
}

class ReplicationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    primary_dir_ = FreshDir(name + "-primary");
    mirror_dir_ = FreshDir(name + "-mirror");
    auto ledger = ledger::Ledger::Open(primary_dir_.string(), &clock_, WithGrantRules());
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    SignedBytes genesis = Sign(GenesisBody(root_, checkpoint_key_), root_);
    ASSERT_TRUE((*ledger)->Append(genesis.body, genesis.signature).ok());
    ledger->reset();
    for (const auto& dir : {primary_dir_, mirror_dir_}) {
      ASSERT_TRUE(ledger::WritePrivateKeyFile((dir / "checkpoint.key").string(), checkpoint_key_).ok());
    }
  }
  void TearDown() override {
    mirror_.reset();
    primary_.reset();
    std::filesystem::remove_all(primary_dir_);
    std::filesystem::remove_all(mirror_dir_);
  }

  std::unique_ptr<services::LedgerServer> StartNode(
      const std::filesystem::path& dir, services::ClusterOptions cluster,
      std::function<void(std::string)> request_restart = nullptr) {
    services::ServerOptions options;
    options.request_restart = std::move(request_restart);
    options.data_dir = dir.string();
    options.listen_address = "127.0.0.1:0";
    options.plaintext_for_development = true;
    options.cluster = std::move(cluster);
    auto server = services::LedgerServer::Start(options, &clock_);
    EXPECT_TRUE(server.ok()) << server.status();
    return server.ok() ? *std::move(server) : nullptr;
  }
  void StartPrimary(uint32_t sync_mirrors = 1) {
    services::ClusterOptions cluster;
    cluster.node_name = "primary";
    cluster.static_primary = true;
    cluster.sync_mirrors = sync_mirrors;
    cluster.sync_timeout = absl::Milliseconds(800);
    primary_ = StartNode(primary_dir_, cluster);
    ASSERT_NE(primary_, nullptr);
    stub_ = booo::v1::Ledger::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(primary_->port()), grpc::InsecureChannelCredentials()));
  }
  void StartMirror(const std::string& primary_address) {
    services::ClusterOptions cluster;
    cluster.node_name = "mirror";
    cluster.follow_address = primary_address;
    mirror_ = StartNode(mirror_dir_, cluster);
    ASSERT_NE(mirror_, nullptr);
  }
  grpc::Status Append(booo::v1::Ledger::Stub& stub, const SignedBytes& event,
                      booo::v1::AppendResponse* response) {
    booo::v1::AppendRequest request;
    request.mutable_event()->set_body(event.body);
    request.mutable_event()->set_signature(event.signature);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    return stub.Append(&context, request, response);
  }
  booo::v1::Checkpoint GetCheckpoint(int port) {
    auto stub = booo::v1::Ledger::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    booo::v1::Checkpoint checkpoint;
    grpc::Status status = stub->GetCheckpoint(&context, {}, &checkpoint);
    return status.ok() ? checkpoint : booo::v1::Checkpoint();
  }

  ledger::ManualClock clock_{1'700'000'000'000'000};
  std::filesystem::path primary_dir_, mirror_dir_;
  std::unique_ptr<services::LedgerServer> primary_, mirror_;
  std::unique_ptr<booo::v1::Ledger::Stub> stub_;
  Ed25519PrivateKey root_ = TestKey(1);
  Ed25519PrivateKey checkpoint_key_ = TestKey(2);
  Ed25519PrivateKey amsterdam_ = TestKey(3);
};

TEST_F(ReplicationTest, MirrorHoldsTheIdenticalLogAndServesThePrimarysCheckpoints) {
  StartPrimary();
  StartMirror("127.0.0.1:" + std::to_string(primary_->port()));
  booo::v1::AppendResponse response;
  ASSERT_TRUE(Append(*stub_, Sign(KeyRegisteredBody("k-ams", root_, amsterdam_,
                                                    booo::v1::ROLE_MUNICIPALITY, "GM0363"), root_),
                     &response).ok());
  for (int i = 0; i < 20; ++i) {
    grpc::Status status = Append(
        *stub_, Sign(PlacesBody("places-" + std::to_string(i), amsterdam_, "GM0363", 10 + i), amsterdam_),
        &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    // Acknowledged means durable on the mirror too.
    EXPECT_GE(mirror_->ledger().Head().size, response.receipt().sequence() + 1);
  }
  const ledger::TreeHead head = primary_->ledger().Head();
  ASSERT_EQ(head.size, 22u);
  ASSERT_TRUE(WaitFor([&] { return mirror_->ledger().Head().size == head.size; }));
  EXPECT_EQ(mirror_->ledger().Head().root, head.root);
  for (uint64_t s = 0; s < head.size; ++s) {
    EXPECT_EQ(mirror_->ledger().GetEvent(s)->leaf_hash(), primary_->ledger().GetEvent(s)->leaf_hash());
    EXPECT_EQ(*mirror_->ledger().RootAt(s + 1), *primary_->ledger().RootAt(s + 1));
  }
  // The mirror hands out the primary's checkpoint, byte for byte, once it verified it.
  ASSERT_TRUE(WaitFor([&] { return GetCheckpoint(mirror_->port()).tree_size() == head.size; }));
  EXPECT_EQ(GetCheckpoint(mirror_->port()).note(), GetCheckpoint(primary_->port()).note());
  // Writes on the mirror are refused, naming the primary.
  auto mirror_stub = booo::v1::Ledger::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(mirror_->port()), grpc::InsecureChannelCredentials()));
  grpc::Status refused =
      Append(*mirror_stub, Sign(PlacesBody("places-m", amsterdam_, "GM0363", 1), amsterdam_), &response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(refused.error_message().find("primary: primary@"), std::string::npos)
      << refused.error_message();
  EXPECT_EQ(mirror_->ledger().Head().size, head.size);
}

TEST_F(ReplicationTest, AnAppendNoMirrorHoldsIsNotAcknowledgedAndItsRetryIsIdempotent) {
  StartPrimary();
  const SignedBytes keys = Sign(KeyRegisteredBody("k-ams", root_, amsterdam_,
                                                  booo::v1::ROLE_MUNICIPALITY, "GM0363"), root_);
  booo::v1::AppendResponse response;
  grpc::Status status = Append(*stub_, keys, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_NE(status.error_message().find("retry with the same bytes"), std::string::npos);
  // Durable on the primary alone: no checkpoint covers it.
  EXPECT_EQ(primary_->ledger().Head().size, 2u);
  EXPECT_LT(GetCheckpoint(primary_->port()).tree_size(), 2u);

  StartMirror("127.0.0.1:" + std::to_string(primary_->port()));
  status = Append(*stub_, keys, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(response.duplicate());
  EXPECT_EQ(response.receipt().sequence(), 1u);
  EXPECT_EQ(primary_->ledger().Head().size, 2u);  // recorded once
  ASSERT_TRUE(WaitFor([&] { return GetCheckpoint(primary_->port()).tree_size() == 2u; }));
}

TEST_F(ReplicationTest, FormerPrimaryCutsItsUnacknowledgedTailAndRejoins) {
  StartPrimary();
  const std::string primary_address = "127.0.0.1:" + std::to_string(primary_->port());
  StartMirror(primary_address);
  booo::v1::AppendResponse response;
  ASSERT_TRUE(Append(*stub_, Sign(KeyRegisteredBody("k-ams", root_, amsterdam_,
                                                    booo::v1::ROLE_MUNICIPALITY, "GM0363"), root_),
                     &response).ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(Append(*stub_, Sign(PlacesBody("p-" + std::to_string(i), amsterdam_, "GM0363", 7), amsterdam_),
                       &response).ok());
  }
  ASSERT_TRUE(WaitFor([&] { return GetCheckpoint(primary_->port()).tree_size() == 5u; }));
  mirror_->Shutdown();
  mirror_.reset();
  // With no mirror, an append lands on the primary's disk only: never acknowledged, never in a
  // checkpoint.
  const SignedBytes unacknowledged = Sign(PlacesBody("p-lost", amsterdam_, "GM0363", 99), amsterdam_);
  EXPECT_EQ(Append(*stub_, unacknowledged, &response).error_code(), grpc::StatusCode::UNAVAILABLE);
  ASSERT_EQ(primary_->ledger().Head().size, 6u);
  EXPECT_EQ(GetCheckpoint(primary_->port()).tree_size(), 5u);
  primary_->Shutdown();
  primary_.reset();

  // The mirror, which holds every acknowledged event, becomes the primary and goes on.
  services::ClusterOptions promoted;
  promoted.node_name = "mirror";
  promoted.static_primary = true;
  promoted.sync_mirrors = 0;
  std::unique_ptr<services::LedgerServer> new_primary = StartNode(mirror_dir_, promoted);
  ASSERT_NE(new_primary, nullptr);
  auto new_stub = booo::v1::Ledger::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(new_primary->port()), grpc::InsecureChannelCredentials()));
  ASSERT_TRUE(Append(*new_stub, Sign(PlacesBody("p-new", amsterdam_, "GM0363", 8), amsterdam_),
                     &response).ok());
  EXPECT_EQ(response.receipt().sequence(), 5u);

  // The former primary rejoins as its mirror: its tail is cut on a restart, kept in a file.
  services::ClusterOptions rejoin;
  rejoin.node_name = "primary";
  rejoin.follow_address = "127.0.0.1:" + std::to_string(new_primary->port());
  std::atomic<bool> restart{false};
  std::unique_ptr<services::LedgerServer> old_primary =
      StartNode(primary_dir_, rejoin, [&](std::string) { restart.store(true); });
  ASSERT_NE(old_primary, nullptr);
  ASSERT_TRUE(WaitFor([&] { return restart.load(); })) << "no cut was asked for";
  EXPECT_EQ(old_primary->ledger().Head().size, 6u);  // nothing cut before the restart
  old_primary->Shutdown();
  old_primary.reset();
  old_primary = StartNode(primary_dir_, rejoin);
  ASSERT_NE(old_primary, nullptr);
  ASSERT_TRUE(WaitFor([&] { return old_primary->ledger().Head().size == 6u &&
                                   old_primary->ledger().Head().root == new_primary->ledger().Head().root; }));
  EXPECT_FALSE(old_primary->ledger().GetEventById("p-lost").ok());
  EXPECT_TRUE(old_primary->ledger().GetEventById("p-new").ok());
  // The cut event is kept beside the data directory.
  int tails = 0;
  for (const auto& entry : std::filesystem::directory_iterator(primary_dir_.parent_path())) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(primary_dir_.filename().string() + ".cut-5-", 0) == 0) {
      ++tails;
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream bytes;
      bytes << in.rdbuf();
      EXPECT_NE(bytes.str().find(unacknowledged.body), std::string::npos);
      std::filesystem::remove(entry.path());
    }
  }
  EXPECT_EQ(tails, 1);
  old_primary->Shutdown();
  new_primary->Shutdown();
}

// The malicious primary: serves a prepared log, possibly doctored, and a checkpoint.
class FakePrimary final : public booo::v1::Cluster::Service {
 public:
  std::vector<booo::v1::StoredEvent> events;
  std::optional<booo::v1::Checkpoint> checkpoint;
  grpc::Status Follow(grpc::ServerContext* context,
                      grpc::ServerReaderWriter<booo::v1::FollowResponse, booo::v1::FollowRequest>*
                          stream) override {
    booo::v1::FollowRequest start;
    if (!stream->Read(&start)) return grpc::Status::OK;
    booo::v1::FollowResponse response;
    response.set_term(0);
    for (size_t i = start.start().size(); i < events.size(); ++i) *response.add_events() = events[i];
    response.set_primary_size(events.size());
    if (checkpoint) *response.mutable_checkpoint() = *checkpoint;
    stream->Write(response);
    booo::v1::FollowRequest report;
    while (!context->IsCancelled() && stream->Read(&report)) {
    }
    return grpc::Status::OK;
  }
};

class MaliciousPrimaryTest : public ReplicationTest {
 protected:
  // An honest log: genesis, a municipality key, then places declarations by it.
  void BuildHonestLog() {
    std::vector<SignedBytes> signed_events = {
        Sign(GenesisBody(root_, checkpoint_key_), root_),
        Sign(KeyRegisteredBody("k-ams", root_, amsterdam_, booo::v1::ROLE_MUNICIPALITY, "GM0363"), root_)};
    for (int i = 0; i < 4; ++i) {
      signed_events.push_back(
          Sign(PlacesBody("p-" + std::to_string(i), amsterdam_, "GM0363", 5 + i), amsterdam_));
    }
    for (size_t i = 0; i < signed_events.size(); ++i) Add(signed_events[i], i);
  }
  void Add(const SignedBytes& event, uint64_t sequence) {
    booo::v1::EventBody body;
    ASSERT_TRUE(body.ParseFromString(event.body));
    booo::v1::StoredEvent stored;
    stored.set_sequence(sequence);
    stored.set_recorded_at_micros(1'700'000'000'000'000 + static_cast<int64_t>(sequence));
    stored.set_body(event.body);
    stored.set_signature(event.signature);
    stored.set_key_id(body.signer_key_id());
    Rehash(stored);
    if (fake_.events.size() <= sequence) fake_.events.resize(sequence + 1);
    fake_.events[sequence] = stored;
  }
  // The leaf hash a primary computes for the event as it stands (so only the rule can fail).
  static void Rehash(booo::v1::StoredEvent& stored) {
    absl::StatusOr<std::string> leaf = ledger::EncodeLeaf(ledger::Leaf{
        stored.sequence(), stored.recorded_at_micros(), stored.key_id(), stored.body(), stored.signature()});
    ASSERT_TRUE(leaf.ok());
    const ledger::Hash hash = ledger::HashLeaf(*leaf);
    stored.set_leaf_hash(std::string(hash.begin(), hash.end()));
  }
  booo::v1::Checkpoint SignedCheckpoint(uint64_t size, const ledger::Hash& root) {
    ledger::Checkpoint c{"booo-ledger.test/unit", size, root, {}};
    absl::StatusOr<std::string> note = ledger::SignCheckpoint(c, "booo-ledger.test", checkpoint_key_);
    EXPECT_TRUE(note.ok()) << note.status();
    booo::v1::Checkpoint checkpoint;
    checkpoint.set_note(*note);
    checkpoint.set_tree_size(size);
    return checkpoint;
  }
  ledger::Hash RootOf(size_t size) {
    ledger::CompactRange tree;
    for (size_t i = 0; i < size; ++i) {
      tree.Append(*ledger::HashFromBytes(fake_.events[i].leaf_hash()));
    }
    return tree.Root();
  }
  // Runs a mirror against the fake; expects it to stop at `size` with `reason` in its health.
  void ExpectMirrorStopsAt(uint64_t size, const std::string& reason) {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&fake_);
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    ASSERT_NE(server, nullptr);
    StartMirror("127.0.0.1:" + std::to_string(port));
    ASSERT_TRUE(WaitFor([&] { return mirror_->cluster()->role() == services::NodeRole::kDiverged; }))
        << "the mirror did not stop; it holds " << mirror_->ledger().Head().size;
    EXPECT_EQ(mirror_->ledger().Head().size, size);
    const std::string health = mirror_->cluster()->health();
    EXPECT_NE(health.find(reason), std::string::npos) << health;
    mirror_->Shutdown();
    server->Shutdown();
  }
  FakePrimary fake_;
};

TEST_F(MaliciousPrimaryTest, HonestLogAndCheckpointAreTaken) {
  BuildHonestLog();
  fake_.checkpoint = SignedCheckpoint(6, RootOf(6));
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&fake_);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  StartMirror("127.0.0.1:" + std::to_string(port));
  ASSERT_TRUE(WaitFor([&] { return GetCheckpoint(mirror_->port()).tree_size() == 6u; }));
  EXPECT_EQ(mirror_->cluster()->role(), services::NodeRole::kMirror);
  mirror_->Shutdown();
  server->Shutdown();
}

TEST_F(MaliciousPrimaryTest, ForgedSignatureStopsTheMirrorAtItsSequence) {
  BuildHonestLog();
  std::string signature = fake_.events[3].signature();
  signature[5] ^= 1;
  fake_.events[3].set_signature(signature);
  Rehash(fake_.events[3]);
  ExpectMirrorStopsAt(3, "sequence 3: ");
  EXPECT_NE(mirror_->cluster()->health().find("signature"), std::string::npos)
      << mirror_->cluster()->health();
}

TEST_F(MaliciousPrimaryTest, EventItsSignerMayNotWriteStopsTheMirror) {
  BuildHonestLog();
  // A municipality key registering a key: only the ministry may.
  Add(Sign(KeyRegisteredBody("k-evil", amsterdam_, TestKey(9), booo::v1::ROLE_MINISTRY), amsterdam_), 4);
  ExpectMirrorStopsAt(4, "sequence 4: ");
  EXPECT_NE(mirror_->cluster()->health().find("ministry"), std::string::npos)
      << mirror_->cluster()->health();
}

TEST_F(MaliciousPrimaryTest, SwappedEventsStopTheMirror) {
  BuildHonestLog();
  // The key registration after the first declaration that needs it.
  booo::v1::StoredEvent key = fake_.events[1], places = fake_.events[2];
  key.set_sequence(2);
  places.set_sequence(1);
  Rehash(key);
  Rehash(places);
  fake_.events[1] = places;
  fake_.events[2] = key;
  ExpectMirrorStopsAt(1, "sequence 1: ");
}

TEST_F(MaliciousPrimaryTest, CheckpointThatForksHistoryStopsTheMirror) {
  BuildHonestLog();
  ledger::Hash other = RootOf(6);
  other[0] ^= 1;
  fake_.checkpoint = SignedCheckpoint(6, other);
  ExpectMirrorStopsAt(6, "checkpoint of size 6");
  EXPECT_NE(mirror_->cluster()->health().find(ledger::HashToHex(RootOf(6))), std::string::npos)
      << mirror_->cluster()->health();
  // It keeps serving the verified prefix, never the forked checkpoint.
  EXPECT_NE(GetCheckpoint(mirror_->port()).tree_size(), 6u);
}

}  // namespace
}  // namespace booo::testing
