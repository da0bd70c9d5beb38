// booo_pg_export: the PostgreSQL baseline's input, from a ledger data directory.
//   booo_pg_export --data-dir D --out-dir O
// writes, for tools/bench/postgres_baseline.sh:
//   O/events.csv    every event as a ministry would store it in a plain append-only table: its
//                   sequence, id, stream, body as JSON (the proto mapping) and as the signed
//                   bytes, signature, and a
//                   hash chain, hash = SHA-256(previous hash || body bytes || signature),
//                   starting from 32 zero bytes;
//   O/goo_norm.csv  the GOO norm per day in cents as the rules stand at the head (0 on days
//                   outside the spending period), which the SQL grant joins;
//   O/expected.csv  this ledger's own figure for the same quantity (the trace node grant/a/norm:
//                   realised place-days × norm) for a sample of municipalities and years, so
//                   the baseline is checked to compute the same thing before it is timed.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/core/civil_date.h"
#include "ledger/core/crypto.h"
#include "ledger/core/event_validation.h"
#include "ledger/storage/ledger.h"
#include "ledger/core/status_macros.h"
#include "replay/calc/facts.h"
#include "services/wire/queries.h"
#include "replay/calc/rule_timeline.h"
#include "replay/calc/trace.h"
#include "services/ledger_event_log.h"

namespace booo::bench {
namespace {

std::string CsvQuoted(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string Bytea(absl::string_view bytes) {
  return absl::StrCat("\\x", absl::BytesToHexString(bytes));
}

absl::Status Export(const std::string& data_dir, const std::string& out_dir) {
  std::filesystem::create_directories(out_dir);
  ledger::SystemClock clock;
  ASSIGN_OR_RETURN(std::unique_ptr<ledger::Ledger> ledger, ledger::Ledger::Open(data_dir, &clock));
  const uint64_t size = ledger->Head().size;

  std::ofstream events(std::filesystem::path(out_dir) / "events.csv");
  replay::StreamRecords rules;
  std::string previous(32, '\0');
  google::protobuf::util::JsonPrintOptions json_options;
  json_options.preserve_proto_field_names = false;
  RETURN_IF_ERROR(ledger->ScanEvents(
      0, size, [&](const ledger::LeafView& leaf, const ledger::Hash&) -> absl::Status {
        ASSIGN_OR_RETURN(booo::v1::EventBody body, ledger::ParseEventBody(leaf.body));
        std::string json;
        if (!google::protobuf::util::MessageToJsonString(body, &json, json_options).ok()) {
          return absl::InternalError(absl::StrCat("sequence ", leaf.sequence, ": no JSON"));
        }
        const std::string hash =
            ledger::Sha256Bytes(absl::StrCat(previous, leaf.body, leaf.signature));
        events << leaf.sequence << ',' << CsvQuoted(body.event_id()) << ','
               << CsvQuoted(body.stream()) << ',' << CsvQuoted(json) << ',' << Bytea(leaf.body)
               << ',' << Bytea(leaf.signature) << ',' << Bytea(previous) << ',' << Bytea(hash)
               << '\n';
        previous = hash;
        if (body.has_rule_amended()) {
          replay::EventRef ref;
          ref.sequence = leaf.sequence;
          ref.event_id = body.event_id();
          ref.business_day = ledger::ToEpochDays(body.rule_amended().publication_date());
          rules.Add(std::move(ref), std::move(body));
        }
        return absl::OkStatus();
      }));
  events.close();

  const replay::RuleTimeline timeline(
      replay::SelectCurrent(rules.records(), replay::KnownAt{size, std::nullopt}));
  std::ofstream norms(std::filesystem::path(out_dir) / "goo_norm.csv");
  for (int64_t day = ledger::ToEpochDays(ledger::MakeDate(2022, 1, 1));
       day <= ledger::ToEpochDays(ledger::MakeDate(2026, 12, 31)); ++day) {
    const replay::RuleEntry* rate = timeline.ValueOn("goo_norm_per_place_day", day);
    const replay::RuleEntry* period = timeline.ValueOn("spending_period", day);
    const bool eligible = period != nullptr && period->value.flag();
    norms << ledger::FormatDate(ledger::FromEpochDays(day)) << ','
          << (eligible && rate != nullptr ? rate->value.amount_cents() : 0) << '\n';
  }
  norms.close();

  services::LedgerEventLog log(ledger.get());
  wire::Queries queries(&log);
  RETURN_IF_ERROR(queries.state.CatchUp());
  std::ofstream expected(std::filesystem::path(out_dir) / "expected.csv");
  for (int m = 1; m <= 5; ++m) {
    for (int year = 2022; year <= 2024; ++year) {
      booo::v1::GetGrantRequest request;
      request.set_municipality_code(absl::StrFormat("GM%04d", m));
      request.set_spending_year(year);
      absl::StatusOr<booo::v1::GetGrantResponse> grant = queries.grants.GetGrant(request);
      if (absl::IsNotFound(grant.status())) continue;
      RETURN_IF_ERROR(grant.status());
      const booo::v1::TraceNode* norm = replay::FindNode(grant->trace(), "grant/a/norm");
      expected << request.municipality_code() << ',' << year << ','
               << (norm == nullptr ? 0 : norm->amount_cents()) << '\n';
    }
  }
  ledger->Shutdown();
  std::cout << absl::StrFormat("exported %d events to %s\n", size, out_dir);
  return absl::OkStatus();
}

}  // namespace
}  // namespace booo::bench

int main(int argc, char** argv) {
  CLI::App app{"booo_pg_export: the PostgreSQL baseline's input from a ledger"};
  std::string data_dir, out_dir;
  app.add_option("--data-dir", data_dir)->required();
  app.add_option("--out-dir", out_dir)->required();
  CLI11_PARSE(app, argc, argv);
  if (absl::Status s = booo::bench::Export(data_dir, out_dir); !s.ok()) {
    std::cerr << "booo_pg_export: " << s << "\n";
    return 1;
  }
  return 0;
}
