// What an operator and an auditor see of a running ledgerd, in-process: the trace context a
// call carries (a caller's traceparent continued, a new trace otherwise, sent back in the
// response), the read-access log's records and their paging and refusals, the health-only
// listener during the projections' rebuild, and the metrics that the calls move.
#include <chrono>
#include <string>
#include <thread>

#include "booo/v1/access_log_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "services/trace_context.h"
#include "tests/integration/test_ledger_env.h"

namespace booo::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kCallerTrace[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kCallerSpan[] = "00f067aa0ba902b7";

class OperationsTest : public LedgerServerTest {
 protected:
  void SetUp() override {
    metrics_listen_ = "127.0.0.1:0";
    health_listen_ = "127.0.0.1:0";
    LedgerServerTest::SetUp();
    RegisterStandardKeys();
    access_ = booo::v1::AccessLog::NewStub(Channel(server_->port()));
  }

  static std::shared_ptr<grpc::Channel> Channel(int port) {
    return grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                               grpc::InsecureChannelCredentials());
  }

  // GetEvent with `traceparent` (none when empty); the traceparent the server sent back.
  grpc::Status GetEvent(uint64_t sequence, const std::string& traceparent,
                        std::string* answered_traceparent) {
    grpc::ClientContext context;
    if (!traceparent.empty()) context.AddMetadata("traceparent", traceparent);
    booo::v1::GetEventRequest request;
    request.set_sequence(sequence);
    booo::v1::StoredEvent event;
    grpc::Status status = stub_->GetEvent(&context, request, &event);
    const auto& metadata = context.GetServerInitialMetadata();
    if (auto it = metadata.find("traceparent"); it != metadata.end()) {
      answered_traceparent->assign(it->second.data(), it->second.size());
    }
    return status;
  }

  absl::StatusOr<booo::v1::ListAccessRecordsResponse> List(
      booo::v1::ListAccessRecordsRequest request) {
    grpc::ClientContext context;
    booo::v1::ListAccessRecordsResponse response;
    grpc::Status status = access_->ListAccessRecords(&context, request, &response);
    if (!status.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                          status.error_message());
    }
    return response;
  }

  std::unique_ptr<booo::v1::AccessLog::Stub> access_;
};

TEST_F(OperationsTest, ContinuesTheCallersTraceAndRecordsTheReadUnderIt) {
  booo::v1::AppendResponse appended;
  ASSERT_TRUE(Append(PlacesBody("ops-1", amsterdam_, "GM0363", 10), amsterdam_, &appended).ok());
  const std::string parent = std::string("00-") + kCallerTrace + "-" + kCallerSpan + "-01";
  std::string answered;
  ASSERT_TRUE(GetEvent(appended.receipt().sequence(), parent, &answered).ok());
  // The same trace, the server's own span, the sampled flag passed on.
  std::optional<services::ParsedTraceparent> back = services::ParseTraceparent(answered);
  ASSERT_TRUE(back.has_value()) << answered;
  EXPECT_EQ(back->trace_id, kCallerTrace);
  EXPECT_NE(back->parent_id, kCallerSpan);
  EXPECT_TRUE(back->sampled);

  booo::v1::ListAccessRecordsRequest request;
  request.set_municipality_code("GM0363");
  absl::StatusOr<booo::v1::ListAccessRecordsResponse> records = List(request);
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_GE(records->records_size(), 1);
  const booo::v1::AccessRecord& record = records->records(records->records_size() - 1);
  EXPECT_EQ(record.name(), "booo.v1.Ledger/GetEvent");
  EXPECT_EQ(record.trace_id(), kCallerTrace);
  EXPECT_EQ(record.operation_id(), back->parent_id);  // the span the server answered with
  EXPECT_EQ(record.parent_operation_id(), kCallerSpan);
  EXPECT_EQ(record.municipality_code(), "GM0363");
  EXPECT_EQ(record.status_code(), booo::v1::AccessRecord::STATUS_CODE_OK);
  EXPECT_EQ(record.grpc_code(), 0);
  EXPECT_EQ(record.processing_activity_id(),
            "urn:booo-ledger:processing-activity:booo.v1.Ledger/GetEvent");
  EXPECT_THAT(record.caller_key_id(), HasSubstr("development:"));
  EXPECT_GE(record.end_time_unix_millis(), record.start_time_unix_millis());
  EXPECT_GT(record.start_time_unix_millis(), 1'700'000'000'000);
}

