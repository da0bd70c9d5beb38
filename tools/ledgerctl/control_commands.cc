// signals, sisa, budget, mix: the Controls service's queries, against a server or (--export)
// offline against a verified export file. Text for people, JSON for machines, CSV for
// spreadsheets.
#include <iostream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
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

struct ControlArgs {
  std::string municipality;
  int year = 0;
  std::string rule;
  std::string min_severity;  // info, warning, high
  std::string as_of;
  std::string format = "text";
  OfflineSource offline;
  KnownAtArgs known_at;
};

std::string Sources(const google::protobuf::RepeatedPtrField<booo::v1::TraceSource>& sources) {
  std::vector<std::string> parts;
  for (const auto& s : sources) {
    parts.push_back(
        absl::StrCat(s.sequence(), ":", absl::BytesToHexString(s.leaf_hash()), ":", s.event_id()));
  }
  return absl::StrJoin(parts, "; ");
}

std::string SeverityText(booo::v1::Severity s) {
  switch (s) {
    case booo::v1::SEVERITY_HIGH:
      return "HIGH";
    case booo::v1::SEVERITY_WARNING:
      return "WARNING";
    default:
      return "INFO";
  }
}

absl::Status Signals(GrantBackend& backend, const ControlArgs& args) {
  booo::v1::ListSignalsRequest request;
  request.set_municipality_code(args.municipality);
  request.set_spending_year(args.year);
  request.set_rule(args.rule);
  if (!args.min_severity.empty()) {
    const std::string upper = absl::AsciiStrToUpper("SEVERITY_" + args.min_severity);
    booo::v1::Severity severity;
    if (!booo::v1::Severity_Parse(upper, &severity)) {
      return absl::InvalidArgumentError("--min-severity: give info, warning or high");
    }
    request.set_min_severity(severity);
  }
  if (!args.as_of.empty()) {
    ASSIGN_OR_RETURN(*request.mutable_as_of(), ParseDate(args.as_of, "--as-of"));
  }
  ASSIGN_OR_RETURN(*request.mutable_known_at(), args.known_at.ToProto());
  ASSIGN_OR_RETURN(booo::v1::ListSignalsResponse r, backend.ListSignals(request));
  if (args.format == "json") {
    std::cout << ProtoToJson(r) << "\n";
    return absl::OkStatus();
  }
  if (args.format == "csv") {
    std::cout << "case,rule,severity,municipality,spending_year,first_day,last_day,message,"
                 "figures,sources\r\n";
    for (const auto& s : r.signals()) {
      std::vector<std::string> figures;
      for (const auto& f : s.figures()) figures.push_back(absl::StrCat(f.name(), "=", f.text()));
      std::cout << s.case_id() << "," << s.rule() << "," << SeverityText(s.severity()) << ","
                << s.municipality_code()
                << "," << s.spending_year() << "," << ledger::FormatDate(s.period().first_day())
                << "," << ledger::FormatDate(s.period().last_day()) << ","
                << replay::CsvField(s.message()) << ","
                << replay::CsvField(absl::StrJoin(figures, "; ")) << ","
                << replay::CsvField(Sources(s.sources())) << "\r\n";
    }
    return absl::OkStatus();
  }
  std::cout << r.signals_size() << " signals in " << r.cases_size() << " cases, as of "
            << ledger::FormatDate(r.as_of()) << ", first " << r.tree_size() << " events\n";
  std::string current_case;
  for (const auto& s : r.signals()) {
    if (s.case_id() != current_case) {
      current_case = s.case_id();
      for (const auto& c : r.cases()) {
        if (c.case_id() != current_case) continue;
        std::cout << "\n== case " << c.case_id() << " (" << SeverityText(c.severity()) << "): "
                  << c.summary() << "\n";
      }
    }
    std::cout << "\n"
              << SeverityText(s.severity()) << "  " << s.rule() << "  " << s.municipality_code()
              << " " << s.spending_year() << " (" << ledger::FormatDate(s.period().first_day())
              << ".." << ledger::FormatDate(s.period().last_day()) << ")\n  " << s.message()
              << "\n";
    for (const auto& f : s.figures()) std::cout << "    " << f.name() << ": " << f.text() << "\n";
    for (const auto& rule : s.rules()) {
      std::cout << "    rule " << rule.parameter() << " = " << rule.value() << " (read from #"
                << rule.amendment_sequence() << ", " << rule.citation() << ")\n";
      for (const auto& origin : rule.set_by()) {
        std::cout << "      set by #" << origin.amendment_sequence() << ", " << origin.citation()
                  << " (published " << ledger::FormatDate(origin.publication_date())
                  << "): " << origin.source() << "\n";
      }
    }
    for (const auto& src : s.sources()) {
      std::cout << "    from #" << src.sequence() << " " << src.kind() << " " << src.event_id()
                << " leaf " << absl::BytesToHexString(src.leaf_hash()) << "\n";
    }
  }
  return absl::OkStatus();
}

absl::Status Sisa(GrantBackend& backend, const ControlArgs& args) {
  booo::v1::GetSisaFiguresRequest request;
  request.set_municipality_code(args.municipality);
  request.set_spending_year(args.year);
  ASSIGN_OR_RETURN(*request.mutable_known_at(), args.known_at.ToProto());
  ASSIGN_OR_RETURN(booo::v1::SisaFigures r, backend.GetSisaFigures(request));
  if (args.format == "json") {
    std::cout << ProtoToJson(r) << "\n";
    return absl::OkStatus();
  }
  const bool csv = args.format == "csv";
  if (csv) std::cout << "code,label,value,unit,shown,sources\r\n";
  if (!csv) {
    std::cout << "SiSa figures " << r.municipality_code() << " " << r.spending_year() << " (first "
              << r.tree_size() << " events)\n";
  }
  for (const auto& f : r.figures()) {
    const std::string shown = f.unit() == "cents" ? FormatEuros(f.value())
                                                  : replay::FormatCount(f.value()) + " " + f.unit();
    if (csv) {
      std::cout << f.code() << "," << replay::CsvField(f.label()) << "," << f.value() << ","
                << f.unit() << "," << replay::CsvField(shown) << ","
                << replay::CsvField(Sources(f.sources())) << "\r\n";
    } else {
      std::cout << absl::StrFormat("  %-36s %22s  (%d events)\n", f.code(), shown,
                                   f.sources_size());
    }
  }
  return absl::OkStatus();
}

