// A transparency-log trust policy in the C2SP tlog-policy format
// (https://c2sp.org/tlog-policy), the format of the witness ecosystem:
//
//   log <vkey> [<url>]
//   witness <name> <vkey> [<url>]           # an Ed25519 cosigner (vkey algorithm 0x04)
//   group <name> <k|all|any> <name>...      # members defined on earlier lines
//   quorum <name|none>
//
// ledgerd reads one to know which witnesses to ask for cosignatures (those with a URL, their
// submission prefix) and when a checkpoint is witnessed; ledgerctl reads one to require k
// valid cosignatures before it trusts a checkpoint.
#ifndef BOOO_LEDGER_CORE_WITNESS_POLICY_H_
#define BOOO_LEDGER_CORE_WITNESS_POLICY_H_

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ledger/core/cosignature.h"

namespace booo::ledger {

class WitnessPolicy {
 public:
  struct Log {
    std::string key_name;    // the log's origin, by the spec
    std::string public_key;  // 32 bytes
    std::string url;
  };
  struct Witness {
    std::string name;  // the policy's own name for it
    Cosigner key;      // the cosigner name and key its signature lines carry
    std::string url;   // its submission prefix; may be empty (offline verification)
  };

  // INVALID_ARGUMENT naming the line number and what is wrong: an unknown keyword, a bad vkey,
  // a duplicate key or name, a group member not defined before, a threshold outside 1..n, no
  // or two quorum lines, a control character other than tab.
  static absl::StatusOr<WitnessPolicy> Parse(absl::string_view text);

  const std::vector<Log>& logs() const { return logs_; }
  const std::vector<Witness>& witnesses() const { return witnesses_; }
  std::vector<Cosigner> cosigners() const;
  // Whether cosignatures by the witnesses named (policy names) meet the quorum.
  bool QuorumMet(const std::set<std::string>& cosigned) const;
  // "2 of (w1, w2)", "none": for messages.
  std::string DescribeQuorum() const;
  // The policy name of the witness whose cosigner name is `cosigner_name`; empty if none.
  std::string WitnessNamed(absl::string_view cosigner_name) const;

 private:
  struct Group {
    std::string name;
    size_t threshold = 0;
    std::vector<std::string> members;
  };
  bool Met(const std::string& name, const std::set<std::string>& cosigned, int depth) const;

  std::vector<Log> logs_;
  std::vector<Witness> witnesses_;
  std::vector<Group> groups_;
  std::string quorum_;  // "none", a witness or a group
};

}  // namespace booo::ledger

#endif  // BOOO_LEDGER_CORE_WITNESS_POLICY_H_
