#include "services/etcd_client.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "ledger/core/status_macros.h"

namespace booo::services {
namespace {

// The end of the range of every key that starts with `prefix` (etcd's "prefix" convention).
std::string PrefixEnd(std::string prefix) {
  for (size_t i = prefix.size(); i-- > 0;) {
    if (static_cast<unsigned char>(prefix[i]) < 0xff) {
      prefix[i] = static_cast<char>(prefix[i] + 1);
      prefix.resize(i + 1);
      return prefix;
    }
  }
  return std::string(1, '\0');
}

// A transaction's condition: `key` was created at `revision` (0: it does not exist).
void RequireCreatedAt(etcdserverpb::TxnRequest& request, const std::string& key, int64_t revision) {
  etcdserverpb::Compare* compare = request.add_compare();
  compare->set_result(etcdserverpb::Compare::EQUAL);
  compare->set_target(etcdserverpb::Compare::CREATE);
  compare->set_key(key);
  compare->set_create_revision(revision);
}

}  // namespace

EtcdClient::EtcdClient(std::vector<std::string> endpoints, absl::Duration call_timeout)
    : call_timeout_(call_timeout) {
  for (std::string& address : endpoints) {
    std::shared_ptr<grpc::Channel> channel =
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
    endpoints_.push_back(
        {std::move(address), etcdserverpb::KV::NewStub(channel), etcdserverpb::Lease::NewStub(channel)});
  }
}

template <typename Call>
absl::Status EtcdClient::Try(const char* what, Call call) {
  size_t first = 0;
  {
    absl::MutexLock lock(&mutex_);
    first = current_;
  }
  std::string failures;
  for (size_t attempt = 0; attempt < endpoints_.size(); ++attempt) {
    const size_t i = (first + attempt) % endpoints_.size();
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(call_timeout_));
    const grpc::Status status = call(endpoints_[i], context);
    if (status.ok()) {
      absl::MutexLock lock(&mutex_);
      current_ = i;
      return absl::OkStatus();
    }
    absl::StrAppend(&failures, failures.empty() ? "" : "; ", endpoints_[i].address, ": ",
                    status.error_message());
  }
  return absl::UnavailableError(absl::StrCat("etcd ", what, ": no member answered (", failures, ")"));
}

absl::StatusOr<int64_t> EtcdClient::GrantLease(int64_t ttl_seconds) {
  etcdserverpb::LeaseGrantRequest request;
  request.set_ttl(ttl_seconds);
  etcdserverpb::LeaseGrantResponse response;
  absl::Status status = Try("LeaseGrant", [&](Endpoint& e, grpc::ClientContext& c) {
    return e.lease->LeaseGrant(&c, request, &response);
  });
  if (!status.ok()) return status;
  if (!response.error().empty()) return absl::UnavailableError("etcd LeaseGrant: " + response.error());
  return response.id();
}

absl::StatusOr<int64_t> EtcdClient::KeepAlive(int64_t lease) {
  etcdserverpb::LeaseKeepAliveResponse response;
  absl::Status status = Try("LeaseKeepAlive", [&](Endpoint& e, grpc::ClientContext& c) {
    auto stream = e.lease->LeaseKeepAlive(&c);
    etcdserverpb::LeaseKeepAliveRequest request;
    request.set_id(lease);
    if (!stream->Write(request) || !stream->Read(&response)) {
      c.TryCancel();
      stream->Finish();
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "keep-alive stream broke");
    }
    stream->WritesDone();
    c.TryCancel();
    stream->Finish();
    return grpc::Status::OK;
  });
  if (!status.ok()) return status;
  return response.ttl();
}

absl::Status EtcdClient::RevokeLease(int64_t lease) {
  etcdserverpb::LeaseRevokeRequest request;
  request.set_id(lease);
  etcdserverpb::LeaseRevokeResponse response;
  return Try("LeaseRevoke", [&](Endpoint& e, grpc::ClientContext& c) {
    return e.lease->LeaseRevoke(&c, request, &response);
  });
}