TEST_F(OperationsTest, StartsATraceWhenTheCallerSendsNoneOrAMalformedOne) {
  for (const std::string& sent :
       {std::string(), std::string("00-") + kCallerTrace + "-" + kCallerSpan,  // no flags
        std::string("00-00000000000000000000000000000000-") + kCallerSpan + "-01",
        std::string("00-") + kCallerTrace + "-0000000000000000-01",
        std::string("00-4BF92F3577B34DA6A3CE929D0E0E4736-") + kCallerSpan + "-01",
        std::string("ff-") + kCallerTrace + "-" + kCallerSpan + "-01"}) {
    SCOPED_TRACE(sent);
    std::string answered;
    ASSERT_TRUE(GetEvent(0, sent, &answered).ok());
    std::optional<services::ParsedTraceparent> back = services::ParseTraceparent(answered);
    ASSERT_TRUE(back.has_value()) << answered;
    EXPECT_NE(back->trace_id, kCallerTrace);
    EXPECT_NE(back->trace_id, std::string(32, '0'));
  }
}

TEST_F(OperationsTest, RecordsRefusedReadsAndPagesThroughTheRecordsInOrder) {
  // A read that is refused is recorded too, with its exact code.
  std::string answered;
  EXPECT_EQ(GetEvent(999, "", &answered).error_code(), grpc::StatusCode::NOT_FOUND);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(GetEvent(1, "", &answered).ok());

  booo::v1::ListAccessRecordsRequest request;
  request.set_max_records(2);
  std::vector<booo::v1::AccessRecord> all;
  for (int page = 0; page < 20; ++page) {
    absl::StatusOr<booo::v1::ListAccessRecordsResponse> records = List(request);
    ASSERT_TRUE(records.ok()) << records.status();
    EXPECT_LE(records->records_size(), 2);
    all.insert(all.end(), records->records().begin(), records->records().end());
    if (records->next_page_token().empty()) break;
    request.set_page_token(records->next_page_token());
  }
  // Every GetEvent above, once each, oldest first.
  std::vector<booo::v1::AccessRecord> reads;
  for (const auto& record : all) {
    if (record.name() == "booo.v1.Ledger/GetEvent") reads.push_back(record);
  }
  ASSERT_EQ(reads.size(), 6u);
  EXPECT_EQ(reads[0].grpc_code(), static_cast<int>(grpc::StatusCode::NOT_FOUND));
  EXPECT_EQ(reads[0].status_code(), booo::v1::AccessRecord::STATUS_CODE_ERROR);
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_LE(all[i - 1].start_time_unix_millis(), all[i].start_time_unix_millis());
    EXPECT_NE(all[i - 1].operation_id(), all[i].operation_id());
  }
  // Event 1 is a key registration: no municipality's data.
  EXPECT_EQ(reads[1].municipality_code(), "");

  // A range that ended before the reads holds none of them.
  booo::v1::ListAccessRecordsRequest before;
  before.set_from_unix_millis(1);
  before.set_to_unix_millis(reads[0].start_time_unix_millis());
  absl::StatusOr<booo::v1::ListAccessRecordsResponse> none = List(before);
  ASSERT_TRUE(none.ok()) << none.status();
  for (const auto& record : none->records()) EXPECT_NE(record.name(), "booo.v1.Ledger/GetEvent");
}

TEST_F(OperationsTest, RefusesMalformedAccessLogRequestsNamingTheField) {
  struct Case {
    std::function<void(booo::v1::ListAccessRecordsRequest&)> set;
    std::string field;
  };
  for (const Case& c : std::vector<Case>{
           {[](auto& r) { r.set_municipality_code("Amsterdam"); }, "municipality_code"},
           {[](auto& r) {
              r.set_from_unix_millis(2000);
              r.set_to_unix_millis(1000);
            },
            "to_unix_millis"},
           {[](auto& r) { r.set_page_token("not-a-token"); }, "page_token"},
           {[](auto& r) { r.set_page_token("5:00f067aa0ba902b7"); }, "page_token"},
           {[](auto& r) { r.set_from_unix_millis(-1); }, "from_unix_millis"},
       }) {
    booo::v1::ListAccessRecordsRequest request;
    c.set(request);
    absl::StatusOr<booo::v1::ListAccessRecordsResponse> refused = List(request);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << refused.status();
    EXPECT_THAT(std::string(refused.status().message()), HasSubstr(c.field));
  }
}

