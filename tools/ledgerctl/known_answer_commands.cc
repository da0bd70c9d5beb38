// known-answers: the check that the C++, Node and Python libraries build, sign and hash an event
// to the very same bytes (clients/known-answers/cases.json).
//
// Each case gives one event twice: as a library helper's arguments (what the Node and Python
// tests build it from) and as its body in the protobuf JSON mapping (what this command builds it
// from), plus the fields set after the helper and the leaf position. This command computes body,
// signature and leaf hash with the code `ledgerctl append` signs with, checks them against the
// case's `expected`, and then against every library's output file (written by its own tests):
// any difference names the case, the field and the first byte that differs.
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ledger/core/crypto.h"
#include "ledger/core/leaf_format.h"
#include "ledger/core/merkle.h"
#include "ledger/core/status_macros.h"
#include "nlohmann/json.hpp"
#include "replay/rulebook/event_file.h"
#include "tools/ledgerctl/client.h"
#include "tools/ledgerctl/commands.h"

namespace booo::ledgerctl {
namespace {

using nlohmann::json;

struct KnownAnswerArgs {
  std::string cases;
  std::vector<std::string> compare;
  bool write = false;
};

// What one side computed for one case, in hex.
struct Answer {
  std::string body_hex;
  std::string signature_hex;
  std::string leaf_hash_hex;
};

std::string Hex(std::string_view bytes) {
  return absl::BytesToHexString(absl::string_view(bytes.data(), bytes.size()));
}

absl::StatusOr<int64_t> IntField(const json& object, const std::string& name,
                                 const std::string& where) {
  if (!object.contains(name)) return absl::InvalidArgumentError(absl::StrCat(where, ".", name, ": missing"));
  const json& value = object.at(name);
  int64_t out = 0;
  // int64 travels as a decimal string (as in the protobuf JSON mapping), or a JSON integer.
  if (value.is_string() && absl::SimpleAtoi(value.get<std::string>(), &out)) return out;
  if (value.is_number_integer()) return value.get<int64_t>();
  return absl::InvalidArgumentError(absl::StrCat(where, ".", name, ": not an integer"));
}

absl::StatusOr<Answer> Compute(const json& c, const ledger::Ed25519PrivateKey& key,
                               const std::string& where) {
  ASSIGN_OR_RETURN(booo::v1::EventBody body,
                   rulebook::ParseEventJson(c.at("event").dump(), where + ".event"));
  ASSIGN_OR_RETURN(int64_t client_time, IntField(c, "client_time_micros", where));
  body.set_client_time_micros(client_time);
  if (c.contains("expected_stream_version")) {
    ASSIGN_OR_RETURN(int64_t version, IntField(c, "expected_stream_version", where));
    body.set_expected_stream_version(static_cast<uint64_t>(version));
  }
  if (body.event_id().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ".event.event_id: a known answer needs a "
                                                   "fixed event id"));
  }
  ASSIGN_OR_RETURN(booo::v1::SignedEvent signed_event, SignEvent(std::move(body), key));
  // The signature must verify, or the libraries could agree on a wrong one.
  RETURN_IF_ERROR(ledger::VerifyEd25519(key.PublicKey(), signed_event.body(),
                                        signed_event.signature()));
  const json& position = c.at("leaf");
  ASSIGN_OR_RETURN(int64_t sequence, IntField(position, "sequence", where + ".leaf"));
  ASSIGN_OR_RETURN(int64_t recorded_at, IntField(position, "recorded_at_micros", where + ".leaf"));
  ASSIGN_OR_RETURN(std::string leaf, ledger::EncodeLeaf({.sequence = static_cast<uint64_t>(sequence),
                                                         .recorded_at_micros = recorded_at,
                                                         .key_id = key.KeyId(),
                                                         .body = signed_event.body(),
                                                         .signature = signed_event.signature()}));
  ledger::Hash hash = ledger::HashLeaf(leaf);
  return Answer{.body_hex = Hex(signed_event.body()),
                .signature_hex = Hex(signed_event.signature()),
                .leaf_hash_hex = Hex(std::string_view(reinterpret_cast<const char*>(hash.data()),
                                                      hash.size()))};
}

// "" when equal; otherwise where they part, in bytes.
std::string Difference(const std::string& want_hex, const std::string& got_hex) {
  if (want_hex == got_hex) return "";
  size_t i = 0;
  while (i < want_hex.size() && i < got_hex.size() && want_hex[i] == got_hex[i]) ++i;
  return absl::StrCat("differs from byte ", i / 2, " (", want_hex.size() / 2, " bytes expected, ",
                      got_hex.size() / 2, " given)");
}