absl::StatusOr<std::optional<EtcdClient::Value>> EtcdClient::Get(const std::string& key) {
  etcdserverpb::RangeRequest request;
  request.set_key(key);
  etcdserverpb::RangeResponse response;
  absl::Status status = Try("Range", [&](Endpoint& e, grpc::ClientContext& c) {
    return e.kv->Range(&c, request, &response);
  });
  if (!status.ok()) return status;
  if (response.kvs_size() == 0) return std::optional<Value>();
  const mvccpb::KeyValue& kv = response.kvs(0);
  return std::optional<Value>(Value{kv.value(), kv.create_revision(), kv.mod_revision(), kv.lease()});
}

absl::StatusOr<std::vector<std::pair<std::string, EtcdClient::Value>>> EtcdClient::GetPrefix(
    const std::string& prefix) {
  etcdserverpb::RangeRequest request;
  request.set_key(prefix);
  request.set_range_end(PrefixEnd(prefix));
  etcdserverpb::RangeResponse response;
  absl::Status status = Try("Range", [&](Endpoint& e, grpc::ClientContext& c) {
    return e.kv->Range(&c, request, &response);
  });
  if (!status.ok()) return status;
  std::vector<std::pair<std::string, Value>> out;
  for (const mvccpb::KeyValue& kv : response.kvs()) {
    out.emplace_back(kv.key(), Value{kv.value(), kv.create_revision(), kv.mod_revision(), kv.lease()});
  }
  return out;
}

absl::Status EtcdClient::Put(const std::string& key, const std::string& value, int64_t lease) {
  etcdserverpb::PutRequest request;
  request.set_key(key);
  request.set_value(value);
  request.set_lease(lease);
  etcdserverpb::PutResponse response;
  return Try("Put", [&](Endpoint& e, grpc::ClientContext& c) {
    return e.kv->Put(&c, request, &response);
  });
}

absl::Status EtcdClient::Delete(const std::string& key) {
  etcdserverpb::DeleteRangeRequest request;
  request.set_key(key);
  etcdserverpb::DeleteRangeResponse response;
  return Try("DeleteRange", [&](Endpoint& e, grpc::ClientContext& c) {
    return e.kv->DeleteRange(&c, request, &response);
  });
}

absl::StatusOr<etcdserverpb::TxnResponse> EtcdClient::RunTxn(const etcdserverpb::TxnRequest& request) {
  etcdserverpb::TxnResponse response;
  RETURN_IF_ERROR(Try("Txn", [&](Endpoint& e, grpc::ClientContext& c) {
    return e.kv->Txn(&c, request, &response);
  }));
  return response;
}

absl::StatusOr<std::optional<int64_t>> EtcdClient::CreateLeader(const std::string& leader,
                                                                const std::string& value,
                                                                int64_t lease,
                                                                const std::string& round_key,
                                                                uint64_t round) {
  etcdserverpb::TxnRequest request;
  RequireCreatedAt(request, leader, 0);  // no leader yet
  if (round == 0) {
    RequireCreatedAt(request, round_key, 0);  // the first round: no round key yet
  } else {
    etcdserverpb::Compare* same_round = request.add_compare();
    same_round->set_result(etcdserverpb::Compare::EQUAL);
    same_round->set_target(etcdserverpb::Compare::VALUE);
    same_round->set_key(round_key);
    same_round->set_value(std::to_string(round));
  }
  etcdserverpb::PutRequest* put = request.add_success()->mutable_request_put();
  put->set_key(leader);
  put->set_value(value);
  put->set_lease(lease);
  etcdserverpb::PutRequest* next = request.add_success()->mutable_request_put();
  next->set_key(round_key);
  next->set_value(std::to_string(round + 1));
  ASSIGN_OR_RETURN(etcdserverpb::TxnResponse response, RunTxn(request));
  if (!response.succeeded()) return std::optional<int64_t>();
  // The leader key is created by this transaction: at the header's revision.
  return std::optional<int64_t>(response.header().revision());
}

absl::StatusOr<bool> EtcdClient::DeleteIfCreatedAt(const std::string& key, int64_t create_revision) {
  etcdserverpb::TxnRequest request;
  RequireCreatedAt(request, key, create_revision);
  request.add_success()->mutable_request_delete_range()->set_key(key);
  ASSIGN_OR_RETURN(etcdserverpb::TxnResponse response, RunTxn(request));
  return response.succeeded();
}

}  // namespace booo::services
