#include "ledger/core/witness_policy.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "ledger/core/checkpoint.h"

namespace booo::ledger {
namespace {

absl::Status LineError(size_t line, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("witness policy: line ", line, ": ", why));
}

}  // namespace

absl::StatusOr<WitnessPolicy> WitnessPolicy::Parse(absl::string_view text) {
  WitnessPolicy policy;
  std::set<std::string> names = {"none"};
  std::set<std::string> keys;
  std::set<std::string> cosigner_names;  // a signature line names its cosigner: one per name
  size_t number = 0;
  bool have_quorum = false;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    for (char c : line) {
      const auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7f) return LineError(number, "a control character");
    }
    std::vector<absl::string_view> f = absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (f.empty() || f[0][0] == '#') continue;
    const absl::string_view keyword = f[0];
    if (keyword == "log") {
      if (f.size() < 2 || f.size() > 3) return LineError(number, "log <vkey> [<url>]");
      auto key = ParseVerifierKeyString(std::string_view(f[1].data(), f[1].size()));
      if (!key.ok()) return LineError(number, key.status().message());
      if (!keys.insert(key->second).second) return LineError(number, "a duplicate key");
      policy.logs_.push_back({key->first, key->second, f.size() == 3 ? std::string(f[2]) : ""});
    } else if (keyword == "witness") {
      if (f.size() < 3 || f.size() > 4) return LineError(number, "witness <name> <vkey> [<url>]");
      auto key = ParseVerifierKeyString(std::string_view(f[2].data(), f[2].size()),
                                        kNoteAlgorithmCosignatureV1);
      if (!key.ok()) return LineError(number, key.status().message());
      if (!names.insert(std::string(f[1])).second) return LineError(number, "a duplicate name");
      if (!keys.insert(key->second).second) return LineError(number, "a duplicate key");
      if (!cosigner_names.insert(key->first).second) {
        return LineError(number, absl::StrCat("a second witness with the cosigner name ", key->first));
      }
      policy.witnesses_.push_back({std::string(f[1]), {key->first, key->second},
                                   f.size() == 4 ? std::string(f[3]) : ""});
    } else if (keyword == "group") {
      if (f.size() < 4) return LineError(number, "group <name> <k|all|any> <name>...");
      Group group{std::string(f[1]), 0, {}};
      std::set<std::string> members;
      for (size_t i = 3; i < f.size(); ++i) {
        const std::string member(f[i]);
        if (member == "none" || !names.contains(member)) {
          return LineError(number, absl::StrCat("member \"", member, "\" is not defined above"));
        }
        if (!members.insert(member).second) {
          return LineError(number, absl::StrCat("member \"", member, "\" listed twice"));
        }
        group.members.push_back(member);
      }
      const size_t n = group.members.size();
      if (f[2] == "all") {
        group.threshold = n;
      } else if (f[2] == "any") {
        group.threshold = 1;
      } else if (!absl::SimpleAtoi(f[2], &group.threshold) || group.threshold < 1 ||
                 group.threshold > n || f[2][0] == '0' || f[2][0] == '+') {
        return LineError(number, absl::StrCat("threshold \"", f[2], "\" is not all, any or 1..", n));
      }
      if (!names.insert(group.name).second) return LineError(number, "a duplicate name");
      policy.groups_.push_back(std::move(group));
    } else if (keyword == "quorum") {
      if (f.size() != 2) return LineError(number, "quorum <name>");
      if (have_quorum) return LineError(number, "a second quorum line");
      if (!names.contains(std::string(f[1]))) {
        return LineError(number, absl::StrCat("\"", f[1], "\" is not defined above"));
      }
      policy.quorum_ = std::string(f[1]);
      have_quorum = true;
    } else {
      return LineError(number, absl::StrCat("unknown keyword \"", keyword, "\""));
    }
  }
  if (!have_quorum) return absl::InvalidArgumentError("witness policy: no quorum line");
  return policy;
}

std::vector<Cosigner> WitnessPolicy::cosigners() const {
  std::vector<Cosigner> out;
  for (const Witness& w : witnesses_) out.push_back(w.key);
  return out;
}

bool WitnessPolicy::Met(const std::string& name, const std::set<std::string>& cosigned,
                        int depth) const {
  if (name == "none") return true;
  if (depth > 64) return false;  // groups only name earlier lines: never reached
  for (const Group& group : groups_) {
    if (group.name != name) continue;
    size_t met = 0;
    for (const std::string& member : group.members) met += Met(member, cosigned, depth + 1);
    return met >= group.threshold;
  }
  return cosigned.contains(name);
}

bool WitnessPolicy::QuorumMet(const std::set<std::string>& cosigned) const {
  return Met(quorum_, cosigned, 0);
}

std::string WitnessPolicy::DescribeQuorum() const {
  for (const Group& group : groups_) {
    if (group.name == quorum_) {
      return absl::StrCat(group.threshold, " of (", absl::StrJoin(group.members, ", "), ")");
    }
  }
  return quorum_;
}

std::string WitnessPolicy::WitnessNamed(absl::string_view cosigner_name) const {
  for (const Witness& w : witnesses_) {
    if (w.key.name == cosigner_name) return w.name;
  }
  return "";
}

}  // namespace booo::ledger
