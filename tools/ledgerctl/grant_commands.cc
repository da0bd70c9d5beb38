// grant, balances, replay-settlement, simulate: the Grants service's queries, against a server
// or (--export) offline against a verified export file.
#include <iostream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/core/civil_date.h"
#include "ledger/core/status_macros.h"
#include "replay/calc/money.h"
#include "replay/calc/trace_render.h"
#include "tools/ledgerctl/client.h"
#include "tools/ledgerctl/commands.h"
#include "tools/ledgerctl/grant_backend.h"
#include "tools/ledgerctl/grant_options.h"

namespace booo::ledgerctl {
namespace {

using replay::FormatEuros;

// Right-aligns `text` in `width` columns, counting characters, not bytes ("€" is three).
std::string Pad(const std::string& text, size_t width) {
  size_t columns = 0;
  for (unsigned char c : text) columns += (c & 0xC0) != 0x80;
  return std::string(width > columns ? width - columns : 0, ' ') + text;
}

std::string DirectionText(booo::v1::BalanceDirection d) {
  switch (d) {
    case booo::v1::BALANCE_DIRECTION_TO_PAY:
      return "to pay to the municipality";
    case booo::v1::BALANCE_DIRECTION_TO_RECLAIM:
      return "to reclaim from the municipality";
    default:
      return "settled";
  }
}

void PrintGrantText(const booo::v1::GetGrantResponse& g, const std::string& trace_path) {
  std::cout << "municipality     " << g.municipality_code() << "\n"
            << "spending year    " << g.spending_year() << " (scope "
            << ledger::FormatDate(g.scope().first_day()) << ".."
            << ledger::FormatDate(g.scope().last_day()) << ")\n"
            << "ledger point     first " << g.tree_size() << " events"
            << (g.known_at().has_business_date()
                    ? absl::StrCat(", as known on ",
                                   ledger::FormatDate(g.known_at().business_date()))
                    : "")
            << "\n"
            << "computed grant   " << FormatEuros(g.computed_grant_cents()) << "\n";
  if (g.has_determination()) {
    std::cout << "determined       " << FormatEuros(g.determination().amount_cents())
              << " (sequence " << g.determination().sequence() << ", "
              << g.determination().decision_reference() << ")\n";
  } else {
    std::cout << "determined       not yet\n";
  }
  std::cout << "advances         " << FormatEuros(g.advances_cents()) << "\n"
            << "repayments       " << FormatEuros(g.repayments_cents()) << "\n"
            << "balance          " << FormatEuros(g.balance_cents()) << " ("
            << DirectionText(g.direction()) << ")\n"
            << "VAT fund         " << FormatEuros(g.vat_fund_contribution_cents())
            << " (ministry-level transfer, not deducted)\n"
            << "trace digest     " << absl::BytesToHexString(g.trace_digest()) << "\n";
  for (const std::string& flag : g.flags()) std::cout << "flag             " << flag << "\n";
  std::cout << "\n" << replay::RenderTraceText(g.trace(), trace_path);
  if (g.has_settlement()) std::cout << "\n" << replay::RenderTraceText(g.settlement());
}

absl::Status Grant(GrantBackend& backend, const GrantArgs& args) {
  booo::v1::GetGrantRequest request;
  request.set_municipality_code(args.municipality);
  request.set_spending_year(args.year);
  if (!args.scope_from.empty() || !args.scope_to.empty()) {
    ASSIGN_OR_RETURN(*request.mutable_scope()->mutable_first_day(),
                     ParseDate(args.scope_from, "--scope-from"));
    ASSIGN_OR_RETURN(*request.mutable_scope()->mutable_last_day(),
                     ParseDate(args.scope_to, "--scope-to"));
  }
  ASSIGN_OR_RETURN(*request.mutable_known_at(), args.known_at.ToProto());
  request.set_trace_depth(args.trace_depth);
  request.set_trace_path(args.trace_path);
  ASSIGN_OR_RETURN(booo::v1::GetGrantResponse g, backend.GetGrant(request));
  if (args.format == "json") {
    std::cout << ProtoToJson(g) << "\n";
  } else if (args.format == "csv") {
    std::cout << replay::RenderTraceCsv(g.trace());
  } else if (args.format == "digest") {
    std::cout << g.computed_grant_cents() << " " << absl::BytesToHexString(g.trace_digest())
              << "\n";
  } else {
    PrintGrantText(g, args.trace_path);
  }
  return absl::OkStatus();
}

absl::Status Balances(GrantBackend& backend, const BalancesArgs& args) {
  booo::v1::ListBalancesRequest request;
  request.set_spending_year(args.year);
  ASSIGN_OR_RETURN(*request.mutable_known_at(), args.known_at.ToProto());
  ASSIGN_OR_RETURN(booo::v1::ListBalancesResponse b, backend.ListBalances(request));
  if (args.format == "json") {
    std::cout << ProtoToJson(b) << "\n";
    return absl::OkStatus();
  }
  std::cout << absl::StrFormat("%-7s %4s", "code", "year") << Pad("computed", 17)
            << Pad("determined", 17) << Pad("advances", 17) << Pad("repayments", 17)
            << Pad("balance", 17) << Pad("VAT fund", 14) << "\n";
  for (const auto& r : b.rows()) {
    std::cout << absl::StrFormat("%-7s %4d", r.municipality_code(), r.spending_year())
              << Pad(FormatEuros(r.computed_grant_cents()), 17)
              << Pad(r.determined() ? FormatEuros(r.determined_grant_cents()) : "-", 17)
              << Pad(FormatEuros(r.advances_cents()), 17)
              << Pad(FormatEuros(r.repayments_cents()), 17)
              << Pad(FormatEuros(r.balance_cents()), 17)
              << Pad(FormatEuros(r.vat_fund_contribution_cents()), 14) << "\n";
  }
  const auto& t = b.totals();
  std::cout << "totals over " << t.municipalities() << " municipalities (" << t.determined()
            << " determinations), first " << b.tree_size() << " events:\n"
            << "  computed grants " << FormatEuros(t.computed_grant_cents()) << ", grants "
            << FormatEuros(t.grant_cents()) << ", advances " << FormatEuros(t.advances_cents())
            << ", repayments " << FormatEuros(t.repayments_cents()) << "\n"
            << "  to pay " << FormatEuros(t.to_pay_cents()) << ", to reclaim "
            << FormatEuros(t.to_reclaim_cents()) << ", VAT fund contribution "
            << FormatEuros(t.vat_fund_contribution_cents()) << "\n";
  return absl::OkStatus();
}

// Exit code 0 for MATCH; MISMATCH prints the differences and returns FAILED_PRECONDITION.
absl::Status Replay(GrantBackend& backend, int64_t sequence, const std::string& event_id,
                    const std::string& format) {
  booo::v1::ReplaySettlementRequest request;
  if (!event_id.empty()) {
    request.set_event_id(event_id);
  } else if (sequence >= 0) {
    request.set_sequence(static_cast<uint64_t>(sequence));
  } else {
    return absl::InvalidArgumentError("replay-settlement: give --sequence or --event-id");
  }
  ASSIGN_OR_RETURN(booo::v1::ReplaySettlementResponse r, backend.ReplaySettlement(request));
  if (format == "json") {
    std::cout << ProtoToJson(r) << "\n";
  } else {
    const bool match = r.verdict() == booo::v1::SETTLEMENT_VERDICT_MATCH;
    std::cout << (match ? "MATCH" : "MISMATCH") << ": determination #"
              << r.determination().sequence() << " (" << r.determination().event_id() << ") of "
              << r.municipality_code() << " " << r.spending_year() << "\n"
              << "  determined " << FormatEuros(r.determination().amount_cents()) << ", digest "
              << absl::BytesToHexString(r.determination().trace_digest()) << "\n"
              << "  replayed   " << FormatEuros(r.replayed_amount_cents()) << ", digest "
              << absl::BytesToHexString(r.replayed_trace_digest()) << "\n"
              << "  as the ledger held it before sequence " << r.tree_size() << "\n";
    for (const auto& reason : r.reasons()) std::cout << "  reason: " << reason << "\n";
    for (const auto& d : r.differences()) {
      std::cout << "  differs: " << d.path() << " (" << d.change() << "): determined "
                << FormatEuros(d.recorded_amount_cents()) << ", replayed "
                << FormatEuros(d.replayed_amount_cents()) << "\n";
    }
  }
  if (r.verdict() != booo::v1::SETTLEMENT_VERDICT_MATCH) {
    return absl::FailedPreconditionError("the settlement does not replay to what was determined");
  }
  return absl::OkStatus();
}

absl::Status Simulate(GrantBackend& backend, const SimulateArgs& args) {
  booo::v1::SimulateAmendmentRequest request;
  ASSIGN_OR_RETURN(*request.mutable_amendment(), ReadAmendmentFile(args.amendment_file));
  for (int year : args.years) request.add_spending_years(year);
  ASSIGN_OR_RETURN(*request.mutable_known_at(), args.known_at.ToProto());
  ASSIGN_OR_RETURN(booo::v1::SimulateAmendmentResponse r, backend.SimulateAmendment(request));
  if (args.format == "json") {
    std::cout << ProtoToJson(r) << "\n";
    return absl::OkStatus();
  }
  std::cout << absl::StrFormat("%-7s %4s", "code", "year") << Pad("baseline", 17)
            << Pad("simulated", 17) << Pad("delta", 17) << "\n";
  for (const auto& row : r.rows()) {
    std::cout << absl::StrFormat("%-7s %4d", row.municipality_code(), row.spending_year())
              << Pad(FormatEuros(row.baseline_cents()), 17)
              << Pad(FormatEuros(row.simulated_cents()), 17)
              << Pad(FormatEuros(row.delta_cents()), 17) << "\n";
  }
  std::cout << absl::StrFormat("%-12s", "total") << Pad(FormatEuros(r.baseline_total_cents()), 17)
            << Pad(FormatEuros(r.simulated_total_cents()), 17)
            << Pad(FormatEuros(r.delta_total_cents()), 17) << "\n";
  const std::string point =
      absl::StrCat("the first ", r.admission_tree_size(), " events",
                   r.has_admission_known_on()
                       ? absl::StrCat(", as known on ", ledger::FormatDate(r.admission_known_on()))
                       : std::string());
  if (!r.admission_refusal().empty()) {
    std::cout << "the ledger would refuse this amendment (judged at " << point
              << "): " << r.admission_refusal() << "\n";
  } else {
    std::cout << "the ledger would admit this amendment (judged at " << point << ")\n";
  }
  return absl::OkStatus();
}

template <typename Fn>
void Run(const Globals& globals, const OfflineSource& offline, int& exit_code, Fn fn) {
  absl::StatusOr<std::unique_ptr<GrantBackend>> backend = GrantBackend::Open(globals.server, offline);
  exit_code = Report(backend.ok() ? fn(**backend) : backend.status());
}

}  // namespace

void AddGrantCommands(CLI::App& app, Globals& globals, int& exit_code) {
  auto grant = std::make_shared<GrantArgs>();
  auto* g = app.add_subcommand("grant", "a municipality's grant, balance and trace");
  g->add_option("--municipality", grant->municipality, "GM + 4 digits")->required();
  g->add_option("--year", grant->year, "spending year")->required();
  g->add_option("--scope-from", grant->scope_from, "valid-time scope start YYYY-MM-DD");
  g->add_option("--scope-to", grant->scope_to, "valid-time scope end YYYY-MM-DD (inclusive)");
  g->add_option("--format", grant->format, "text, json, csv or digest")->capture_default_str();
  AddOfflineOptions(*g, grant->offline);
  g->add_option("--trace-depth", grant->trace_depth,
                "levels of the trace to show below each node shown (0: all)");
  g->add_option("--trace-path", grant->trace_path,
                "show only this node of the grant's trace, e.g. grant/a/norm");
  AddKnownAtOptions(*g, grant->known_at);
  g->callback([&globals, grant, &exit_code] {
    Run(globals, grant->offline, exit_code, [&](GrantBackend& b) { return Grant(b, *grant); });
  });

  auto balances = std::make_shared<BalancesArgs>();
  auto* b = app.add_subcommand("balances", "every municipality's grant and balance, with totals");
  b->add_option("--year", balances->year, "only this spending year (default: all)");
  b->add_option("--format", balances->format, "text or json")->capture_default_str();
  AddOfflineOptions(*b, balances->offline);
  AddKnownAtOptions(*b, balances->known_at);
  b->callback([&globals, balances, &exit_code] {
    Run(globals, balances->offline, exit_code,
        [&](GrantBackend& backend) { return Balances(backend, *balances); });
  });

  auto sequence = std::make_shared<int64_t>(-1);
  auto event_id = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("text");
  auto offline = std::make_shared<OfflineSource>();
  auto* r = app.add_subcommand("replay-settlement",
                               "recompute a determination as known when it was recorded");
  r->add_option("--sequence", *sequence, "the determination's sequence");
  r->add_option("--event-id", *event_id, "the determination's event id");
  r->add_option("--format", *format, "text or json")->capture_default_str();
  AddOfflineOptions(*r, *offline);
  r->callback([&globals, sequence, event_id, format, offline, &exit_code] {
    Run(globals, *offline, exit_code,
        [&](GrantBackend& backend) { return Replay(backend, *sequence, *event_id, *format); });
  });

  auto simulate = std::make_shared<SimulateArgs>();
  auto* s = app.add_subcommand("simulate", "impact of a proposed rule amendment (never written)");
  s->add_option("--amendment", simulate->amendment_file,
                "the proposal: a rule book amendment as JSON (see replay/rulebook)")
      ->required();
  s->add_option("--year", simulate->years, "spending years (default: those it touches)");
  s->add_option("--format", simulate->format, "text or json")->capture_default_str();
  AddOfflineOptions(*s, simulate->offline);
  AddKnownAtOptions(*s, simulate->known_at);
  s->callback([&globals, simulate, &exit_code] {
    Run(globals, simulate->offline, exit_code,
        [&](GrantBackend& backend) { return Simulate(backend, *simulate); });
  });
}

}  // namespace booo::ledgerctl
