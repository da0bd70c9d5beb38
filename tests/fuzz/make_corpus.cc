// booo_fuzz_corpus: writes the fuzz targets' seed corpus (tests/fuzz/corpus/<target>/) from
// events signed as a client signs them and from the project's real input files. Deterministic:
// running it again rewrites the same seeds. Inputs libFuzzer found interesting later live
// beside them (tools/fuzz.sh --merge). Usage: booo_fuzz_corpus SOURCE_DIR OUT_DIR
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "booo/v1/ledger_service.pb.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/core/checkpoint.h"
#include "ledger/core/witness_protocol.h"
#include "ledger/core/export_file.h"
#include "ledger/core/leaf_format.h"
#include "ledger/core/merkle.h"
#include "ledger/core/event_validation.h"
#include "tests/support/event_factory.h"
#include "tests/support/grant_scenario.h"

namespace {

namespace fs = std::filesystem;
using booo::testing::TestKey;

void Write(const fs::path& dir, const std::string& name, const std::string& bytes) {
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out << bytes;
  if (!out) {
    std::cerr << "cannot write " << (dir / name) << "\n";
    std::exit(1);
  }
}

std::string Read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "cannot read " << path << "\n";
    std::exit(1);
  }
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

template <typename T>
T Must(absl::StatusOr<T> value) {
  if (!value.ok()) {
    std::cerr << value.status() << "\n";
    std::exit(1);
  }
  return *std::move(value);
}

