#include "tests/integration/test_ledger_env.h"

#include <chrono>
#include <future>

#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "ledger/core/event_validation.h"
#include "ledger/storage/ledger.h"

namespace booo::testing {

void LedgerServerTest::SetUp() {
  data_dir_ = std::filesystem::temp_directory_path() /
              ("booo-it-" + std::to_string(::getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(data_dir_);
  std::filesystem::create_directories(data_dir_);
  {
    auto ledger = ledger::Ledger::Open(data_dir_.string(), &clock_, booo::testing::WithGrantRules());
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    SignedBytes genesis = Sign(GenesisBody(root_, checkpoint_key_), root_);
    auto receipt = (*ledger)->Append(genesis.body, genesis.signature);
    ASSERT_TRUE(receipt.ok()) << receipt.status();
  }
  ASSERT_TRUE(
      ledger::WritePrivateKeyFile((data_dir_ / "checkpoint.key").string(), checkpoint_key_).ok());
  StartServer();
}

void LedgerServerTest::TearDown() {
  StopServer();
  std::filesystem::remove_all(data_dir_);
}

grpc::Status HealthCheck(int port, const std::string& service, std::string& response_bytes) {
  grpc::GenericStub generic(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  // HealthCheckRequest{service: 1}: tag 0x0a, a one-byte length, the name.
  std::string request_bytes;
  if (!service.empty()) {
    request_bytes = std::string("\x0a", 1) + static_cast<char>(service.size()) + service;
  }
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  generic.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request,
                    &response, [&](grpc::Status status) { done.set_value(status); });
  grpc::Status status = done.get_future().get();
  response_bytes.clear();
  std::vector<grpc::Slice> slices;
  if (status.ok() && response.Dump(&slices).ok()) {
    for (const auto& s : slices) {
      response_bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
  }
  return status;
}

void LedgerServerTest::StartServer() {
  const absl::Status started = TryStartServer();
  ASSERT_TRUE(started.ok()) << started;
}

absl::Status LedgerServerTest::TryStartServer() {
  services::ServerOptions options;
  options.data_dir = data_dir_.string();
  options.listen_address = "127.0.0.1:0";
  options.ledger.max_body_bytes = max_body_bytes_;
  options.plaintext_for_development = true;
  options.max_receive_message_bytes = max_receive_message_bytes_;
  options.limits = limits_;
  options.checkpoint_key_files = checkpoint_key_files_;
  options.cluster = cluster_options_;
  options.access_log_dir = access_log_dir_;
  options.metrics_listen_address = metrics_listen_;
  options.health_listen_address = health_listen_;
  options.before_projection_rebuild = before_projection_rebuild_;
  auto server = services::LedgerServer::Start(options, &clock_);
  if (!server.ok()) return server.status();
  server_ = std::move(*server);
  stub_ = booo::v1::Ledger::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(server_->port()), grpc::InsecureChannelCredentials()));
  return absl::OkStatus();
}

void LedgerServerTest::StopServer() {
  if (server_) server_->Shutdown();
  server_.reset();
  stub_.reset();
}

void LedgerServerTest::RegisterStandardKeys() {
  ASSERT_TRUE(
      Append(KeyRegisteredBody("k-ams", root_, amsterdam_, booo::v1::ROLE_MUNICIPALITY, "GM0363"),
             root_)
          .ok());
  ASSERT_TRUE(
      Append(KeyRegisteredBody("k-utr", root_, utrecht_, booo::v1::ROLE_MUNICIPALITY, "GM0344"),
             root_)
          .ok());
  ASSERT_TRUE(
      Append(KeyRegisteredBody("k-aud", root_, auditor_, booo::v1::ROLE_AUDITOR), root_).ok());
}

grpc::Status LedgerServerTest::Append(const booo::v1::EventBody& body,
                                      const ledger::Ed25519PrivateKey& key,
                                      booo::v1::AppendResponse* response) {
  SignedBytes signed_bytes = Sign(body, key);
  return AppendRaw(signed_bytes.body, signed_bytes.signature, response);
}

grpc::Status LedgerServerTest::AppendRaw(const std::string& body, const std::string& signature,
                                         booo::v1::AppendResponse* response) {
  booo::v1::AppendRequest request;
  request.mutable_event()->set_body(body);
  request.mutable_event()->set_signature(signature);
  booo::v1::AppendResponse local;
  grpc::ClientContext context;
  return stub_->Append(&context, request, response ? response : &local);
}

uint64_t LedgerServerTest::TreeSize() {
  grpc::ClientContext context;
  booo::v1::Checkpoint checkpoint;
  EXPECT_TRUE(stub_->GetCheckpoint(&context, {}, &checkpoint).ok());
  return checkpoint.tree_size();
}

void LedgerServerTest::ExpectRefused(const booo::v1::EventBody& body,
                                     const ledger::Ed25519PrivateKey& key, grpc::StatusCode code,
                                     const std::string& field) {
  const uint64_t before = TreeSize();
  grpc::Status status = Append(body, key);
  EXPECT_EQ(status.error_code(), code) << status.error_message();
  EXPECT_NE(status.error_message().find(field), std::string::npos)
      << "message \"" << status.error_message() << "\" does not name " << field;
  EXPECT_EQ(TreeSize(), before) << "a refused append wrote something";
  // And the event id stays free: nothing of the refused request is recorded. (For
  // ALREADY_EXISTS the id belongs, by definition, to the earlier event.)
  if (code == grpc::StatusCode::ALREADY_EXISTS) return;
  grpc::ClientContext context;
  booo::v1::GetEventRequest get;
  get.set_event_id(body.event_id());
  booo::v1::StoredEvent event;
  if (ledger::IsValidEventId(body.event_id())) {
    EXPECT_EQ(stub_->GetEvent(&context, get, &event).error_code(), grpc::StatusCode::NOT_FOUND);
  }
}

}  // namespace booo::testing
