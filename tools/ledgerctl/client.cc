#include "tools/ledgerctl/client.h"

#include "tools/ledgerctl/trust_store.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "ledger/core/event_validation.h"
#include "ledger/core/key_registry.h"
#include "ledger/core/merkle.h"
#include "ledger/core/status_macros.h"

namespace booo::ledgerctl {

namespace {

const Transport* transport_in_use = nullptr;

std::string ReadTransportFile(const std::string& path, const char* flag) {
  absl::StatusOr<std::string> text = ReadTextFile(path);
  if (!text.ok() || text->empty()) {
    std::cerr << "ledgerctl: INVALID_ARGUMENT: " << flag << ": cannot read " << path << "\n";
    std::exit(2);
  }
  return *std::move(text);
}

}  // namespace

void UseTransport(const Transport* transport) { transport_in_use = transport; }

const TrustSettings* trust_in_use = nullptr;
void UseTrustSettings(const TrustSettings* settings) { trust_in_use = settings; }
const TrustSettings& CurrentTrustSettings() {
  static const TrustSettings none;
  return trust_in_use == nullptr ? none : *trust_in_use;
}

std::shared_ptr<grpc::Channel> OpenChannel(const std::string& address) {
  // A whole-year grant with its full trace runs to megabytes at national scale (8 MB for a
  // large municipality with daily declarations), over gRPC's default 4 MiB for answers.
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxAnswerBytes);
  const Transport* t = transport_in_use;
  if (t == nullptr || t->ca_file.empty()) {
    return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  }
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadTransportFile(t->ca_file, "--tls-ca");
  if (!t->cert_file.empty() || !t->key_file.empty()) {
    ssl.pem_cert_chain = ReadTransportFile(t->cert_file, "--tls-cert");
    ssl.pem_private_key = ReadTransportFile(t->key_file, "--tls-key");
  }
  if (!t->server_name.empty()) args.SetSslTargetNameOverride(t->server_name);
  return grpc::CreateCustomChannel(address, grpc::SslCredentials(ssl), args);
}

std::unique_ptr<booo::v1::Ledger::Stub> Connect(const std::string& address) {
  return booo::v1::Ledger::NewStub(OpenChannel(address));
}

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

absl::StatusOr<booo::v1::SignedEvent> SignEvent(booo::v1::EventBody body,
                                                const ledger::Ed25519PrivateKey& key) {
  // With a caller-chosen event id the body is fully determined by the caller's input, so a
  // retry signs the very same bytes (Ed25519 is deterministic) and gets the original receipt.
  // Only a generated id, which no retry can repeat anyway, gets the current time stamped in.
  if (body.event_id().empty()) {
    ASSIGN_OR_RETURN(std::string random, ledger::RandomBytes(12));
    body.set_event_id(absl::StrCat("evt-", absl::BytesToHexString(random)));
    if (body.client_time_micros() == 0) {
      body.set_client_time_micros(absl::ToUnixMicros(absl::Now()));
    }
  }
  if (body.signer_key_id().empty()) body.set_signer_key_id(key.KeyId());
  if (body.stream().empty()) body.set_stream(ledger::ExpectedStream(body));
  std::string bytes;
  if (!body.SerializeToString(&bytes)) return absl::InternalError("body: cannot serialize");
  ASSIGN_OR_RETURN(std::string signature, key.Sign(bytes));
  booo::v1::SignedEvent event;
  event.set_body(std::move(bytes));
  event.set_signature(std::move(signature));
  return event;
}

absl::StatusOr<booo::v1::AppendResponse> SignAndAppend(booo::v1::Ledger::Stub& stub,
                                                       booo::v1::EventBody body,
                                                       const ledger::Ed25519PrivateKey& key) {
  booo::v1::AppendRequest request;
  ASSIGN_OR_RETURN(*request.mutable_event(), SignEvent(std::move(body), key));
  booo::v1::AppendResponse response;
  // A mirror refuses writes naming the primary ("primary: <name>@<host:port>"): follow it,
  // with the very same signed bytes.
  std::unique_ptr<booo::v1::Ledger::Stub> redirected;
  for (int hops = 0;; ++hops) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    booo::v1::Ledger::Stub& target = redirected ? *redirected : stub;
    absl::Status status = FromGrpc(target.Append(&context, request, &response));
    std::optional<std::string> primary = PrimaryHint(status);
    if (!primary || hops == 3) {
      RETURN_IF_ERROR(status);
      return response;
    }
    std::cerr << "ledgerctl: following the primary at " << *primary << "\n";
    redirected = Connect(*primary);
  }
}

std::optional<std::string> PrimaryHint(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kFailedPrecondition) return std::nullopt;
  const absl::string_view message = status.message();
  const size_t hint = message.find("; primary: ");
  if (hint == absl::string_view::npos) return std::nullopt;
  const size_t at = message.find('@', hint);
  if (at == absl::string_view::npos) return std::nullopt;
  const size_t end = message.find_first_of(" ;)", at + 1);
  std::string address(message.substr(at + 1, end == absl::string_view::npos ? end : end - at - 1));
  if (address.empty()) return std::nullopt;
  return address;
}

