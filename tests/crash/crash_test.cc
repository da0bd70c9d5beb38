// booo_crash_test: the ledger's first promise, tried the hard way. A real ledgerd, under signed
// load from several concurrent clients (single appends and three-event batches), is killed with
// SIGKILL at random moments, many times over; after each restart it checks that
//   - every acknowledged event is present, at the sequence and with the leaf hash its receipt
//     gave;
//   - every event whose answer was lost in the crash is wholly present or wholly absent (a
//     batch all or nothing), and a retry with the same event id gets the recorded receipt
//     (duplicate set) or records it once;
//   - no event id appears twice and sequences run 0..size-1 without a gap;
//   - every checkpoint handed out before the crash is still consistent with the tree (a
//     consistency proof from it to a freshly signed checkpoint verifies).
// At the end ledgerd is stopped and `ledgerctl verify` re-checks the whole ledger offline
// against the last checkpoint. Prints the counts; exit 0 only when nothing was lost.
//
// Bounded by --crashes and --max-seconds. tools/crash-test.sh runs it at length; the test suite
// runs three crashes.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "booo/v1/ledger_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "ledger/core/checkpoint.h"
#include "ledger/core/clock.h"
#include "ledger/core/crypto.h"
#include "ledger/storage/ledger.h"
#include "ledger/core/merkle.h"
#include "tests/support/event_factory.h"

namespace booo::testing {
namespace {

using Clock = std::chrono::steady_clock;

// The municipalities the clients write for, one client each (round robin beyond four).
const char* const kMunicipalities[] = {"GM0363", "GM0344", "GM0599", "GM0518"};

struct Options {
  std::string ledgerd;
  std::string ledgerctl;
  std::string work_dir;
  int crashes = 25;
  int max_seconds = 600;
  int clients = 4;
  uint64_t seed = 1;
};

// One unit a client sends: a single event or a batch, signed once so a retry sends the same
// bytes.
struct Unit {
  std::vector<std::string> ids;
  std::vector<SignedBytes> events;
};

struct Acked {
  uint64_t sequence = 0;
  std::string leaf_hash;
};

// What every client learnt, shared with the checker.
struct Record {
  std::mutex mutex;
  std::map<std::string, Acked> acked;  // by event id
  std::vector<Unit> uncertain;         // sent, answer lost in a crash
  std::vector<booo::v1::Checkpoint> checkpoints;  // handed out, signature checked
};

struct Counts {
  int crashes = 0;
  uint64_t acknowledged = 0;
  uint64_t uncertain_present = 0;
  uint64_t uncertain_absent = 0;
  uint64_t retried_duplicates = 0;
  uint64_t checkpoints_checked = 0;
  uint64_t lost = 0;
  uint64_t duplicated = 0;
  uint64_t half_written_batches = 0;
  uint64_t projection_checks = 0;  // kept projections found equal to the log's rebuild
};

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

class CrashTest {
 public:
  explicit CrashTest(Options options) : options_(std::move(options)), rng_(options_.seed) {}

  int Run();

 private:
  absl::Status CreateLedger();
  pid_t StartServer();
  bool WaitServing(std::chrono::seconds limit);
  void ClientLoop(int client, std::atomic<bool>& stop);
  void CheckpointLoop(std::atomic<bool>& stop);
  // After a restart: the checks above; counts what it finds. False on any loss.
  bool CheckAfterRestart();
  bool VerifyOffline();
  // After a crash or the stop: the projection ledgerd kept across restarts fits the log and
  // equals its rebuild (`ledgerctl rebuild-projections --check`, which changes nothing).
  bool CheckKeptProjection();
  std::unique_ptr<booo::v1::Ledger::Stub> NewStub() {
    return booo::v1::Ledger::NewStub(
        grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()));
  }
  static void SetDeadline(grpc::ClientContext& context, std::chrono::milliseconds after) {
    context.set_deadline(std::chrono::system_clock::now() + after);
  }
  std::optional<booo::v1::Checkpoint> FetchCheckpoint(booo::v1::Ledger::Stub& stub);

