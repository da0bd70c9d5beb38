// A full disk, for real: the ledger's directory on a small tmpfs that a filler file fills up.
// Appends are then refused with RESOURCE_EXHAUSTED (UNAVAILABLE for another I/O error) and
// nothing of them is written; the server stays up and serves reads, checkpoints and proofs;
// once the filler is removed, appends succeed again without a restart. Afterwards the store
// verifies offline and holds every acknowledged event, at its sequence, unchanged.
// The read-access log is kept on another volume in that test, as an operator would; with it on
// the full volume, reads of events are refused (UNAVAILABLE) rather than served unrecorded,
// proofs (which the access log does not record) go on, and reads resume once space returns.
// Mounting needs root (as CI and the test command run); elsewhere the test fails, saying why:
// a test that cannot run must not pass by skipping.
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "ledger/core/export_file.h"
#include "ledger/storage/store_export.h"
#include "ledger/storage/store.h"
#include "ledger/core/verifier.h"
#include "booo/v1/access_log_service.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "tests/integration/test_ledger_env.h"

namespace booo::testing {
namespace {

class DiskFullTest : public LedgerServerTest {
 protected:
  void SetUp() override {
    mount_point_ = std::filesystem::temp_directory_path() /
                   ("booo-disk-full-" + std::to_string(::getpid()));
    std::filesystem::create_directories(mount_point_);
    if (::mount("tmpfs", mount_point_.c_str(), "tmpfs", 0, "size=1g") != 0) {
      GTEST_FAIL() << "cannot mount a tmpfs at " << mount_point_ << " (" << std::strerror(errno)
                   << "): this test needs root (CAP_SYS_ADMIN), as tools/test.sh runs in CI";
    }
    mounted_ = true;
    // Filled before the ledger opens, so that RocksDB cannot preallocate its write-ahead log
    // (tens of MB) beyond what is left. The tmpfs is large because RocksDB resumes by itself
    // only when the free space exceeds its reserve (a write buffer per column family).
    Fill(4 << 20);
    // The access log on another volume, as an operator would keep it (but in one test).
    if (!AccessLogOnFullVolume()) {
      access_dir_ = std::filesystem::temp_directory_path() /
                    ("booo-disk-full-access-" + std::to_string(::getpid()));
      access_log_dir_ = access_dir_.string();
    }
    // The fixture makes its data directory under the temporary directory: here, the tmpfs.
    const char* tmpdir = std::getenv("TMPDIR");
    const std::string saved = tmpdir ? tmpdir : "";
    ::setenv("TMPDIR", mount_point_.c_str(), 1);
    limits_.requests_per_second = 0;  // the test appends as fast as it can
    LedgerServerTest::SetUp();
    if (saved.empty()) {
      ::unsetenv("TMPDIR");
    } else {
      ::setenv("TMPDIR", saved.c_str(), 1);
    }
    RegisterStandardKeys();
  }

  void TearDown() override {
    LedgerServerTest::TearDown();
    if (!access_dir_.empty()) std::filesystem::remove_all(access_dir_);
    if (mounted_) ::umount2(mount_point_.c_str(), MNT_DETACH);
    std::filesystem::remove(mount_point_);
  }

  uint64_t FreeBytes() {
    struct statvfs fs {};
    EXPECT_EQ(::statvfs(mount_point_.c_str(), &fs), 0);
    return static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
  }

  // Takes all but `leave_bytes` of the file system's free space.
  void Fill(uint64_t leave_bytes) {
    const uint64_t free_bytes = FreeBytes();
    ASSERT_GT(free_bytes, leave_bytes);
    std::ofstream filler(mount_point_ / "filler", std::ios::binary);
    const std::string chunk(64 << 10, 'x');
    for (uint64_t left = free_bytes - leave_bytes; left > 0;) {
      const uint64_t n = std::min<uint64_t>(left, chunk.size());
      filler.write(chunk.data(), static_cast<std::streamsize>(n));
      left -= n;
    }
    filler.flush();
    ASSERT_TRUE(filler.good());
  }