namespace {

// Rewrites every bytes field of `message` in its JSON form `json` from protobuf's base64 to
// lowercase hex, the form receipts, `get` and the text output use for hashes.
void BytesToHex(const google::protobuf::Message& message, nlohmann::ordered_json& json) {
  if (!json.is_object()) return;
  const google::protobuf::Descriptor* descriptor = message.GetDescriptor();
  const google::protobuf::Reflection* reflection = message.GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = descriptor->field(i);
    auto it = json.find(field->name());
    if (it == json.end() || field->is_map()) continue;
    using FD = google::protobuf::FieldDescriptor;
    if (field->type() == FD::TYPE_BYTES) {
      if (field->is_repeated()) {
        for (int k = 0; k < reflection->FieldSize(message, field); ++k) {
          (*it)[k] = absl::BytesToHexString(reflection->GetRepeatedString(message, field, k));
        }
      } else {
        *it = absl::BytesToHexString(reflection->GetString(message, field));
      }
    } else if (field->type() == FD::TYPE_MESSAGE &&
               field->message_type()->well_known_type() ==
                   google::protobuf::Descriptor::WELLKNOWNTYPE_UNSPECIFIED) {
      if (field->is_repeated()) {
        for (int k = 0; k < reflection->FieldSize(message, field) && k < int(it->size()); ++k) {
          BytesToHex(reflection->GetRepeatedMessage(message, field, k), (*it)[k]);
        }
      } else if (reflection->HasField(message, field)) {
        BytesToHex(reflection->GetMessage(message, field), *it);
      }
    }
  }
}

}  // namespace

std::string ProtoToJson(const google::protobuf::Message& message) {
  std::string text;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  // A figure of 0 is a figure: print it, rather than leave the key out as proto3 JSON would.
  options.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(message, &text, options);
  // Ordered: the fields stay in the order of the .proto, as protobuf printed them.
  nlohmann::ordered_json json =
      nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return text;
  BytesToHex(message, json);
  return json.dump(2);
}

nlohmann::json EventToJson(const booo::v1::StoredEvent& event) {
  nlohmann::json out;
  out["sequence"] = event.sequence();
  out["recorded_at"] =
      absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::FromUnixMicros(event.recorded_at_micros()),
                       absl::UTCTimeZone());
  out["event_id"] = event.event_id();
  out["stream"] = event.stream();
  out["stream_version"] = event.stream_version();
  out["key_id"] = event.key_id();
  out["leaf_hash"] = absl::BytesToHexString(event.leaf_hash());
  if (event.has_superseded_by_sequence()) {
    out["superseded_by_sequence"] = event.superseded_by_sequence();
  }
  booo::v1::EventBody body;
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (body.ParseFromString(event.body()) &&
      google::protobuf::util::MessageToJsonString(body, &json, options).ok()) {
    out["body"] = nlohmann::json::parse(json);
  }
  return out;
}

nlohmann::json ReceiptToJson(const booo::v1::AppendResponse& response) {
  const auto& r = response.receipt();
  return {{"sequence", r.sequence()},
          {"recorded_at_micros", r.recorded_at_micros()},
          {"leaf_hash", absl::BytesToHexString(r.leaf_hash())},
          {"stream", r.stream()},
          {"stream_version", r.stream_version()},
          {"event_id", r.event_id()},
          {"duplicate", response.duplicate()}};
}

absl::Status WithinRate(const std::function<grpc::Status()>& call) {
  const absl::Time give_up = absl::Now() + absl::Minutes(1);
  while (true) {
    absl::Status status = FromGrpc(call());
    if (!absl::IsResourceExhausted(status) ||
        !absl::StartsWith(status.message(), "request rate:") || absl::Now() > give_up) {
      return status;
    }
    double wait_ms = 10;
    if (size_t at = status.message().rfind("retry in "); at != absl::string_view::npos) {
      absl::string_view number = status.message().substr(at + 9);
      if (!absl::SimpleAtod(number.substr(0, number.find(' ')), &wait_ms)) wait_ms = 10;
    }
    absl::SleepFor(absl::Milliseconds(std::clamp(wait_ms, 1.0, 1000.0)));
  }
}

absl::Status ForEachStreamEvent(
    booo::v1::Ledger::Stub& stub, const std::string& stream,
    const std::function<absl::Status(const booo::v1::StoredEvent&)>& visit) {
  for (uint64_t start = 0;;) {
    booo::v1::ReadEventsRequest request;
    request.set_stream(stream);
    request.set_start(start);
    request.set_max_events(1000);
    booo::v1::ReadEventsResponse page;
    RETURN_IF_ERROR(WithinRate([&] {
      grpc::ClientContext context;
      return stub.ReadEvents(&context, request, &page);
    }));
    for (const booo::v1::StoredEvent& event : page.events()) RETURN_IF_ERROR(visit(event));
    if (page.end_of_log() || page.events().empty()) return absl::OkStatus();
    start = page.next_start();
  }
}