// Every field of `got` against `want`; one line per difference.
std::vector<std::string> Compare(const std::string& name, const Answer& want, const json& got) {
  std::vector<std::string> out;
  for (const auto& [field, value] : {std::pair{"body_hex", &want.body_hex},
                                     std::pair{"signature_hex", &want.signature_hex},
                                     std::pair{"leaf_hash_hex", &want.leaf_hash_hex}}) {
    if (!got.contains(field) || !got.at(field).is_string()) {
      out.push_back(absl::StrCat(name, ".", field, ": missing"));
      continue;
    }
    std::string diff = Difference(*value, got.at(field).get<std::string>());
    if (!diff.empty()) out.push_back(absl::StrCat(name, ".", field, ": ", diff));
  }
  return out;
}

absl::StatusOr<json> ReadJson(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return absl::InvalidArgumentError(absl::StrCat(path, ": not JSON"));
  return doc;
}

absl::Status KnownAnswers(const KnownAnswerArgs& args) {
  ASSIGN_OR_RETURN(json doc, ReadJson(args.cases));
  if (!doc.contains("cases") || !doc.at("cases").is_array() || doc.at("cases").empty() ||
      !doc.contains("signing_key")) {
    return absl::InvalidArgumentError(absl::StrCat(args.cases, ": needs signing_key and cases"));
  }
  // The key file is named relative to the cases file.
  std::string directory = args.cases.substr(0, args.cases.find_last_of('/') + 1);
  ASSIGN_OR_RETURN(ledger::Ed25519PrivateKey key,
                   ledger::ReadPrivateKeyFile(directory + doc.at("signing_key").get<std::string>()));

  std::vector<std::pair<std::string, Answer>> answers;
  std::vector<std::string> differences;
  for (size_t i = 0; i < doc.at("cases").size(); ++i) {
    json& c = doc.at("cases")[i];
    std::string name = c.value("name", absl::StrCat("cases[", i, "]"));
    ASSIGN_OR_RETURN(Answer answer, Compute(c, key, absl::StrCat("cases[", i, "] (", name, ")")));
    if (args.write) {
      c["expected"] = {{"body_hex", answer.body_hex},
                       {"signature_hex", answer.signature_hex},
                       {"leaf_hash_hex", answer.leaf_hash_hex}};
    } else {
      std::vector<std::string> d =
          Compare("c++ " + name, answer, c.value("expected", json::object()));
      differences.insert(differences.end(), d.begin(), d.end());
    }
    answers.emplace_back(name, std::move(answer));
  }
  if (args.write) {
    RETURN_IF_ERROR(WriteTextFile(args.cases, doc.dump(1, ' ', false) + "\n"));
    std::cout << "known-answers: wrote the expected answers of " << answers.size()
              << " cases to " << args.cases << "\n";
    return absl::OkStatus();
  }
  for (const std::string& path : args.compare) {
    ASSIGN_OR_RETURN(json given, ReadJson(path));
    std::string library = given.value("library", path);
    std::map<std::string, json> by_name;
    for (const json& g : given.value("cases", json::array())) by_name[g.value("name", "")] = g;
    for (const auto& [name, answer] : answers) {
      auto found = by_name.find(name);
      if (found == by_name.end()) {
        differences.push_back(absl::StrCat(library, " ", name, ": missing"));
        continue;
      }
      std::vector<std::string> d = Compare(library + " " + name, answer, found->second);
      differences.insert(differences.end(), d.begin(), d.end());
    }
    std::cout << "known-answers: " << library << " (" << path << ") checked\n";
  }
  if (!differences.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(differences.size(), " difference(s):\n  ", absl::StrJoin(differences, "\n  ")));
  }
  std::cout << "known-answers: " << answers.size() << " cases; body bytes, signatures and leaf "
            << "hashes identical in c++";
  for (const std::string& path : args.compare) std::cout << " and " << path;
  std::cout << "\n";
  return absl::OkStatus();
}

}  // namespace

void AddKnownAnswerCommands(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<KnownAnswerArgs>();
  auto* cmd = app.add_subcommand(
      "known-answers",
      "check that the C++ signing code, and each client library's output, give the known "
      "body bytes, signatures and leaf hashes of clients/known-answers/cases.json");
  cmd->add_option("--cases", args->cases, "the cases file")->required()->check(CLI::ExistingFile);
  cmd->add_option("--compare", args->compare,
                  "a library's answers ({\"library\", \"cases\": [{name, body_hex, "
                  "signature_hex, leaf_hash_hex}]}), written by its tests; repeatable")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--write", args->write,
                "recompute every case's `expected` with the C++ code and rewrite the cases file");
  cmd->callback([args, &exit_code] { exit_code = Report(KnownAnswers(*args)); });
}

}  // namespace booo::ledgerctl