  booo::v1::EventBody Places(int i) {
    booo::v1::EventBody body = PlacesBody("full-" + std::to_string(i), amsterdam_, "GM0363", 10);
    // A longer location id: the disk fills in fewer appends.
    body.mutable_goo_places_declared()->set_location_id("LOC-" + std::string(1000, 'a'));
    return body;
  }

  grpc::Status GetEvent(uint64_t sequence, booo::v1::StoredEvent* event) {
    grpc::ClientContext context;
    booo::v1::GetEventRequest request;
    request.set_sequence(sequence);
    return stub_->GetEvent(&context, request, event);
  }

  grpc::Status InclusionProof(uint64_t sequence) {
    grpc::ClientContext context;
    booo::v1::GetInclusionProofRequest request;
    request.set_sequence(sequence);
    booo::v1::InclusionProof proof;
    return stub_->GetInclusionProof(&context, request, &proof);
  }

  // Appends until the disk is full: the receipts of those acknowledged.
  std::vector<booo::v1::Receipt> AppendUntilFull(int& next) {
    std::vector<booo::v1::Receipt> acknowledged;
    for (; next < 20000; ++next) {
      booo::v1::AppendResponse response;
      if (!Append(Places(next), amsterdam_, &response).ok()) break;
      acknowledged.push_back(response.receipt());
    }
    return acknowledged;
  }

  virtual bool AccessLogOnFullVolume() const { return false; }

  std::filesystem::path mount_point_;
  std::filesystem::path access_dir_;
  bool mounted_ = false;
};

class DiskFullAccessLogTest : public DiskFullTest {
 protected:
  bool AccessLogOnFullVolume() const override { return true; }
};

TEST_F(DiskFullTest, RefusesAppendsWhileFullKeepsServingReadsAndRecoversWhenSpaceReturns) {
  std::vector<booo::v1::Receipt> acknowledged;
  grpc::Status refused;
  int next = 0;
  for (; next < 20000; ++next) {
    booo::v1::AppendResponse response;
    refused = Append(Places(next), amsterdam_, &response);
    if (!refused.ok()) break;
    acknowledged.push_back(response.receipt());
  }
  ASSERT_FALSE(refused.ok()) << "20,000 appends fit in 4 MiB: the disk never filled";
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << refused.error_message();
  EXPECT_NE(refused.error_message().find("No space left"), std::string::npos)
      << refused.error_message();
  ASSERT_FALSE(acknowledged.empty());
  const uint64_t size = TreeSize();
  EXPECT_EQ(size, acknowledged.back().sequence() + 1);

  // Full: every further append is refused too, and nothing of any of them is written.
  for (int retry = 0; retry < 3; ++retry) {
    ExpectRefused(Places(next), amsterdam_, grpc::StatusCode::RESOURCE_EXHAUSTED,
                  "No space left");
  }
  // Reads, checkpoints and proofs go on.
  booo::v1::StoredEvent last;
  ASSERT_TRUE(GetEvent(acknowledged.back().sequence(), &last).ok());
  EXPECT_EQ(last.leaf_hash(), acknowledged.back().leaf_hash());
  EXPECT_TRUE(InclusionProof(acknowledged.front().sequence()).ok());

  // Space returns: RocksDB notices within seconds, and the same append then succeeds without a
  // restart (refused as before until then), and so do more.
  std::filesystem::remove(mount_point_ / "filler");
  const auto space_returned = std::chrono::steady_clock::now();
  booo::v1::AppendResponse recovered;
  grpc::Status status;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  do {
    status = Append(Places(next), amsterdam_, &recovered);
    if (status.ok()) break;
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < deadline);
  ASSERT_TRUE(status.ok()) << "not recovered 60 s after space returned: " << status.error_message();
  std::cout << acknowledged.size() << " appends acknowledged before the disk filled; appends "
            << "accepted again "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - space_returned)
                   .count()
            << " ms after space returned\n";
  EXPECT_FALSE(recovered.duplicate());
  EXPECT_EQ(recovered.receipt().sequence(), size);
  acknowledged.push_back(recovered.receipt());
  for (int i = next + 1; i < next + 20; ++i) {
    booo::v1::AppendResponse response;
    ASSERT_TRUE(Append(Places(i), amsterdam_, &response).ok());
    acknowledged.push_back(response.receipt());
  }