absl::StatusOr<std::pair<std::string, std::string>> CheckpointVerifier(
    booo::v1::Ledger::Stub& stub, const std::string& verifier_key, uint64_t tree_size,
    std::string* origin_out) {
  // The "keys" stream as the ledger holds it: the genesis, then every key event in order, from
  // which the key in force at each tree size follows (keys rotate).
  ledger::KeyRegistry keys;
  RETURN_IF_ERROR(ForEachStreamEvent(stub, "keys", [&keys](const booo::v1::StoredEvent& event) {
    booo::v1::EventBody body;
    if (!body.ParseFromString(event.body())) {
      return absl::DataLossError(absl::StrCat("event ", event.sequence(), " does not parse"));
    }
    keys.Apply(body, event.sequence());
    return absl::OkStatus();
  }));
  if (!keys.genesis()) return absl::DataLossError("the ledger has no genesis");
  if (origin_out != nullptr) *origin_out = keys.genesis()->origin;
  if (!verifier_key.empty()) {
    auto parsed = ledger::ParseVerifierKeyString(verifier_key);
    if (!parsed.ok()) return parsed.status();
    return *parsed;
  }
  const ledger::CheckpointKey* key = keys.CheckpointKeyFor(tree_size);
  return std::make_pair(key->key_name, key->public_key);
}

absl::StatusOr<ledger::Checkpoint> FetchVerifiedCheckpoint(booo::v1::Ledger::Stub& stub,
                                                           const std::string& verifier_key,
                                                           std::string* note_out) {
  TrustStore store = TrustStore::Open(CurrentTrustSettings().store_dir);
  AcceptOptions options;
  options.verifier_key = verifier_key;
  options.witness_policy_file = CurrentTrustSettings().witness_policy_file;
  options.consistency_proof = [&stub](uint64_t old_size,
                                      uint64_t new_size) -> absl::StatusOr<std::vector<ledger::Hash>> {
    booo::v1::GetConsistencyProofRequest request;
    request.set_old_size(old_size);
    request.set_new_size(new_size);
    booo::v1::ConsistencyProof proof;
    grpc::ClientContext context;
    RETURN_IF_ERROR(FromGrpc(stub.GetConsistencyProof(&context, request, &proof)));
    std::vector<ledger::Hash> hashes;
    for (const std::string& bytes : proof.hashes()) {
      ASSIGN_OR_RETURN(ledger::Hash hash, ledger::HashFromBytes(bytes));
      hashes.push_back(hash);
    }
    return hashes;
  };
  absl::StatusOr<ledger::Checkpoint> accepted;
  for (const bool witnessed : {false, true}) {
    grpc::ClientContext context;
    booo::v1::GetCheckpointRequest request;
    request.set_witnessed(witnessed);
    booo::v1::Checkpoint checkpoint;
    RETURN_IF_ERROR(FromGrpc(stub.GetCheckpoint(&context, request, &checkpoint)));
    ASSIGN_OR_RETURN(ledger::Checkpoint unverified, ledger::PeekCheckpoint(checkpoint.note()));
    options.recorded_key = [&stub, size = unverified.tree_size]() {
      return CheckpointVerifier(stub, "", size, nullptr);
    };
    if (checkpoint.witnesses().policy()) {
      std::cerr << "witnesses: " << checkpoint.tree_size() << " cosigned by "
                << (checkpoint.witnesses().cosigned_by().empty()
                        ? std::string("none yet")
                        : absl::StrJoin(checkpoint.witnesses().cosigned_by(), ", "))
                << "; quorum " << checkpoint.witnesses().quorum()
                << (checkpoint.witnesses().quorum_met() ? " met" : " NOT met") << "\n";
    }
    accepted = store.Accept(checkpoint.note(), options);
    if (note_out != nullptr) *note_out = checkpoint.note();
    // The head is not cosigned yet: the latest witnessed checkpoint may be.
    const bool retry = !witnessed && checkpoint.witnesses().policy() &&
                       !checkpoint.witnesses().quorum_met() &&
                       absl::IsFailedPrecondition(accepted.status());
    if (!retry) break;
  }
  return accepted;
}

absl::Status WriteTextFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.flush();
  if (!out) return absl::UnavailableError(absl::StrCat(path, ": cannot write"));
  return absl::OkStatus();
}

absl::StatusOr<std::string> VerifierKeyArgument(const std::string& arg) {
  if (arg.empty() || !std::filesystem::exists(arg)) return arg;
  ASSIGN_OR_RETURN(std::string text, ReadTextFile(arg));
  return std::string(absl::StripAsciiWhitespace(text));
}

}  // namespace booo::ledgerctl
