// Per-identity limits through the real server: the request rate (a token bucket on the
// server's clock, here a manual one), concurrent Subscribe streams, and the request size. Each
// is refused with RESOURCE_EXHAUSTED naming the limit, counts one identity only, and writes
// nothing. In development mode, which these tests use, each connection is an identity.
#include <thread>

#include "absl/strings/match.h"
#include "grpcpp/create_channel.h"
#include "tests/integration/test_ledger_env.h"

namespace booo::testing {
namespace {

using grpc::StatusCode;

class CallLimitsTest : public LedgerServerTest {
 protected:
  // A stub on a connection of its own (gRPC would otherwise share one between channels).
  std::unique_ptr<booo::v1::Ledger::Stub> OtherCaller(int n) {
    grpc::ChannelArguments args;
    args.SetInt("booo.test.caller", n);
    return booo::v1::Ledger::NewStub(
        grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(server_->port()),
                                  grpc::InsecureChannelCredentials(), args));
  }
  static grpc::Status Checkpoint(booo::v1::Ledger::Stub& stub) {
    grpc::ClientContext context;
    booo::v1::Checkpoint out;
    return stub.GetCheckpoint(&context, {}, &out);
  }
};

TEST_F(CallLimitsTest, RequestRateIsPerIdentityAndRefillsWithTime) {
  StopServer();
  limits_.requests_per_second = 2;
  limits_.request_burst = 3;
  StartServer();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Checkpoint(*stub_).ok()) << i;
  const grpc::Status over = Checkpoint(*stub_);
  EXPECT_EQ(over.error_code(), StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(absl::StartsWith(over.error_message(), "request rate: development caller "))
      << over.error_message();
  EXPECT_TRUE(absl::StrContains(over.error_message(), "limit of 2 requests per second"))
      << over.error_message();
  EXPECT_TRUE(absl::StrContains(over.error_message(), "retry in 500 ms")) << over.error_message();
  // An append over the limit is refused before the ledger sees it.
  const uint64_t size = server_->ledger().Head().size;  // not TreeSize(): that is a call too
  EXPECT_EQ(Append(KeyRegisteredBody("k-over", root_, amsterdam_, booo::v1::ROLE_MUNICIPALITY,
                                     "GM0363"),
                   root_)
                .error_code(),
            StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(server_->ledger().Head().size, size);
  // Another caller has a bucket of its own.
  auto other = OtherCaller(1);
  EXPECT_TRUE(Checkpoint(*other).ok());
  // Half a second refills one request, not two.
  clock_.Advance(500'000);
  EXPECT_TRUE(Checkpoint(*stub_).ok());
  EXPECT_EQ(Checkpoint(*stub_).error_code(), StatusCode::RESOURCE_EXHAUSTED);
  // Idle long enough, the burst is back, and no more than it.
  clock_.Advance(60'000'000);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(Checkpoint(*stub_).ok()) << i;
  EXPECT_EQ(Checkpoint(*stub_).error_code(), StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(CallLimitsTest, ZeroRateMeansNoRateLimit) {
  StopServer();
  limits_.requests_per_second = 0;
  limits_.request_burst = 1;
  StartServer();
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(Checkpoint(*stub_).ok()) << i;
}

TEST_F(CallLimitsTest, ConcurrentSubscriptionsArePerIdentity) {
  StopServer();
  limits_.max_subscriptions = 1;
  StartServer();
  grpc::ClientContext first_context;
  auto first = stub_->Subscribe(&first_context, booo::v1::SubscribeRequest());
  booo::v1::StoredEvent event;
  ASSERT_TRUE(first->Read(&event));  // the genesis: the stream is open on the server
  {
    grpc::ClientContext context;
    auto second = stub_->Subscribe(&context, booo::v1::SubscribeRequest());
    EXPECT_FALSE(second->Read(&event));
    const grpc::Status status = second->Finish();
    EXPECT_EQ(status.error_code(), StatusCode::RESOURCE_EXHAUSTED);
    EXPECT_TRUE(absl::StartsWith(status.error_message(), "subscriptions: development caller "))
        << status.error_message();
  }
  // Another identity may subscribe meanwhile.
  auto other = OtherCaller(2);
  {
    grpc::ClientContext context;
    auto stream = other->Subscribe(&context, booo::v1::SubscribeRequest());
    EXPECT_TRUE(stream->Read(&event));
    context.TryCancel();
    stream->Finish();
  }
  // Once the first stream ends, its slot is free again (the server notices within its poll).
  first_context.TryCancel();
  first->Finish();
  bool reopened = false;
  for (int attempt = 0; attempt < 50 && !reopened; ++attempt) {
    grpc::ClientContext context;
    auto again = stub_->Subscribe(&context, booo::v1::SubscribeRequest());
    reopened = again->Read(&event);
    context.TryCancel();
    again->Finish();
    if (!reopened) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(reopened);
}

TEST_F(CallLimitsTest, OversizedRequestIsRefusedAndWritesNothing) {
  StopServer();
  max_receive_message_bytes_ = 64 << 10;
  StartServer();
  const uint64_t before = TreeSize();
  booo::v1::AppendResponse response;
  const grpc::Status status = AppendRaw(std::string(100 << 10, 'x'), std::string(64, 's'),
                                        &response);
  EXPECT_EQ(status.error_code(), StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  EXPECT_EQ(TreeSize(), before);
  // The server is still up and serving.
  EXPECT_TRUE(Checkpoint(*stub_).ok());
}

}  // namespace
}  // namespace booo::testing