absl::Status Budget(GrantBackend& backend, const ControlArgs& args) {
  booo::v1::GetBudgetExecutionRequest request;
  if (args.year != 0) request.add_years(args.year);
  ASSIGN_OR_RETURN(*request.mutable_known_at(), args.known_at.ToProto());
  ASSIGN_OR_RETURN(booo::v1::BudgetExecution r, backend.GetBudgetExecution(request));
  if (args.format == "json") {
    std::cout << ProtoToJson(r) << "\n";
    return absl::OkStatus();
  }
  std::cout << "budget execution, first " << r.tree_size() << " events\n";
  for (const auto& row : r.rows()) {
    std::cout << "\n"
              << row.year() << "  budget "
              << (row.budget_known() ? FormatEuros(row.budget_cents()) : std::string("unknown"))
              << (row.budget_known()
                      ? absl::StrCat(" (", row.budget_citation(), ", #", row.budget_sequence(), ")")
                      : "")
              << "\n  computed grants       " << FormatEuros(row.computed_grants_cents()) << " ("
              << row.municipalities() << " municipalities)"
              << "\n  determined grants     " << FormatEuros(row.determined_grants_cents()) << " ("
              << row.determinations() << " determinations)"
              << "\n  advances paid         " << FormatEuros(row.advances_cents())
              << "\n  voluntary repayments  " << FormatEuros(row.repayments_cents())
              << "\n  VAT-fund contribution " << FormatEuros(row.vat_fund_contribution_cents())
              << "\n  remaining             " << FormatEuros(row.remaining_cents()) << "\n";
  }
  return absl::OkStatus();
}

absl::Status Mix(GrantBackend& backend, const ControlArgs& args) {
  booo::v1::GetAccommodationMixRequest request;
  request.set_municipality_code(args.municipality);
  request.set_spending_year(args.year);
  ASSIGN_OR_RETURN(*request.mutable_known_at(), args.known_at.ToProto());
  ASSIGN_OR_RETURN(booo::v1::AccommodationMix r, backend.GetAccommodationMix(request));
  if (args.format == "json") {
    std::cout << ProtoToJson(r) << "\n";
    return absl::OkStatus();
  }
  std::cout << "code,month,regular_building,hotel,holiday_park,ship,other,total,"
               "expensive_share_basis_points\n";
  for (const auto& row : r.rows()) {
    std::cout << absl::StrFormat(
        "%s,%04d-%02d,%d,%d,%d,%d,%d,%d,%d\n", row.municipality_code(), row.month().year(),
        row.month().month(), row.regular_building_place_days(), row.hotel_place_days(),
        row.holiday_park_place_days(), row.ship_place_days(), row.other_place_days(),
        row.total_place_days(), row.expensive_share_basis_points());
  }
  return absl::OkStatus();
}

template <typename Fn>
CLI::App* Command(CLI::App& app, Globals& globals, int& exit_code, const char* name,
                  const char* help, std::shared_ptr<ControlArgs> args, Fn fn) {
  auto* c = app.add_subcommand(name, help);
  c->add_option("--format", args->format, "text, json or csv")->capture_default_str();
  AddOfflineOptions(*c, args->offline);
  AddKnownAtOptions(*c, args->known_at);
  c->callback([&globals, &exit_code, args, fn] {
    absl::StatusOr<std::unique_ptr<GrantBackend>> backend =
        GrantBackend::Open(globals.server, args->offline);
    exit_code = Report(backend.ok() ? fn(**backend, *args) : backend.status());
  });
  return c;
}

}  // namespace

void AddControlCommands(CLI::App& app, Globals& globals, int& exit_code) {
  auto signals = std::make_shared<ControlArgs>();
  auto* s = Command(app, globals, exit_code, "signals", "the ministry's control signals", signals,
                    Signals);
  s->add_option("--municipality", signals->municipality, "only this municipality");
  s->add_option("--year", signals->year, "only this spending year");
  s->add_option("--rule", signals->rule, "only this rule");
  s->add_option("--min-severity", signals->min_severity, "info, warning or high");
  s->add_option("--as-of", signals->as_of, "judge deadlines on this day (default: today)");

  auto sisa = std::make_shared<ControlArgs>();
  auto* f = Command(app, globals, exit_code, "sisa", "SiSa accountability figures", sisa, Sisa);
  f->add_option("--municipality", sisa->municipality, "GM + 4 digits")->required();
  f->add_option("--year", sisa->year, "spending year")->required();

  auto budget = std::make_shared<ControlArgs>();
  auto* b = Command(app, globals, exit_code, "budget", "budget execution per year", budget, Budget);
  b->add_option("--year", budget->year, "only this year");

  auto mix = std::make_shared<ControlArgs>();
  auto* m =
      Command(app, globals, exit_code, "mix", "GOO place-days by accommodation type", mix, Mix);
  m->add_option("--municipality", mix->municipality, "only this municipality");
  m->add_option("--year", mix->year, "spending year")->required();
}

}  // namespace booo::ledgerctl