  const Options options_;
  std::mt19937_64 rng_;
  std::filesystem::path data_dir_;
  std::string address_;
  ledger::Ed25519PrivateKey root_ = TestKey(1);
  ledger::Ed25519PrivateKey checkpoint_key_ = TestKey(2);
  std::vector<ledger::Ed25519PrivateKey> keys_;
  std::vector<uint64_t> next_event_;  // per client
  Record record_;
  Counts counts_;
};

absl::Status CrashTest::CreateLedger() {
  std::filesystem::remove_all(data_dir_);
  std::filesystem::create_directories(data_dir_);
  ledger::SystemClock clock;
  auto ledger = ledger::Ledger::Open(data_dir_.string(), &clock, booo::testing::WithGrantRules());
  if (!ledger.ok()) return ledger.status();
  SignedBytes genesis = Sign(GenesisBody(root_, checkpoint_key_, "booo-ledger.test/crash"), root_);
  if (auto r = (*ledger)->Append(genesis.body, genesis.signature); !r.ok()) return r.status();
  for (int c = 0; c < options_.clients; ++c) {
    keys_.push_back(TestKey(static_cast<uint8_t>(10 + c)));
    const std::string code = kMunicipalities[c % 4];
    SignedBytes key = Sign(KeyRegisteredBody(absl::StrCat("key-", c), root_, keys_.back(),
                                             booo::v1::ROLE_MUNICIPALITY, code),
                           root_);
    if (auto r = (*ledger)->Append(key.body, key.signature); !r.ok()) return r.status();
  }
  next_event_.assign(options_.clients, 0);
  return ledger::WritePrivateKeyFile((data_dir_ / "checkpoint.key").string(), checkpoint_key_);
}

pid_t CrashTest::StartServer() {
  const std::string log = (std::filesystem::path(options_.work_dir) / "ledgerd.log").string();
  const pid_t pid = fork();
  if (pid == 0) {
    FILE* out = std::fopen(log.c_str(), "a");
    if (out != nullptr) {
      dup2(fileno(out), STDOUT_FILENO);
      dup2(fileno(out), STDERR_FILENO);
    }
    const std::string data = data_dir_.string();
    execl(options_.ledgerd.c_str(), options_.ledgerd.c_str(), "--data-dir", data.c_str(),
          "--listen", address_.c_str(), "--plaintext-for-development",
          "--max-requests-per-second", "0", static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

std::optional<booo::v1::Checkpoint> CrashTest::FetchCheckpoint(booo::v1::Ledger::Stub& stub) {
  grpc::ClientContext context;
  SetDeadline(context, std::chrono::milliseconds(1000));
  booo::v1::Checkpoint checkpoint;
  if (!stub.GetCheckpoint(&context, booo::v1::GetCheckpointRequest(), &checkpoint).ok()) {
    return std::nullopt;
  }
  // Only a checkpoint whose signature holds counts as handed out.
  auto opened = ledger::OpenCheckpoint(checkpoint.note(), checkpoint.key_name(),
                                       checkpoint_key_.PublicKey());
  if (!opened.ok() || opened->tree_size != checkpoint.tree_size()) {
    std::cerr << "crash-test: a checkpoint does not verify: " << opened.status() << "\n";
    std::exit(1);
  }
  return checkpoint;
}

bool CrashTest::WaitServing(std::chrono::seconds limit) {
  const auto until = Clock::now() + limit;
  while (Clock::now() < until) {
    // A new channel per try: a channel that failed to connect backs off for a second or more.
    if (FetchCheckpoint(*NewStub())) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void CrashTest::ClientLoop(int client, std::atomic<bool>& stop) {
  auto stub = NewStub();
  const std::string code = kMunicipalities[client % 4];
  std::mt19937_64 rng(options_.seed * 1000 + client + 1);
  while (!stop) {
    Unit unit;
    const int size = rng() % 4 == 0 ? 3 : 1;  // a quarter of the calls are batches
    for (int i = 0; i < size; ++i) {
      const uint64_t n = next_event_[client]++;
      unit.ids.push_back(absl::StrCat("crash-", client, "-", n));
      unit.events.push_back(Sign(
          PlacesBody(unit.ids.back(), keys_[client], code, static_cast<int64_t>(1 + n % 500)),
          keys_[client]));
    }
    grpc::ClientContext context;
    SetDeadline(context, std::chrono::milliseconds(3000));
    std::vector<booo::v1::Receipt> receipts;
    grpc::Status status;
    if (size == 1) {
      booo::v1::AppendRequest request;
      request.mutable_event()->set_body(unit.events[0].body);
      request.mutable_event()->set_signature(unit.events[0].signature);
      booo::v1::AppendResponse response;
      status = stub->Append(&context, request, &response);
      if (status.ok()) receipts.push_back(response.receipt());
    } else {
      booo::v1::AppendBatchRequest request;
      for (const SignedBytes& e : unit.events) {
        auto* event = request.add_events();
        event->set_body(e.body);
        event->set_signature(e.signature);
      }
      booo::v1::AppendBatchResponse response;
      status = stub->AppendBatch(&context, request, &response);
      if (status.ok()) {
        for (const auto& r : response.results()) receipts.push_back(r.receipt());
      }
    }
    std::lock_guard lock(record_.mutex);
    if (status.ok()) {
      for (const booo::v1::Receipt& r : receipts) {
        record_.acked[r.event_id()] = {r.sequence(), r.leaf_hash()};
      }
      continue;
    }
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE &&
        status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED &&
        status.error_code() != grpc::StatusCode::CANCELLED) {
      std::cerr << "crash-test: an append was refused: " << status.error_message() << "\n";
      std::exit(1);
    }
    record_.uncertain.push_back(std::move(unit));
    return;  // the server is gone; this client waits for the next round
  }
}

void CrashTest::CheckpointLoop(std::atomic<bool>& stop) {
  auto stub = NewStub();
  while (!stop) {
    if (auto checkpoint = FetchCheckpoint(*stub)) {
      std::lock_guard lock(record_.mutex);
      record_.checkpoints.push_back(*std::move(checkpoint));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
}

bool CrashTest::CheckAfterRestart() {
  auto stub = NewStub();
  // The whole log, page by page: ids unique, sequences without gaps.
  std::map<std::string, Acked> logged;
  uint64_t next = 0;
  for (;;) {
    grpc::ClientContext context;
    SetDeadline(context, std::chrono::milliseconds(10000));
    booo::v1::ReadEventsRequest request;
    request.set_start(next);
    request.set_max_events(1000);
    booo::v1::ReadEventsResponse page;
    if (grpc::Status s = stub->ReadEvents(&context, request, &page); !s.ok()) {
      std::cerr << "crash-test: reading the log: " << s.error_message() << "\n";
      return false;
    }
    if (page.events_size() == 0) break;
    for (const booo::v1::StoredEvent& e : page.events()) {
      if (e.sequence() != next) {
        std::cerr << "crash-test: sequence " << next << " missing (got " << e.sequence() << ")\n";
        return false;
      }
      ++next;
      if (!logged.emplace(e.event_id(), Acked{e.sequence(), e.leaf_hash()}).second) {
        ++counts_.duplicated;
      }
    }
  }
  std::lock_guard lock(record_.mutex);
  for (const auto& [id, acked] : record_.acked) {
    auto it = logged.find(id);
    if (it == logged.end() || it->second.sequence != acked.sequence ||
        it->second.leaf_hash != acked.leaf_hash) {
      std::cerr << "crash-test: acknowledged event " << id << " at " << acked.sequence
                << " is lost or changed\n";
      ++counts_.lost;
    }
  }
  // Answers lost in the crash: all or nothing, then retried with the same bytes.
  for (Unit& unit : record_.uncertain) {
    size_t present = 0;
    for (const std::string& id : unit.ids) present += logged.count(id);
    if (present != 0 && present != unit.ids.size()) ++counts_.half_written_batches;
    counts_.uncertain_present += present;
    counts_.uncertain_absent += unit.ids.size() - present;
    for (size_t i = 0; i < unit.ids.size(); ++i) {
      grpc::ClientContext context;
      SetDeadline(context, std::chrono::milliseconds(5000));
      booo::v1::AppendRequest request;
      request.mutable_event()->set_body(unit.events[i].body);
      request.mutable_event()->set_signature(unit.events[i].signature);
      booo::v1::AppendResponse response;
      if (grpc::Status s = stub->Append(&context, request, &response); !s.ok()) {
        std::cerr << "crash-test: retrying " << unit.ids[i] << ": " << s.error_message() << "\n";
        return false;
      }
      auto it = logged.find(unit.ids[i]);
      if ((it != logged.end()) != response.duplicate() ||
          (it != logged.end() && it->second.sequence != response.receipt().sequence())) {
        std::cerr << "crash-test: the retry of " << unit.ids[i] << " was not idempotent\n";
        ++counts_.duplicated;
      }
      counts_.retried_duplicates += response.duplicate() ? 1 : 0;
      record_.acked[unit.ids[i]] = {response.receipt().sequence(), response.receipt().leaf_hash()};
    }
  }
  record_.uncertain.clear();
  // Every checkpoint handed out is a prefix of the tree now.
  std::optional<booo::v1::Checkpoint> now = FetchCheckpoint(*stub);
  if (!now) return false;
  std::set<uint64_t> checked;
  for (const booo::v1::Checkpoint& old : record_.checkpoints) {
    if (!checked.insert(old.tree_size()).second) continue;
    if (old.tree_size() > now->tree_size()) {
      std::cerr << "crash-test: a checkpoint of size " << old.tree_size()
                << " was handed out; the tree is now " << now->tree_size() << "\n";
      ++counts_.lost;
      continue;
    }
    grpc::ClientContext context;
    SetDeadline(context, std::chrono::milliseconds(5000));
    booo::v1::GetConsistencyProofRequest request;
    request.set_old_size(old.tree_size());
    request.set_new_size(now->tree_size());
    booo::v1::ConsistencyProof proof;
    if (grpc::Status s = stub->GetConsistencyProof(&context, request, &proof); !s.ok()) {
      std::cerr << "crash-test: consistency proof: " << s.error_message() << "\n";
      return false;
    }
    std::vector<ledger::Hash> hashes;
    for (const std::string& h : proof.hashes()) hashes.push_back(*ledger::HashFromBytes(h));
    auto old_root = ledger::HashFromBytes(old.root_hash());
    auto new_root = ledger::HashFromBytes(now->root_hash());
    absl::Status consistent =
        old_root.ok() && new_root.ok()
            ? ledger::VerifyConsistency(old.tree_size(), now->tree_size(), hashes, *old_root,
                                        *new_root)
            : absl::DataLossError("a root hash is malformed");
    if (!consistent.ok()) {
      std::cerr << "crash-test: checkpoint of size " << old.tree_size()
                << " is not consistent with the tree: " << consistent << "\n";
      ++counts_.lost;
    }
    ++counts_.checkpoints_checked;
  }
  // Keep the newest only: it covers the older ones from here on.
  record_.checkpoints = {*now};
  counts_.acknowledged = record_.acked.size();
  return counts_.lost == 0 && counts_.duplicated == 0 && counts_.half_written_batches == 0;
}

bool CrashTest::VerifyOffline() {
  booo::v1::Checkpoint last;
  {
    std::lock_guard lock(record_.mutex);
    last = record_.checkpoints.back();
  }
  const std::string note = (std::filesystem::path(options_.work_dir) / "last.checkpoint").string();
  std::ofstream(note) << last.note();
  const std::string vkey =
      ledger::VerifierKeyString(last.key_name(), checkpoint_key_.PublicKey());
  // A trust store of this run's own: every run makes a new ledger under the same origin and
  // key, which a store kept from an earlier run would rightly call a fork.
  const std::string trust = (std::filesystem::path(options_.work_dir) / "trust").string();
  std::filesystem::remove_all(trust);
  const std::string command =
      absl::StrCat(options_.ledgerctl, " --trust-store ", trust, " verify --data-dir ",
                   data_dir_.string(),
                   " --checkpoint ", note, " --checkpoint-key '", vkey, "' > ",
                   options_.work_dir, "/verify.out 2>&1");
  const int rc = std::system(command.c_str());
  if (rc != 0) {
    std::cerr << "crash-test: ledgerctl verify failed; see " << options_.work_dir
              << "/verify.out\n";
    return false;
  }
  return true;
}

bool CrashTest::CheckKeptProjection() {
  const std::string out = (std::filesystem::path(options_.work_dir) / "projection-check.out").string();
  const std::string command = absl::StrCat(options_.ledgerctl, " rebuild-projections --check --data-dir ",
                                           data_dir_.string(), " > ", out, " 2>&1");
  if (std::system(command.c_str()) != 0) {
    std::cerr << "crash-test: the kept projection does not equal the log's rebuild; see " << out
              << "\n";
    return false;
  }
  ++counts_.projection_checks;
  return true;
}

int CrashTest::Run() {
  data_dir_ = std::filesystem::path(options_.work_dir) / "ledger";
  address_ = absl::StrCat("127.0.0.1:", FreePort());
  if (absl::Status s = CreateLedger(); !s.ok()) {
    std::cerr << "crash-test: " << s << "\n";
    return 1;
  }
  const auto deadline = Clock::now() + std::chrono::seconds(options_.max_seconds);
  bool ok = true;
  while (ok && counts_.crashes < options_.crashes && Clock::now() < deadline) {
    const pid_t pid = StartServer();
    if (!WaitServing(std::chrono::seconds(60))) {
      std::cerr << "crash-test: ledgerd did not come up; see " << options_.work_dir
                << "/ledgerd.log\n";
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      return 1;
    }
    if (counts_.crashes > 0 && !(ok = CheckAfterRestart())) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      break;
    }
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (int c = 0; c < options_.clients; ++c) {
      threads.emplace_back([this, c, &stop] { ClientLoop(c, stop); });
    }
    threads.emplace_back([this, &stop] { CheckpointLoop(stop); });
    // The kill comes at a random moment of the load: 50 ms to 1.5 s in.
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng_() % 1450));
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    ++counts_.crashes;
    stop = true;
    for (std::thread& t : threads) t.join();
    ok = CheckKeptProjection();
  }
  if (ok) {
    // A last restart, the checks once more, then a clean stop and the offline verify.
    const pid_t pid = StartServer();
    ok = WaitServing(std::chrono::seconds(60)) && CheckAfterRestart();
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    ok = ok && VerifyOffline() && CheckKeptProjection();
  }
  std::cout << "crash-test: crashes " << counts_.crashes << ", events acknowledged "
            << counts_.acknowledged << ", events whose answer a crash cut off "
            << counts_.uncertain_present + counts_.uncertain_absent << " (written "
            << counts_.uncertain_present << ", not written " << counts_.uncertain_absent
            << "), retries answered as duplicates " << counts_.retried_duplicates
            << ", checkpoints checked " << counts_.checkpoints_checked << ", lost "
            << counts_.lost << ", duplicated " << counts_.duplicated
            << ", half-written batches " << counts_.half_written_batches
            << ", kept projections equal to a rebuild " << counts_.projection_checks
            << ", offline verify "
            << (ok ? "passed" : "FAILED") << "\n";
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace booo::testing

int main(int argc, char** argv) {
  CLI::App app{"booo_crash_test: SIGKILL a loaded ledgerd, restart it, check nothing was lost"};
  booo::testing::Options options;
  app.add_option("--ledgerd", options.ledgerd, "the ledgerd binary")->required();
  app.add_option("--ledgerctl", options.ledgerctl, "the ledgerctl binary")->required();
  app.add_option("--work-dir", options.work_dir, "scratch directory (made empty)")->required();
  app.add_option("--crashes", options.crashes, "how many kills")->capture_default_str();
  app.add_option("--max-seconds", options.max_seconds, "stop killing after this long")
      ->capture_default_str();
  app.add_option("--clients", options.clients, "concurrent appending clients")
      ->capture_default_str();
  app.add_option("--seed", options.seed, "for the kill moments and batch sizes")
      ->capture_default_str();
  // A later value overrides an earlier one (tools/crash-test.sh passes defaults first).
  for (CLI::Option* option : app.get_options()) {
    option->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  }
  CLI11_PARSE(app, argc, argv);
  std::filesystem::remove_all(options.work_dir);
  std::filesystem::create_directories(options.work_dir);
  return booo::testing::CrashTest(options).Run();
}
