// cluster status, switchover: the operator's view of a ledgerd cluster and the planned
// handover (README "Cluster").
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "booo/v1/cluster_service.grpc.pb.h"
#include "grpcpp/channel.h"
#include "ledger/core/status_macros.h"
#include "ledger/core/merkle.h"
#include "nlohmann/json.hpp"
#include "tools/ledgerctl/client.h"
#include "tools/ledgerctl/commands.h"

namespace booo::ledgerctl {
namespace {

absl::StatusOr<booo::v1::NodeStatus> FetchNodeStatus(const std::string& address) {
  auto stub = booo::v1::Cluster::NewStub(OpenChannel(address));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
  booo::v1::NodeStatus status;
  RETURN_IF_ERROR(FromGrpc(stub->GetNodeStatus(&context, {}, &status)));
  return status;
}

nlohmann::ordered_json StatusJson(const std::string& address, const booo::v1::NodeStatus& s,
                                  uint64_t primary_size) {
  nlohmann::ordered_json out;
  out["node"] = s.node();
  out["address"] = address;
  out["role"] = s.role();
  out["term"] = s.term();
  out["durable_size"] = s.durable_size();
  absl::StatusOr<ledger::Hash> root = ledger::HashFromBytes(s.root());
  out["root"] = root.ok() ? ledger::HashToHex(*root) : "";
  out["checkpoint_size"] = s.checkpoint_size();
  out["lag"] = primary_size > s.durable_size() ? primary_size - s.durable_size() : 0;
  out["health"] = s.health();
  if (s.role() == "primary") {
    out["sync_mirrors"] = s.sync_mirrors();
    out["synced_size"] = s.synced_size();
  } else {
    out["primary"] = s.primary();
  }
  return out;
}

// Every node the cluster lists (etcd's members, seen from --server), each asked directly.
absl::Status ClusterStatus(const Globals& globals, bool text, bool node_only) {
  ASSIGN_OR_RETURN(booo::v1::NodeStatus first, FetchNodeStatus(globals.server));
  std::vector<std::pair<std::string, absl::StatusOr<booo::v1::NodeStatus>>> nodes;
  nodes.emplace_back(globals.server, first);
  for (const std::string& member : first.members()) {
    if (node_only) break;
    std::pair<std::string, std::string> parts = absl::StrSplit(member, absl::MaxSplits('@', 1));
    if (parts.first == first.node()) continue;
    nodes.emplace_back(parts.second, FetchNodeStatus(parts.second));
  }
  uint64_t primary_size = 0;
  for (const auto& [address, status] : nodes) {
    if (status.ok() && status->role() == "primary") primary_size = status->durable_size();
  }
  nlohmann::ordered_json all = nlohmann::ordered_json::array();
  for (const auto& [address, status] : nodes) {
    if (!status.ok()) {
      all.push_back({{"address", address}, {"health", std::string(status.status().message())}});
      continue;
    }
    all.push_back(StatusJson(address, *status, primary_size));
  }
  if (!text) {
    std::cout << nlohmann::ordered_json{{"nodes", all}}.dump() << "\n";
    return absl::OkStatus();
  }
  std::printf("%-10s %-22s %-10s %6s %12s %12s %8s  %s\n", "NODE", "ADDRESS", "ROLE", "TERM",
              "DURABLE", "CHECKPOINT", "LAG", "HEALTH");
  for (const auto& n : all) {
    std::printf("%-10s %-22s %-10s %6s %12s %12s %8s  %s\n",
                n.value("node", "?").c_str(), n.value("address", "").c_str(),
                n.value("role", "down").c_str(),
                n.contains("term") ? std::to_string(n["term"].get<uint64_t>()).c_str() : "-",
                n.contains("durable_size") ? std::to_string(n["durable_size"].get<uint64_t>()).c_str() : "-",
                n.contains("checkpoint_size") ? std::to_string(n["checkpoint_size"].get<uint64_t>()).c_str() : "-",
                n.contains("lag") ? std::to_string(n["lag"].get<uint64_t>()).c_str() : "-",
                n.value("health", "").c_str());
  }
  return absl::OkStatus();
}

absl::Status Switchover(const Globals& globals, const std::string& to) {
  // Asked of the primary: --server, or the one it names.
  ASSIGN_OR_RETURN(booo::v1::NodeStatus status, FetchNodeStatus(globals.server));
  std::string primary = globals.server;
  if (status.role() != "primary") {
    const size_t at = status.primary().find('@');
    if (at == std::string::npos) {
      return absl::UnavailableError(absl::StrCat("--server: ", globals.server,
                                                 " knows no primary now; retry shortly"));
    }
    primary = status.primary().substr(at + 1);
  }
  auto stub = booo::v1::Cluster::NewStub(OpenChannel(primary));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(40));
  booo::v1::SwitchoverRequest request;
  request.set_to_node(to);
  booo::v1::SwitchoverResponse response;
  RETURN_IF_ERROR(FromGrpc(stub->Switchover(&context, request, &response)));
  // The handover is done when the new primary says so.
  for (int i = 0; i < 300; ++i) {
    for (const std::string& member : status.members()) {
      std::pair<std::string, std::string> parts = absl::StrSplit(member, absl::MaxSplits('@', 1));
      if (parts.first != to) continue;
      absl::StatusOr<booo::v1::NodeStatus> target = FetchNodeStatus(parts.second);
      if (target.ok() && target->role() == "primary") {
        std::cout << nlohmann::ordered_json{{"new_primary", to},
                                            {"address", parts.second},
                                            {"term", target->term()},
                                            {"handed_over_size", response.handed_over_size()}}
                         .dump()
                  << "\n";
        return absl::OkStatus();
      }
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  return absl::DeadlineExceededError(absl::StrCat(
      "switchover: ", to, " was handed the log (", response.handed_over_size(),
      " events) but did not report itself primary within 30 s; see `ledgerctl cluster status`"));
}

}  // namespace

void AddClusterCommands(CLI::App& app, Globals& globals, int& exit_code) {
  CLI::App* cluster = app.add_subcommand("cluster", "a ledgerd cluster: its nodes and roles");
  cluster->require_subcommand(1);
  CLI::App* status = cluster->add_subcommand(
      "status", "every node's role, term, durable size, checkpoint, lag and health");
  static bool text = false, node_only = false;
  status->add_flag("--text", text, "a table instead of JSON");
  status->add_flag("--node-only", node_only, "only the node --server names");
  status->callback([&] { exit_code = Report(ClusterStatus(globals, text, node_only)); });

  CLI::App* switchover = app.add_subcommand(
      "switchover", "hand the primary over to a mirror, for maintenance: appends pause briefly, "
                    "nothing is lost");
  static std::string to;
  switchover->add_option("--to", to, "the node to become primary")->required();
  switchover->callback([&] { exit_code = Report(Switchover(globals, to)); });
}

}  // namespace booo::ledgerctl
