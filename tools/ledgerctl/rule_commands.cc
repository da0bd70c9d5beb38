// load-rules and determine: the ministry's writes that come from the rule book and from the
// calculation.
#include <iostream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "ledger/core/civil_date.h"
#include "ledger/core/status_macros.h"
#include "replay/calc/money.h"
#include "replay/calc/trace.h"
#include "tools/ledgerctl/client.h"
#include "tools/ledgerctl/commands.h"
#include "tools/ledgerctl/grant_backend.h"
#include "tools/ledgerctl/grant_options.h"

namespace booo::ledgerctl {
namespace {

// Signs and appends every amendment of the rule book in file order. Event ids come from the
// book, so loading it twice is harmless: each retry returns the original receipt.
absl::Status LoadRules(const Globals& globals, const std::string& key_file,
                       const std::string& rulebook) {
  ASSIGN_OR_RETURN(ledger::Ed25519PrivateKey key, ledger::ReadPrivateKeyFile(key_file));
  ASSIGN_OR_RETURN(std::vector<RuleBookAmendment> book, ReadRuleBook(rulebook));
  auto stub = Connect(globals.server);
  for (const RuleBookAmendment& a : book) {
    booo::v1::EventBody body = a.ToEvent();
    absl::StatusOr<booo::v1::AppendResponse> response = SignAndAppend(*stub, body, key);
    if (!response.ok()) {
      return absl::Status(response.status().code(),
                          absl::StrCat(a.event_id, ": ", response.status().message()));
    }
    std::cout << "sequence " << response->receipt().sequence() << "  "
              << ledger::FormatDate(a.amendment.publication_date()) << "  "
              << a.amendment.citation().reference()
              << (response->duplicate() ? "  (already recorded)" : "") << "\n";
  }
  return absl::OkStatus();
}

// Signs and appends every line of a budget book, in file order; idempotent like load-rules.
absl::Status LoadBudget(const Globals& globals, const std::string& key_file,
                        const std::string& book_file) {
  ASSIGN_OR_RETURN(ledger::Ed25519PrivateKey key, ledger::ReadPrivateKeyFile(key_file));
  ASSIGN_OR_RETURN(std::vector<rulebook::BudgetBookLine> book, rulebook::ReadBudgetBook(book_file));
  auto stub = Connect(globals.server);
  for (const auto& line : book) {
    booo::v1::EventBody body;
    body.set_event_id(line.event_id);
    *body.mutable_budget_line_set() = line.line;
    absl::StatusOr<booo::v1::AppendResponse> response = SignAndAppend(*stub, body, key);
    if (!response.ok()) {
      return absl::Status(response.status().code(),
                          absl::StrCat(line.event_id, ": ", response.status().message()));
    }
    std::cout << "sequence " << response->receipt().sequence() << "  " << line.line.budget_year()
              << "  " << replay::FormatEuros(line.line.amount_cents()) << "  "
              << ledger::FormatDate(line.line.publication_date()) << "  "
              << line.line.citation().reference()
              << (response->duplicate() ? "  (already recorded)" : "") << "\n";
  }
  return absl::OkStatus();
}

struct DetermineArgs {
  std::string key;
  std::string municipality;
  int year = 0;
  std::string decision_date;  // default: today (UTC)
  std::string reference;
  std::string event_id;
  std::string supersedes;
};

// Computes the grant as the ledger holds it now and records it as the determination, with the
// trace digest and the digests of the trace's top nodes (for a later settlement replay). The
// append names the municipality's stream version the grant was computed at, so a declaration
// that lands in between makes the ledger refuse it (ABORTED); the grant is then computed again.
absl::Status Determine(const Globals& globals, const DetermineArgs& args) {
  ASSIGN_OR_RETURN(ledger::Ed25519PrivateKey key, ledger::ReadPrivateKeyFile(args.key));
  ASSIGN_OR_RETURN(std::unique_ptr<GrantBackend> backend, GrantBackend::Open(globals.server, OfflineSource{}));
  auto stub = Connect(globals.server);
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    booo::v1::GetGrantRequest request;
    request.set_municipality_code(args.municipality);
    request.set_spending_year(args.year);
    ASSIGN_OR_RETURN(booo::v1::GetGrantResponse grant, backend->GetGrant(request));

    booo::v1::EventBody body;
    body.set_event_id(args.event_id);
    body.set_supersedes_event_id(args.supersedes);
    body.set_expected_stream_version(grant.stream_version());
    auto* d = body.mutable_grant_determined();
    d->set_municipality_code(args.municipality);
    d->set_spending_year(args.year);
    d->set_amount_cents(grant.computed_grant_cents());
    d->set_trace_digest(grant.trace_digest());
    if (args.decision_date.empty()) {
      const absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
      d->mutable_decision_date()->set_year(static_cast<int>(today.year()));
      d->mutable_decision_date()->set_month(today.month());
      d->mutable_decision_date()->set_day(today.day());
    } else {
      ASSIGN_OR_RETURN(*d->mutable_decision_date(),
                       ParseDate(args.decision_date, "--decision-date"));
    }
    d->set_decision_reference(args.reference);
    for (auto& node : replay::Summarize(grant.trace(), 2)) *d->add_trace_summary() = node;

    absl::StatusOr<booo::v1::AppendResponse> response = SignAndAppend(*stub, body, key);
    if (absl::IsAborted(response.status()) && attempt < kAttempts) continue;
    if (!response.ok()) return response.status();
    std::cout << "determined " << args.municipality << " " << args.year << " at "
              << replay::FormatEuros(grant.computed_grant_cents()) << " (computed over the first "
              << grant.tree_size() << " events), trace digest "
              << absl::BytesToHexString(grant.trace_digest()) << "\n"
              << ReceiptToJson(*response).dump() << "\n";
    return absl::OkStatus();
  }
}

}  // namespace

