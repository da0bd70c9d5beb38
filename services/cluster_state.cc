#include "services/cluster_state.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "ledger/core/status_macros.h"

namespace booo::services {

const char* NodeRoleName(NodeRole role) {
  switch (role) {
    case NodeRole::kStandalone: return "standalone";
    case NodeRole::kPrimary: return "primary";
    case NodeRole::kMirror: return "mirror";
    case NodeRole::kCandidate: return "candidate";
    case NodeRole::kDiverged: return "diverged";
  }
  return "unknown";
}

absl::StatusOr<std::unique_ptr<ClusterState>> ClusterState::Load(const std::string& data_dir,
                                                                  std::string node_name,
                                                                  NodeRole initial) {
  const std::string path = (std::filesystem::path(data_dir) / "cluster-state").string();
  PersistedClusterState p;
  std::ifstream in(path);
  if (in) {
    std::string line;
    while (std::getline(in, line)) {
      std::pair<std::string, std::string> kv = absl::StrSplit(line, absl::MaxSplits(' ', 1));
      uint64_t value = 0;
      if (!absl::SimpleAtoi(kv.second, &value)) {
        return absl::DataLossError(absl::StrCat(path, ": malformed line \"", line, "\""));
      }
      if (kv.first == "last_term") p.last_term = value;
      if (kv.first == "checkpoint_size") p.checkpoint_size = value;
    }
  }
  return std::unique_ptr<ClusterState>(new ClusterState(path, std::move(node_name), initial, p));
}

NodeRole ClusterState::role() const {
  absl::MutexLock lock(&mutex_);
  return role_;
}
uint64_t ClusterState::term() const {
  absl::MutexLock lock(&mutex_);
  return term_;
}
std::string ClusterState::primary() const {
  absl::MutexLock lock(&mutex_);
  if (primary_name_.empty()) return "";
  return absl::StrCat(primary_name_, "@", primary_address_);
}
std::string ClusterState::primary_address() const {
  absl::MutexLock lock(&mutex_);
  return primary_address_;
}
std::string ClusterState::health() const {
  absl::MutexLock lock(&mutex_);
  return health_;
}

void ClusterState::BecomePrimary(uint64_t term, uint64_t term_start_size) {
  absl::MutexLock lock(&mutex_);
  role_ = NodeRole::kPrimary;
  term_ = term;
  term_start_size_ = term_start_size;
  primary_name_ = node_name_;
  primary_address_.clear();
  health_ = "ok";
}

void ClusterState::Follow(uint64_t term, std::string primary_name, std::string primary_address) {
  absl::MutexLock lock(&mutex_);
  if (role_ == NodeRole::kDiverged) return;  // stays stopped until an operator acts
  role_ = NodeRole::kMirror;
  term_ = term;
  primary_name_ = std::move(primary_name);
  primary_address_ = std::move(primary_address);
}

void ClusterState::BecomeCandidate() {
  absl::MutexLock lock(&mutex_);
  if (role_ == NodeRole::kDiverged) return;
  role_ = NodeRole::kCandidate;
  primary_name_.clear();
  primary_address_.clear();
}

void ClusterState::Diverge(std::string why) {
  absl::MutexLock lock(&mutex_);
  role_ = NodeRole::kDiverged;
  health_ = std::move(why);
}

uint64_t ClusterState::term_start_size() const {
  absl::MutexLock lock(&mutex_);
  return term_start_size_;
}

PersistedClusterState ClusterState::persisted() const {
  absl::MutexLock lock(&mutex_);
  return persisted_;
}

absl::Status ClusterState::RaiseLastTerm(uint64_t term) {
  return Raise(&PersistedClusterState::last_term, term);
}

absl::Status ClusterState::RaiseCheckpointSize(uint64_t size) {
  return Raise(&PersistedClusterState::checkpoint_size, size);
}

absl::Status ClusterState::Raise(uint64_t PersistedClusterState::*fact, uint64_t value) {
  absl::MutexLock lock(&mutex_);
  if (value <= persisted_.*fact) return absl::OkStatus();
  PersistedClusterState raised = persisted_;
  raised.*fact = value;
  RETURN_IF_ERROR(Save(raised));
  persisted_ = raised;  // only once it is on disk
  return absl::OkStatus();
}

absl::Status ClusterState::Save(const PersistedClusterState& state) {
  const std::string text = absl::StrCat("last_term ", state.last_term, "\ncheckpoint_size ",
                                        state.checkpoint_size, "\n");
  const std::string tmp = path_ + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("cluster state: cannot write ", tmp));
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || std::rename(tmp.c_str(), path_.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat("cluster state: cannot write ", path_));
  }
  return absl::OkStatus();
}

std::string ClusterState::NotPrimaryMessage(const std::string& field) const {
  absl::MutexLock lock(&mutex_);
  const std::string who = primary_name_.empty()
                              ? std::string("no primary is known yet (an election is under way); "
                                            "retry shortly")
                              : absl::StrCat("primary: ", primary_name_, "@", primary_address_);
  return absl::StrCat(field, ": this node (", node_name_, ") is a ", NodeRoleName(role_),
                      " and takes no writes; ", who);
}

}  // namespace booo::services
