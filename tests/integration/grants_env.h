// A real ledgerd with the shipped rule books (grant rules and control thresholds) loaded as
// signed amendments, for the Grants and Controls service tests. The clock stands at
// 2025-01-10, so amendments published later are refused at load and simply not there.
#ifndef BOOO_TESTS_INTEGRATION_GRANTS_ENV_H_
#define BOOO_TESTS_INTEGRATION_GRANTS_ENV_H_

#include <memory>
#include <string>
#include <vector>

#include "booo/v1/controls_service.grpc.pb.h"
#include "booo/v1/grants_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "ledger/core/civil_date.h"
#include "replay/calc/trace.h"
#include "tests/integration/test_ledger_env.h"
#include "tests/support/grant_scenario.h"
#include "replay/rulebook/rule_book.h"

namespace booo::testing {

class GrantsServiceTest : public LedgerServerTest {
 protected:
  GrantsServiceTest() {
    clock_.Set(1'736'467'200'000'000);  // 2025-01-10T00:00:00Z
    max_body_bytes_ = ledger::kMaxTiledBodyBytes;
  }
  void SetUp() override {
    LedgerServerTest::SetUp();
    RegisterStandardKeys();
    std::vector<rulebook::RuleBookAmendment> book;
    for (const char* file : {"booo-2022-2025.json", "controls-2022-2025.json"}) {
      auto part = rulebook::ReadRuleBook(std::string(BOOO_SOURCE_DIR) + "/replay/rulebook/" + file);
      ASSERT_TRUE(part.ok()) << part.status();
      book.insert(book.end(), part->begin(), part->end());
    }
    for (const auto& a : book) {
      booo::v1::EventBody body = a.ToEvent();
      body.set_signer_key_id(root_.KeyId());
      grpc::Status s = Append(body, root_);
      // Amendments published after the test clock's day are refused; the rest load.
      if (ledger::CompareDates(a.amendment.publication_date(), Day(2025, 1, 11)) <= 0) {
        ASSERT_TRUE(s.ok()) << a.event_id << ": " << s.error_message();
      }
    }
    Connect();
  }
  void Connect() {
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                       grpc::InsecureChannelCredentials());
    grants_ = booo::v1::Grants::NewStub(channel);
    controls_ = booo::v1::Controls::NewStub(channel);
  }

  booo::v1::AppendResponse Put(booo::v1::EventBody body, const ledger::Ed25519PrivateKey& key) {
    body.set_signer_key_id(key.KeyId());
    booo::v1::AppendResponse response;
    grpc::Status s = Append(body, key, &response);
    EXPECT_TRUE(s.ok()) << body.event_id() << ": " << s.error_message();
    return response;
  }

  grpc::Status Grant(const std::string& code, int year, booo::v1::GetGrantResponse* out,
                     booo::v1::KnownAt known_at = {}) {
    booo::v1::GetGrantRequest request;
    request.set_municipality_code(code);
    request.set_spending_year(year);
    *request.mutable_known_at() = known_at;
    grpc::ClientContext context;
    return grants_->GetGrant(&context, request, out);
  }

  booo::v1::ReplaySettlementResponse Replay(uint64_t sequence) {
    booo::v1::ReplaySettlementRequest request;
    request.set_sequence(sequence);
    booo::v1::ReplaySettlementResponse out;
    grpc::ClientContext context;
    grpc::Status s = grants_->ReplaySettlement(&context, request, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  // A determination signed by the ministry, recording `grant` as computed.
  booo::v1::EventBody DeterminationOf(const booo::v1::GetGrantResponse& grant,
                                      const std::string& id) {
    booo::v1::EventBody body = Determination(id, grant.municipality_code(), grant.spending_year(),
                                             grant.computed_grant_cents(), Day(2024, 11, 1));
    body.mutable_grant_determined()->set_trace_digest(grant.trace_digest());
    for (auto& node : replay::Summarize(grant.trace(), 2)) {
      *body.mutable_grant_determined()->add_trace_summary() = node;
    }
    return body;
  }

  std::unique_ptr<booo::v1::Grants::Stub> grants_;
  std::unique_ptr<booo::v1::Controls::Stub> controls_;
};

}  // namespace booo::testing

#endif  // BOOO_TESTS_INTEGRATION_GRANTS_ENV_H_
