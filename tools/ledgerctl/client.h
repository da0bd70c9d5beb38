// What every ledgerctl command that talks to a server shares: the channel, signing an event
// body with a key file, printing events, and failing with a clear message.
#ifndef BOOO_TOOLS_LEDGERCTL_CLIENT_H_
#define BOOO_TOOLS_LEDGERCTL_CLIENT_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "booo/v1/ledger_service.grpc.pb.h"
#include "google/protobuf/message.h"
#include "ledger/core/checkpoint.h"
#include "ledger/core/crypto.h"
#include "nlohmann/json.hpp"
#include "replay/rulebook/rule_book.h"

namespace booo::ledgerctl {

// The largest answer ledgerctl accepts (gRPC's default is 4 MiB).
inline constexpr int kMaxAnswerBytes = 256 << 20;

// How ledgerctl reaches the server: mutual TLS when `ca_file` is set (the CA that issued the
// server's certificate; `cert_file` and `key_file`, the caller's certificate and its ledger
// key), plaintext otherwise, which only a server started for development accepts.
struct Transport {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string server_name;  // the name to check the server's certificate for, if not the host
};
// Set once by main before any command runs; `transport` must outlive every channel opened.
void UseTransport(const Transport* transport);

// Where checkpoints are pinned (tools/ledgerctl/trust_store.h) and the witness policy they must
// meet; set once by main, like the transport.
struct TrustSettings {
  std::string store_dir;            // "" : the default place
  std::string witness_policy_file;  // "" : the policy pinned in the store, if any
};
void UseTrustSettings(const TrustSettings* settings);
const TrustSettings& CurrentTrustSettings();
// A channel to the server that accepts answers up to kMaxAnswerBytes. Exits with a message when
// a TLS file cannot be read.
std::shared_ptr<grpc::Channel> OpenChannel(const std::string& address);
std::unique_ptr<booo::v1::Ledger::Stub> Connect(const std::string& address);
absl::Status FromGrpc(const grpc::Status& status);

// Fills what the caller left empty (signer key id, stream; a random event id and the client
// time when no event id was given), serializes the body once and signs those bytes. The same
// input with an event id therefore always yields the same bytes: retries are safe.
absl::StatusOr<booo::v1::SignedEvent> SignEvent(booo::v1::EventBody body,
                                                const ledger::Ed25519PrivateKey& key);
// SignEvent, then Append.
// The primary a node names when it refuses a write because it is a mirror
// (FAILED_PRECONDITION, "...; primary: <name>@<host:port>"): its address, or nullopt.
std::optional<std::string> PrimaryHint(const absl::Status& status);
// Appends follow that hint (at most three hops), resending the same signed bytes.
absl::StatusOr<booo::v1::AppendResponse> SignAndAppend(booo::v1::Ledger::Stub& stub,
                                                       booo::v1::EventBody body,
                                                       const ledger::Ed25519PrivateKey& key);

// An event as JSON for people and scripts: envelope fields, hex hashes, the decoded body.
// Any message in the protobuf JSON mapping, field names as in the .proto, indented, with two
// differences for people: fields at their default value (a figure of 0) are printed, and bytes
// (hashes, digests) are lowercase hex, as everywhere else in ledgerctl's output.
std::string ProtoToJson(const google::protobuf::Message& message);
nlohmann::json EventToJson(const booo::v1::StoredEvent& event);
nlohmann::json ReceiptToJson(const booo::v1::AppendResponse& response);

// Runs `call` (one RPC) and repeats it, after the wait the server names ("retry in N ms"),
// while the server refuses it for the caller's request rate, for at most a minute: a command
// that makes thousands of calls (a dossier of a whole year) stays within the rate.
absl::Status WithinRate(const std::function<grpc::Status()>& call);
// Every event of `stream`, in ledger order, page by page (ReadEvents), each handed to `visit`.
absl::Status ForEachStreamEvent(
    booo::v1::Ledger::Stub& stub, const std::string& stream,
    const std::function<absl::Status(const booo::v1::StoredEvent&)>& visit);

// Fetches the current checkpoint and checks it through the trust store: its signature with
// `verifier_key` ("name+hash+key") or the pinned key (on first use, the key the ledger names
// for its size: CheckpointVerifier), the witness quorum when a policy is pinned or given, and
// its consistency with the checkpoint held. With a witness policy, the latest witnessed
// checkpoint is fetched when the head is not cosigned yet.
absl::StatusOr<ledger::Checkpoint> FetchVerifiedCheckpoint(booo::v1::Ledger::Stub& stub,
                                                           const std::string& verifier_key,
                                                           std::string* note_out);
// The (name, public key) to check the checkpoint of a tree of `tree_size` events with:
// `verifier_key` when given, else the key the ledger's "keys" stream puts in force for that
// size (the genesis key, or a rotated one). Also the ledger's origin.
absl::StatusOr<std::pair<std::string, std::string>> CheckpointVerifier(
    booo::v1::Ledger::Stub& stub, const std::string& verifier_key, uint64_t tree_size,
    std::string* origin_out);

// A verifier key given inline ("name+hash+key") or as a file holding one; empty stays empty.
absl::StatusOr<std::string> VerifierKeyArgument(const std::string& arg);

using rulebook::ReadTextFile;  // one reader of files for the whole project
absl::Status WriteTextFile(const std::string& path, const std::string& text);

}  // namespace booo::ledgerctl

#endif  // BOOO_TOOLS_LEDGERCTL_CLIENT_H_
