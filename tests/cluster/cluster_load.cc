// Signed load against a ledgerd cluster while nodes fail, and the check of what it was told.
//
//   cluster_load run   --nodes A,B,C --root-key K --seconds S --clients N --out DIR
//   cluster_load check --nodes A,B,C --out DIR
//
// run: each client appends ministry-signed key registrations (each its own event), following
// the FAILED_PRECONDITION hint to the primary and retrying an unanswered append with the same
// bytes (on any node) until it is answered; it records every receipt it got ("event_id
// sequence leaf_hash micros node"), with when and from which node. A watcher asks
// every node for its checkpoint every 50 ms and records each one handed out.
// check: on the primary of the end, every receipt's event is at its sequence with its leaf
// hash; every event the clients sent is in the log exactly once; no two checkpoints of one
// size ever had different roots; every checkpoint is a root of the final tree.
#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "booo/v1/cluster_service.grpc.pb.h"
#include "booo/v1/ledger_service.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "ledger/core/crypto.h"
#include "ledger/core/merkle.h"
#include "tests/support/event_factory.h"

namespace {

using booo::testing::SignedBytes;

std::map<std::string, std::string> Flags(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  for (int i = 2; i + 1 < argc; i += 2) flags[std::string(argv[i]).substr(2)] = argv[i + 1];
  return flags;
}

std::unique_ptr<booo::v1::Ledger::Stub> LedgerStub(const std::string& address) {
  return booo::v1::Ledger::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

std::string Hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

int Run(const std::map<std::string, std::string>& flags) {
  const std::vector<std::string> nodes = absl::StrSplit(flags.at("nodes"), ',');
  const absl::StatusOr<booo::ledger::Ed25519PrivateKey> root =
      booo::ledger::ReadPrivateKeyFile(flags.at("root-key"));
  if (!root.ok()) {
    std::cerr << root.status() << "\n";
    return 2;
  }
  const int clients = std::stoi(flags.count("clients") ? flags.at("clients") : "4");
  const absl::Time until = absl::Now() + absl::Seconds(std::stoi(flags.at("seconds")));
  const std::string out = flags.at("out");
  std::mutex mutex;
  std::ofstream receipts(out + "/receipts.txt"), sent(out + "/sent.txt");
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> acknowledged{0}, unavailable{0}, redirected{0};

  std::thread watcher([&] {
    std::ofstream checkpoints(out + "/checkpoints.txt");
    std::vector<std::unique_ptr<booo::v1::Ledger::Stub>> stubs;
    for (const std::string& node : nodes) stubs.push_back(LedgerStub(node));
    while (!stop.load()) {
      for (size_t i = 0; i < stubs.size(); ++i) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(300));
        booo::v1::Checkpoint checkpoint;
        if (stubs[i]->GetCheckpoint(&context, {}, &checkpoint).ok() && checkpoint.tree_size() > 0) {
          checkpoints << nodes[i] << " " << checkpoint.tree_size() << " "
                      << Hex(checkpoint.root_hash()) << "\n";
        }
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
  });
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      size_t target = static_cast<size_t>(c) % nodes.size();
      std::string address = nodes[target];  // where the calls go now
      auto stub = LedgerStub(address);
      for (int n = 0; absl::Now() < until; ++n) {
        const std::string id = absl::StrCat("load-", c, "-", n);
        // A fresh auditor key per event: each registration is new to the log.
        const absl::StatusOr<booo::ledger::Ed25519PrivateKey> subject =
            booo::ledger::Ed25519PrivateKey::Generate();
        const SignedBytes event = booo::testing::Sign(
            booo::testing::KeyRegisteredBody(id, *root, *subject, booo::v1::ROLE_AUDITOR), *root);
        {
          std::lock_guard<std::mutex> lock(mutex);
          sent << id << "\n" << std::flush;
        }
        // Until answered: the same bytes, wherever the primary is now.
        for (;;) {
          booo::v1::AppendRequest request;
          request.mutable_event()->set_body(event.body);
          request.mutable_event()->set_signature(event.signature);
          booo::v1::AppendResponse response;
          grpc::ClientContext context;
          context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
          const grpc::Status status = stub->Append(&context, request, &response);
          if (status.ok()) {
            ++acknowledged;
            std::lock_guard<std::mutex> lock(mutex);
            receipts << id << " " << response.receipt().sequence() << " "
                     << Hex(response.receipt().leaf_hash()) << " " << absl::ToUnixMicros(absl::Now())
                     << " " << address << "\n" << std::flush;
            break;
          }
          const std::string& message = status.error_message();
          const size_t hint = message.find("primary: ");
          if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION &&
              hint != std::string::npos && message.find('@', hint) != std::string::npos) {
            ++redirected;
            const size_t at = message.find('@', hint) + 1;
            address = message.substr(at, message.find_first_of(" ;)\n", at) - at);
            stub = LedgerStub(address);
            continue;
          }
          if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT ||
              status.error_code() == grpc::StatusCode::PERMISSION_DENIED ||
              status.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
            std::cerr << "refused for good: " << id << ": " << message << "\n";
            std::exit(1);
          }
          ++unavailable;
          target = (target + 1) % nodes.size();
          address = nodes[target];
          stub = LedgerStub(address);
          absl::SleepFor(absl::Milliseconds(50));
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  stop.store(true);
  watcher.join();
  std::cout << "{\"acknowledged\":" << acknowledged << ",\"retried_unavailable\":" << unavailable
            << ",\"redirected\":" << redirected << "}\n";
  return 0;
}

int Check(const std::map<std::string, std::string>& flags) {
  const std::vector<std::string> nodes = absl::StrSplit(flags.at("nodes"), ',');
  const std::string out = flags.at("out");
  // The primary of the end.
  std::string primary;
  for (const std::string& node : nodes) {
    auto stub = booo::v1::Cluster::NewStub(grpc::CreateChannel(node, grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    booo::v1::NodeStatus status;
    if (stub->GetNodeStatus(&context, {}, &status).ok() && status.role() == "primary") primary = node;
  }
  if (primary.empty()) {
    std::cerr << "FAIL: no primary at the end\n";
    return 1;
  }
  auto stub = LedgerStub(primary);
  // The whole final log: leaf hashes and event ids, and the root at every size.
  std::vector<std::string> leaf_hashes;
  std::map<std::string, std::vector<uint64_t>> where;
  std::vector<booo::ledger::Hash> roots(1);
  booo::ledger::CompactRange tree;
  roots[0] = tree.Root();
  for (uint64_t start = 0;;) {
    booo::v1::ReadEventsRequest request;
    request.set_start(start);
    request.set_max_events(1000);
    booo::v1::ReadEventsResponse page;
    grpc::ClientContext context;
    if (!stub->ReadEvents(&context, request, &page).ok()) return 1;
    if (page.events_size() == 0) break;
    for (const booo::v1::StoredEvent& event : page.events()) {
      leaf_hashes.push_back(event.leaf_hash());
      where[event.event_id()].push_back(event.sequence());
      tree.Append(*booo::ledger::HashFromBytes(event.leaf_hash()));
      roots.push_back(tree.Root());
    }
    start += static_cast<uint64_t>(page.events_size());
  }
  int failures = 0;
  uint64_t receipts_checked = 0;
  std::ifstream receipts(out + "/receipts.txt");
  for (std::string line; std::getline(receipts, line);) {
    std::vector<std::string> f = absl::StrSplit(line, ' ');
    const uint64_t sequence = std::stoull(f[1]);
    ++receipts_checked;
    if (sequence >= leaf_hashes.size() || Hex(leaf_hashes[sequence]) != f[2]) {
      std::cerr << "FAIL: acknowledged " << f[0] << " at " << sequence << " is not there\n";
      ++failures;
    }
  }
  uint64_t sent_checked = 0;
  std::ifstream sent(out + "/sent.txt");
  for (std::string id; std::getline(sent, id);) {
    ++sent_checked;
    if (where[id].size() != 1) {
      std::cerr << "FAIL: " << id << " is in the log " << where[id].size() << " times\n";
      ++failures;
    }
  }
  std::map<uint64_t, std::string> seen;
  uint64_t checkpoints_checked = 0;
  std::ifstream checkpoints(out + "/checkpoints.txt");
  for (std::string line; std::getline(checkpoints, line);) {
    std::vector<std::string> f = absl::StrSplit(line, ' ');
    const uint64_t size = std::stoull(f[1]);
    ++checkpoints_checked;
    auto [it, fresh] = seen.emplace(size, f[2]);
    if (!fresh && it->second != f[2]) {
      std::cerr << "FAIL: two checkpoints of size " << size << " with different roots\n";
      ++failures;
    }
    if (size >= roots.size() || booo::ledger::HashToHex(roots[size]) != f[2]) {
      std::cerr << "FAIL: checkpoint " << size << " by " << f[0] << " is not a root of the final tree\n";
      ++failures;
    }
  }
  std::cout << "{\"final_size\":" << leaf_hashes.size() << ",\"receipts_checked\":" << receipts_checked
            << ",\"events_sent\":" << sent_checked << ",\"checkpoints_checked\":" << checkpoints_checked
            << ",\"failures\":" << failures << "}\n";
  return failures == 0 ? 0 : 1;
}

// One line per node: "address role term size checkpoint_size health" ("down" when unreachable).
int Status(const std::map<std::string, std::string>& flags) {
  const std::vector<std::string> nodes = absl::StrSplit(flags.at("nodes"), ',');
  for (const std::string& node : nodes) {
    auto stub = booo::v1::Cluster::NewStub(grpc::CreateChannel(node, grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
    booo::v1::NodeStatus status;
    if (stub->GetNodeStatus(&context, {}, &status).ok()) {
      std::cout << node << " " << status.role() << " " << status.term() << " "
                << status.durable_size() << " " << status.checkpoint_size() << " "
                << status.health() << "\n";
    } else {
      std::cout << node << " down\n";
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: cluster_load run|check --nodes A,B,C ...\n";
    return 2;
  }
  const std::map<std::string, std::string> flags = Flags(argc, argv);
  const std::string mode = argv[1];
  if (mode == "status") return Status(flags);
  return mode == "run" ? Run(flags) : Check(flags);
}