void AddRuleCommands(CLI::App& app, Globals& globals, int& exit_code) {
  auto key = std::make_shared<std::string>();
  auto book = std::make_shared<std::string>();
  auto* load = app.add_subcommand("load-rules", "sign and append a rule book's amendments");
  load->add_option("--key", *key, "a ministry key file")->required();
  load->add_option("--rulebook", *book, "rule book JSON (replay/rulebook/...)")->required();
  load->callback(
      [&globals, key, book, &exit_code] { exit_code = Report(LoadRules(globals, *key, *book)); });

  auto budget_key = std::make_shared<std::string>();
  auto budget_book = std::make_shared<std::string>();
  auto* budget = app.add_subcommand("load-budget", "sign and append a budget book's lines");
  budget->add_option("--key", *budget_key, "a ministry key file")->required();
  budget->add_option("--book", *budget_book, "budget book JSON (replay/rulebook/...)")->required();
  budget->callback([&globals, budget_key, budget_book, &exit_code] {
    exit_code = Report(LoadBudget(globals, *budget_key, *budget_book));
  });

  auto args = std::make_shared<DetermineArgs>();
  auto* det = app.add_subcommand("determine", "record the determination of a computed grant");
  det->add_option("--key", args->key, "a ministry key file")->required();
  det->add_option("--municipality", args->municipality, "GM + 4 digits")->required();
  det->add_option("--year", args->year, "spending year")->required();
  det->add_option("--decision-date", args->decision_date, "YYYY-MM-DD (default: today, UTC)");
  det->add_option("--reference", args->reference, "the decision's reference")->required();
  det->add_option("--event-id", args->event_id, "event id (a retry with it is idempotent)")
      ->required();
  det->add_option("--supersedes", args->supersedes, "event id of a determination it corrects");
  det->callback([&globals, args, &exit_code] { exit_code = Report(Determine(globals, *args)); });
}

}  // namespace booo::ledgerctl
