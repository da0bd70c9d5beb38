// A mirror started from a copy of the primary's store catches up and serves the same grants:
// the same amounts and the same trace digests, computed from the identical log.
#include "booo/v1/grants_service.grpc.pb.h"
#include "tests/integration/grants_env.h"
#include "tests/support/grant_scenario.h"

namespace booo::testing {
namespace {

class MirrorGrantsTest : public GrantsServiceTest {
 protected:
  MirrorGrantsTest() {
    cluster_options_.node_name = "primary";
    cluster_options_.static_primary = true;
    cluster_options_.sync_mirrors = 0;  // the mirror joins later
  }
};

TEST_F(MirrorGrantsTest, MirrorFromABackupServesTheSameGrants) {
  Put(GooPlaces("p1", "GM0363", "L1", Day(2022, 10, 1), Day(2022, 10, 31), 100, Day(2022, 11, 10)),
      amsterdam_);
  Put(PooMonth("m6", "GM0363", 2022, 6, 100, 100, Day(2022, 7, 10)), amsterdam_);
  // The backup: a consistent copy of the store, as `ledgerctl backup` takes it.
  const std::filesystem::path mirror_dir = data_dir_.string() + "-mirror";
  std::filesystem::remove_all(mirror_dir);
  ASSERT_TRUE(server_->ledger().CopyStoreTo(mirror_dir.string()).ok());
  std::filesystem::copy_file(data_dir_ / "checkpoint.key", mirror_dir / "checkpoint.key");
  // The primary goes on meanwhile.
  Put(GooPlaces("p2", "GM0344", "L2", Day(2023, 12, 20), Day(2024, 1, 10), 40, Day(2024, 1, 20)),
      utrecht_);
  Put(PooMonth("m7", "GM0363", 2022, 7, 90, 90, Day(2022, 8, 10)), amsterdam_);

  services::ServerOptions options;
  options.data_dir = mirror_dir.string();
  options.listen_address = "127.0.0.1:0";
  options.plaintext_for_development = true;
  options.cluster.node_name = "mirror";
  options.cluster.follow_address = "127.0.0.1:" + std::to_string(server_->port());
  auto mirror = services::LedgerServer::Start(options, &clock_);
  ASSERT_TRUE(mirror.ok()) << mirror.status();
  const ledger::TreeHead head = server_->ledger().Head();
  for (int i = 0; i < 2000 && (*mirror)->ledger().Head().size < head.size; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_EQ((*mirror)->ledger().Head().root, head.root);

  auto mirror_grants = booo::v1::Grants::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string((*mirror)->port()), grpc::InsecureChannelCredentials()));
  for (const char* code : {"GM0363", "GM0344"}) {
    for (int year : {2022, 2023, 2024}) {
      booo::v1::GetGrantResponse on_primary, on_mirror;
      ASSERT_TRUE(Grant(code, year, &on_primary).ok());
      booo::v1::GetGrantRequest request;
      request.set_municipality_code(code);
      request.set_spending_year(year);
      grpc::ClientContext context;
      ASSERT_TRUE(mirror_grants->GetGrant(&context, request, &on_mirror).ok());
      EXPECT_EQ(on_mirror.trace_digest(), on_primary.trace_digest()) << code << " " << year;
      EXPECT_EQ(on_mirror.computed_grant_cents(), on_primary.computed_grant_cents());
      EXPECT_FALSE(on_primary.trace_digest().empty());
    }
  }
  (*mirror)->Shutdown();
  std::filesystem::remove_all(mirror_dir);
}

}  // namespace
}  // namespace booo::testing