// The health status on `port`: 1 SERVING, 2 NOT_SERVING; -1 when the call fails.
int Health(int port, const std::string& service) {
  std::string answer;
  if (!HealthCheck(port, service, answer).ok()) return -1;
  return answer.size() == 2 ? answer[1] : 0;
}

TEST_F(OperationsTest, ProbesSayAliveButNotReadyWhileTheProjectionsRebuild) {
  EXPECT_EQ(Health(server_->health_port(), "booo.readiness"), 1);
  EXPECT_EQ(Health(server_->health_port(), "booo.liveness"), 1);
  EXPECT_EQ(Health(server_->health_port(), ""), 1);
  // The health listener serves nothing else.
  {
    auto ledger = booo::v1::Ledger::NewStub(Channel(server_->health_port()));
    grpc::ClientContext context;
    booo::v1::Checkpoint checkpoint;
    EXPECT_EQ(ledger->GetCheckpoint(&context, {}, &checkpoint).error_code(),
              grpc::StatusCode::UNIMPLEMENTED);
  }
  // Restarted on the same port (free again once stopped), probed from inside the rebuild.
  const int port = server_->health_port();
  StopServer();
  health_listen_ = "127.0.0.1:" + std::to_string(port);
  int liveness = -1, readiness = -1, whole = -1;
  before_projection_rebuild_ = [&] {
    liveness = Health(port, "booo.liveness");
    readiness = Health(port, "booo.readiness");
    whole = Health(port, "");
  };
  StartServer();
  EXPECT_EQ(liveness, 1);
  EXPECT_EQ(readiness, 2);
  EXPECT_EQ(whole, 2);
  EXPECT_EQ(Health(port, "booo.readiness"), 1);
}

TEST_F(OperationsTest, MetricsCountTheCallsAppendsAndReadsServed) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(Append(PlacesBody("ops-m" + std::to_string(i), amsterdam_, "GM0363", 10), amsterdam_)
                    .ok());
  }
  std::string answered;
  EXPECT_EQ(GetEvent(999, "", &answered).error_code(), grpc::StatusCode::NOT_FOUND);
  // Scraped over HTTP, as Prometheus would.
  httplib::Client client("127.0.0.1", server_->metrics_port());
  httplib::Result scraped = client.Get("/metrics");
  ASSERT_TRUE(scraped) << "no answer from the metrics listener";
  ASSERT_EQ(scraped->status, 200);
  const std::string& text = scraped->body;
  const uint64_t size = TreeSize();
  EXPECT_THAT(text, HasSubstr("booo_log_tree_size " + std::to_string(size) + "\n"));
  // Genesis and the three key registrations were written before the server started (the
  // fixture) or through it; the three appends above surely through it.
  EXPECT_THAT(text, HasSubstr("grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Append\","
                              "grpc_service=\"booo.v1.Ledger\",grpc_type=\"unary\"} 6"));
  EXPECT_THAT(text, HasSubstr("grpc_server_handled_total{grpc_code=\"NotFound\",grpc_method="
                              "\"GetEvent\",grpc_service=\"booo.v1.Ledger\",grpc_type=\"unary\"} 1"));
  EXPECT_THAT(text, HasSubstr("booo_grpc_server_refused_total{grpc_code=\"NotFound\"} 1"));
  EXPECT_THAT(text, HasSubstr("booo_appended_events_total 6\n"));
  EXPECT_THAT(text, HasSubstr("booo_append_group_events_count"));
  EXPECT_THAT(text, HasSubstr("booo_access_records_total{result=\"written\"}"));
  EXPECT_THAT(text, HasSubstr("booo_projection_lag_events"));
  EXPECT_THAT(text, HasSubstr("booo_data_volume_free_bytes"));
  EXPECT_THAT(text, HasSubstr("# TYPE booo_rocksdb_wal_fsync_seconds summary"));
}

}  // namespace
}  // namespace booo::testing
