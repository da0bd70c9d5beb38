// A real ledgerd in-process: a fresh RocksDB directory with a genesis, the gRPC server on
// 127.0.0.1:0, and a client stub. Keys: root (ministry) = TestKey(1), checkpoint = TestKey(2),
// municipality GM0363 = TestKey(3), municipality GM0344 = TestKey(4), auditor = TestKey(5).
#ifndef BOOO_TESTS_INTEGRATION_TEST_LEDGER_ENV_H_
#define BOOO_TESTS_INTEGRATION_TEST_LEDGER_ENV_H_

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "booo/v1/ledger_service.grpc.pb.h"
#include "gtest/gtest.h"
#include "ledger/core/clock.h"
#include "ledger/core/crypto.h"
#include "services/server.h"
#include "tests/support/event_factory.h"

namespace booo::testing {

// grpc.health.v1.Health/Check on 127.0.0.1:`port` through a generic stub (the standard
// service's stubs are not among gRPC's installed headers): the call's status, and the
// response's bytes in `response_bytes` (SERVING is 0x08 0x01).
grpc::Status HealthCheck(int port, const std::string& service, std::string& response_bytes);

class LedgerServerTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  void StartServer();
  // The same, returning why the server did not start instead of failing the test.
  absl::Status TryStartServer();
  void StopServer();
  // Registers the municipality and auditor keys (events 1..3).
  void RegisterStandardKeys();

  grpc::Status Append(const booo::v1::EventBody& body, const ledger::Ed25519PrivateKey& key,
                      booo::v1::AppendResponse* response = nullptr);
  grpc::Status AppendRaw(const std::string& body, const std::string& signature,
                         booo::v1::AppendResponse* response = nullptr);
  uint64_t TreeSize();
  // Asserts a refusal: the exact code, a message containing `field`, and nothing written.
  void ExpectRefused(const booo::v1::EventBody& body, const ledger::Ed25519PrivateKey& key,
                     grpc::StatusCode code, const std::string& field);

  std::filesystem::path data_dir_;
  ledger::ManualClock clock_{1'700'000'000'000'000};
  std::unique_ptr<services::LedgerServer> server_;
  std::unique_ptr<booo::v1::Ledger::Stub> stub_;
  ledger::Ed25519PrivateKey root_ = TestKey(1);
  ledger::Ed25519PrivateKey checkpoint_key_ = TestKey(2);
  ledger::Ed25519PrivateKey amsterdam_ = TestKey(3);
  ledger::Ed25519PrivateKey utrecht_ = TestKey(4);
  ledger::Ed25519PrivateKey auditor_ = TestKey(5);
  int counter_ = 0;
  size_t max_body_bytes_ = 4096;  // small, so the oversize refusal is cheap to test
  int max_receive_message_bytes_ = 4 << 20;
  services::CallLimits limits_;
  std::vector<std::string> checkpoint_key_files_;  // empty: the data directory's checkpoint.key
  services::ClusterOptions cluster_options_;       // default: no cluster
  std::string access_log_dir_;                     // default: <data_dir>/access-log
  std::string metrics_listen_;                     // default: no metrics listener
  std::string health_listen_;                      // default: no health listener
  // Called before the projections rebuild at start (ServerOptions::before_projection_rebuild).
  std::function<void()> before_projection_rebuild_;
};

}  // namespace booo::testing

#endif  // BOOO_TESTS_INTEGRATION_TEST_LEDGER_ENV_H_