std::vector<fs::path> JsonFiles(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// A valid body of every payload kind (the envelope's signer and stream are filled in later).
std::vector<booo::v1::EventBody> PayloadSeeds() {
  using namespace booo::testing;  // NOLINT: the scenario's body builders
  const std::string c = "GM0363";
  std::vector<booo::v1::EventBody> out = {
      GooPlaces("s-goo", c, "L1", Day(2023, 1, 1), Day(2023, 1, 31), 10, Day(2023, 2, 1)),
      WithPersons(PooMonth("s-poo", c, 2023, 1, 3, 2, Day(2023, 2, 1)), {1, 2}),
      LivingAllowance("s-la", c, booo::v1::RECEPTION_KIND_POO,
                      booo::v1::ALLOWANCE_COMPONENT_HOUSING_COMPONENT, Day(2023, 1, 1),
                      Day(2023, 1, 31), 5000, Day(2023, 2, 1)),
      TransitionRequest("s-tr", c, 100000, Day(2023, 1, 1), Day(2023, 12, 31),
                        booo::v1::ALLOCATION_METHOD_DEPRECIATION, Day(2022, 12, 1)),
      TransitionDecision("s-td", c, "s-tr", booo::v1::DECISION_OUTCOME_GRANTED, 100000,
                         Day(2023, 1, 1), Day(2023, 12, 31),
                         booo::v1::ALLOCATION_METHOD_DEPRECIATION, Day(2022, 12, 15)),
      ExceptionClaim("s-ec", c, 2023, 900000, Day(2024, 3, 1)),
      ExceptionDecision("s-ed", c, "s-ec", booo::v1::DECISION_OUTCOME_GRANTED, 900000,
                        Day(2024, 4, 1)),
      Advance("s-adv", c, 2023, 100000, Day(2023, 2, 1)),
      Repayment("s-rep", c, 2023, 1000, Day(2024, 8, 1)),
      Report("s-rep-2023", c, 2023, Day(2024, 7, 1)),
      Hardship("s-hard", c, "s-rep-2023", "f1", 100, Day(2024, 9, 1)),
      LateDecision("s-late", c, 2023, 100, Day(2024, 9, 1)),
      Determination("s-det", c, 2023, 100000, Day(2024, 10, 1)),
      Location("s-loc", c, "L1", booo::v1::ACCOMMODATION_TYPE_HOTEL, 20, Day(2023, 1, 1),
               Day(2023, 12, 31), Day(2023, 1, 2)),
      TransitionDeclared("s-tcd", c, 2023, "s-tr", 50000, Day(2024, 7, 1)),
      AdvanceRequest("s-ar", c, 2024, 100000, Day(2023, 11, 1)),
  };
  AddFinding(out[9], "f1", booo::v1::COST_CATEGORY_A_GOO, booo::v1::FINDING_KIND_FOUT, 100);
  booo::v1::EventBody rule;
  rule.set_event_id("s-rule");
  auto* amended = rule.mutable_rule_amended();
  auto* value = amended->add_values();
  value->set_parameter("goo_norm_per_place_day");
  *value->mutable_valid_from() = Day(2022, 3, 1);
  *value->mutable_valid_to() = Day(2022, 10, 14);
  value->set_amount_cents(10000);
  amended->mutable_citation()->set_reference("Stcrt. 2022, 15021");
  *amended->mutable_publication_date() = Day(2022, 6, 3);
  out.push_back(rule);
  booo::v1::EventBody budget;
  budget.set_event_id("s-budget");
  auto* line = budget.mutable_budget_line_set();
  line->set_budget_year(2023);
  line->set_line("BooO specific grant");
  line->set_amount_cents(100'000'000);
  *line->mutable_publication_date() = Day(2022, 9, 20);
  line->mutable_citation()->set_reference("Kamerstukken II 2022/23, 36200 VII, nr. 2");
  out.push_back(budget);
  // Key events come from the ledger's own seeds above (genesis, registration, revocation,
  // rotation).
  out.push_back(booo::testing::GenesisBody(TestKey(1), TestKey(2), "booo-ledger.test/fuzz"));
  out.push_back(booo::testing::KeyRegisteredBody("s-key", TestKey(1), TestKey(3),
                                                 booo::v1::ROLE_MUNICIPALITY, c));
  out.push_back(booo::testing::KeyRevokedBody("s-revoke", TestKey(1), TestKey(3).KeyId()));
  out.push_back(booo::testing::CheckpointKeyRotatedBody("s-rotate", TestKey(1), TestKey(4),
                                                        "booo-ledger.test/fuzz-2"));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: booo_fuzz_corpus SOURCE_DIR OUT_DIR\n";
    return 2;
  }
  const fs::path source(argv[1]);
  const fs::path out(argv[2]);
  const auto root = TestKey(1);        // the ministry, and the key envelope_fuzzer checks with
  const auto checkpoint = TestKey(2);  // the log's checkpoint key (checkpoint_fuzzer's)
  const auto municipality = TestKey(3);  // TestKey(4): the checkpoint key rotated to
  const std::vector<std::pair<booo::v1::EventBody, const booo::ledger::Ed25519PrivateKey*>> events =
      {{booo::testing::GenesisBody(root, checkpoint, "booo-ledger.test/fuzz"), &root},
       {booo::testing::KeyRegisteredBody("key-gm0363", root, municipality,
                                         booo::v1::ROLE_MUNICIPALITY, "GM0363"),
        &root},
       {booo::testing::PlacesBody("places-gm0363-1", municipality, "GM0363", 120), &municipality},
       {booo::testing::AdvanceBody("advance-gm0363-1", root, "GM0363", 1'000'000), &root},
       {booo::testing::KeyRevokedBody("revoke-gm0363", root, municipality.KeyId()), &root},
       {booo::testing::CheckpointKeyRotatedBody("rotate-checkpoint-key", root, TestKey(4),
                                                "booo-ledger.test/fuzz-2"),
        &root}};

  std::string export_bytes = booo::ledger::kExportMagic;
  booo::ledger::CompactRange tree;
  for (size_t i = 0; i < events.size(); ++i) {
    const auto& [body, key] = events[i];
    const booo::testing::SignedBytes signed_bytes = booo::testing::Sign(body, *key);
    const std::string name = "seed-" + std::to_string(i);
    booo::v1::SignedEvent envelope;
    envelope.set_body(signed_bytes.body);
    envelope.set_signature(signed_bytes.signature);
    Write(out / "envelope", name, envelope.SerializeAsString());
    std::string json;
    if (!google::protobuf::util::MessageToJsonString(body, &json).ok()) return 1;
    Write(out / "event_json", name + ".json", json);
    const std::string leaf = Must(booo::ledger::EncodeLeaf(
        {i, 1'704'067'200'000'000 + static_cast<int64_t>(i), key->KeyId(), signed_bytes.body,
         signed_bytes.signature}));
    Write(out / "leaf", name, leaf);
    tree.Append(booo::ledger::HashLeaf(leaf));
    for (int shift = 24; shift >= 0; shift -= 8) {
      export_bytes.push_back(static_cast<char>((leaf.size() >> shift) & 0xff));
    }
    export_bytes += leaf;
    Write(out / "export_verify", "prefix-" + std::to_string(i + 1), export_bytes);
  }
  // One valid seed per payload kind for envelope_fuzzer (payload_table_test holds that every
  // payload has one), signed by the kind of key that may sign it.
  for (booo::v1::EventBody body : PayloadSeeds()) {
    const bool by_municipality = booo::ledger::RequiredRole(body) ==
                                 booo::ledger::SignerRole::kMunicipality;
    const auto& key = by_municipality ? municipality : root;
    body.set_signer_key_id(key.KeyId());
    body.set_stream(booo::ledger::ExpectedStream(body));
    const booo::testing::SignedBytes signed_bytes = booo::testing::Sign(body, key);
    booo::v1::SignedEvent envelope;
    envelope.set_body(signed_bytes.body);
    envelope.set_signature(signed_bytes.signature);
    Write(out / "envelope", "payload-" + booo::ledger::PayloadName(body),
          envelope.SerializeAsString());
  }
  for (const fs::path& file : JsonFiles(source / "tools/demo/events")) {
    Write(out / "event_json", "demo-" + file.filename().string(), Read(file));
  }

  // rule_book_fuzzer: the first byte chooses the format (0 rule book, 1 amendment, 2 budget).
  for (const char* book : {"booo-2022-2025.json", "controls-2022-2025.json"}) {
    Write(out / "rule_book", book, std::string(1, '\0') + Read(source / "replay/rulebook" / book));
  }
  for (const fs::path& file : JsonFiles(source / "tools/demo/proposals")) {
    Write(out / "rule_book", "proposal-" + file.filename().string(),
          std::string(1, '\1') + Read(file));
  }
  Write(out / "rule_book", "budget-2022-2027.json",
        std::string(1, '\2') + Read(source / "replay/rulebook/budget-2022-2027.json"));

  booo::ledger::Checkpoint c{"booo-ledger.test/fuzz", tree.size(), tree.Root(), {}};
  const std::string key_name = "booo-ledger.test/fuzz";
  Write(out / "checkpoint", "note", Must(booo::ledger::SignCheckpoint(c, key_name, checkpoint)));
  Write(out / "checkpoint", "body", booo::ledger::CheckpointBody(c));
  Write(out / "checkpoint", "verifier-key",
        booo::ledger::VerifierKeyString(key_name, checkpoint.PublicKey()));

  // witness_request_fuzzer: add-checkpoint bodies for a witness holding the tree of 10 leaves
  // "leaf 0".."leaf 9" of this log: consistent ones (cosigned), a fork, a stale one, junk.
  {
    booo::ledger::MemorySubtreeStore nodes;
    booo::ledger::CompactRange leaves;
    for (int i = 0; i < 20; ++i) {
      nodes.PutAll(leaves.Append(booo::ledger::HashLeaf("leaf " + std::to_string(i))));
    }
    const std::string note20 = Must(booo::ledger::SignCheckpoint(
        {key_name, 20, leaves.Root(), {}}, key_name, checkpoint));
    booo::ledger::AddCheckpointRequest grow{10, Must(booo::ledger::ConsistencyProof(nodes, 10, 20)),
                                            note20};
    Write(out / "witness_request", "grow-10-to-20", booo::ledger::FormatAddCheckpointRequest(grow));
    Write(out / "witness_request", "from-0", booo::ledger::FormatAddCheckpointRequest({0, {}, note20}));
    grow.proof[1][0] ^= 1;
    Write(out / "witness_request", "bad-proof", booo::ledger::FormatAddCheckpointRequest(grow));
    Write(out / "witness_request", "no-blank-line", "old 10\n" + note20);
  }

  // proof_fuzzer: three u64s (index, size, old size) then 32-byte hashes.
  for (int n : {3, 8, 17}) {
    std::string seed;
    for (int i = 0; i < 24 + 32 * n; ++i) seed.push_back(static_cast<char>((i * 37 + n) & 0xff));
    Write(out / "proof", "seed-" + std::to_string(n), seed);
  }
  std::cout << "wrote the seed corpus to " << out << "\n";
  return 0;
}