  // After a restart every acknowledged event is there, unchanged, and the store verifies.
  StopServer();
  {
    auto store = ledger::LedgerStore::Open(data_dir_.string(), {.read_only = true});
    ASSERT_TRUE(store.ok()) << store.status();
    auto tree_size = (*store)->TreeSize();
    ASSERT_TRUE(tree_size.ok());
    EXPECT_EQ(*tree_size, acknowledged.back().sequence() + 1);
    ledger::StoreLeafSource leaves(**store, *tree_size);
    ledger::VerifyOptions options;
    options.stored_tree = store->get();
    options.stored_tree_size = *tree_size;
    options.payload_rules = booo::testing::GrantRules();
    auto report = ledger::VerifyLedger(leaves, options);
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_EQ(report->events, *tree_size);
  }
  StartServer();
  for (const booo::v1::Receipt& receipt : acknowledged) {
    booo::v1::StoredEvent event;
    ASSERT_TRUE(GetEvent(receipt.sequence(), &event).ok());
    EXPECT_EQ(event.leaf_hash(), receipt.leaf_hash());
    EXPECT_EQ(event.event_id(), receipt.event_id());
  }
}

TEST_F(DiskFullAccessLogTest, RefusesReadsItCannotRecordAndServesThemAgainWhenSpaceReturns) {
  int next = 0;
  std::vector<booo::v1::Receipt> acknowledged = AppendUntilFull(next);
  ASSERT_FALSE(acknowledged.empty());
  ASSERT_LT(next, 20000) << "20,000 appends fit in 4 MiB: the disk never filled";

  // A read of an event: its record cannot be written, so it is refused, naming why.
  booo::v1::StoredEvent event;
  grpc::Status read = GetEvent(acknowledged.back().sequence(), &event);
  EXPECT_EQ(read.error_code(), grpc::StatusCode::UNAVAILABLE) << read.error_message();
  EXPECT_NE(read.error_message().find("access log: this read could not be recorded"),
            std::string::npos)
      << read.error_message();
  EXPECT_TRUE(event.leaf_hash().empty()) << "a refused read carried the event";
  // Proofs hold hashes only and are not recorded reads: they go on.
  EXPECT_TRUE(InclusionProof(acknowledged.front().sequence()).ok());

  // Space returns: the read is served again, and recorded.
  std::filesystem::remove(mount_point_ / "filler");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  do {
    event.Clear();
    read = GetEvent(acknowledged.back().sequence(), &event);
    if (read.ok()) break;
    EXPECT_EQ(read.error_code(), grpc::StatusCode::UNAVAILABLE) << read.error_message();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < deadline);
  ASSERT_TRUE(read.ok()) << "reads not served 60 s after space returned: " << read.error_message();
  EXPECT_EQ(event.leaf_hash(), acknowledged.back().leaf_hash());

  auto access = booo::v1::AccessLog::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(server_->port()), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  booo::v1::ListAccessRecordsRequest request;
  request.set_municipality_code("GM0363");
  booo::v1::ListAccessRecordsResponse records;
  ASSERT_TRUE(access->ListAccessRecords(&context, request, &records).ok());
  int served_reads = 0;
  for (const booo::v1::AccessRecord& record : records.records()) {
    if (record.name() != "booo.v1.Ledger/GetEvent") continue;
    // Only the read that was served is on record: the refused ones left nothing.
    EXPECT_EQ(record.status_code(), booo::v1::AccessRecord::STATUS_CODE_OK);
    ++served_reads;
  }
  EXPECT_EQ(served_reads, 1);
}

}  // namespace
}  // namespace booo::testing
