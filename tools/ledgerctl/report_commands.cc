// dossier, report balances, report rules: the pages for auditors and the ministry, written as
// self-contained HTML files (tools/reports/), from a server or offline from an export.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "ledger/core/checkpoint.h"
#include "ledger/core/event_validation.h"
#include "ledger/core/export_file.h"
#include "ledger/core/leaf_format.h"
#include "ledger/core/status_macros.h"
#include "tools/ledgerctl/client.h"
#include "tools/ledgerctl/commands.h"
#include "tools/ledgerctl/dossier_evidence.h"
#include "tools/ledgerctl/grant_backend.h"
#include "tools/ledgerctl/grant_options.h"
#include "tools/reports/dossier_page.h"
#include "tools/reports/report_pages.h"

extern char** environ;

namespace booo::ledgerctl {
namespace {

std::string Now() {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone());
}

// The browser that prints PDFs: $BOOO_CHROMIUM, else the first of these on the PATH.
std::optional<std::string> FindChromium() {
  if (const char* set = std::getenv("BOOO_CHROMIUM"); set != nullptr && *set != '\0') {
    if (access(set, X_OK) == 0) return std::string(set);
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  for (absl::string_view dir : absl::StrSplit(path ? path : "", ':')) {
    for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
      std::filesystem::path candidate = std::filesystem::path(std::string(dir)) / name;
      if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
  }
  return std::nullopt;
}

// Prints `html_file` to `pdf_file` with headless Chromium. The page verifies itself before it
// is printed: virtual time runs until its scripts are idle, so the marks printed are the
// verification's, not "checking…".
absl::Status PrintToPdf(const std::string& html_file, const std::string& pdf_file) {
  std::optional<std::string> chromium = FindChromium();
  if (!chromium) {
    return absl::FailedPreconditionError(
        "--pdf: no Chromium found (install Debian's chromium, or set BOOO_CHROMIUM)");
  }
  const std::string url = "file://" + std::filesystem::absolute(html_file).string();
  const std::string pdf = std::filesystem::absolute(pdf_file).string();
  std::filesystem::remove(pdf);
  const std::string profile =
      (std::filesystem::temp_directory_path() / absl::StrCat("ledgerctl-pdf-", getpid())).string();
  std::vector<std::string> args = {*chromium, "--headless", "--disable-gpu",
                                   "--no-pdf-header-footer", "--no-first-run",
                                   "--user-data-dir=" + profile,
                                   "--virtual-time-budget=30000",
                                   "--print-to-pdf=" + pdf, url};
  // Chromium refuses to run as root with its sandbox; the page loads nothing but itself.
  if (geteuid() == 0) args.insert(args.begin() + 1, "--no-sandbox");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    return absl::UnavailableError(absl::StrCat("--pdf: cannot start ", *chromium));
  }
  int status = 0;
  waitpid(pid, &status, 0);
  std::error_code ignored;
  std::filesystem::remove_all(profile, ignored);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !std::filesystem::exists(pdf) ||
      std::filesystem::file_size(pdf) == 0) {
    return absl::UnavailableError(absl::StrCat("--pdf: ", *chromium, " did not print ", html_file));
  }
  return absl::OkStatus();
}

// Writes the page whole or not at all: a temporary file renamed into place.
absl::Status WritePage(const std::string& path, const std::string& html) {
  const std::string temporary = path + ".tmp";
  if (absl::Status written = WriteTextFile(temporary, html); !written.ok()) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    return absl::UnavailableError(absl::StrCat("--out: ", written.message()));
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    return absl::UnavailableError(absl::StrCat("--out: ", path, ": ", error.message()));
  }
  return absl::OkStatus();
}

struct DossierArgs {
  DossierRequest request;
  std::string out;
  std::string pdf;
};

absl::Status Dossier(const Globals& globals, DossierArgs args) {
  args.request.server = globals.server;
  // Refuse before writing anything when the PDF cannot be printed.
  if (!args.pdf.empty() && !FindChromium()) {
    return absl::FailedPreconditionError(
        "--pdf: no Chromium found (install Debian's chromium, or set BOOO_CHROMIUM)");
  }
  ASSIGN_OR_RETURN(reports::DossierInput input, GatherDossierEvidence(args.request));
  RETURN_IF_ERROR(WritePage(args.out, reports::RenderDossierPage(input)));
  if (!args.pdf.empty()) RETURN_IF_ERROR(PrintToPdf(args.out, args.pdf));
  const auto& s = input.settlement;
  std::cout << nlohmann::json{{"dossier", args.out},
                              {"determination", s.determination().event_id()},
                              {"verdict", s.verdict() == booo::v1::SETTLEMENT_VERDICT_MATCH
                                              ? "MATCH"
                                              : "MISMATCH"},
                              {"events", input.events.size()},
                              {"checkpoint_size", input.checkpoint.tree_size},
                              {"pdf", args.pdf.empty() ? nlohmann::json() : nlohmann::json(args.pdf)}}
                   .dump()
            << "\n";
  return absl::OkStatus();
}

struct BalancesPageArgs {
  BalancesArgs balances;
  std::string out;
};

absl::Status BalancesPage(const Globals& globals, const BalancesPageArgs& args) {
  ASSIGN_OR_RETURN(auto backend, GrantBackend::Open(globals.server, args.balances.offline));
  booo::v1::ListBalancesRequest request;
  request.set_spending_year(args.balances.year);
  ASSIGN_OR_RETURN(*request.mutable_known_at(), args.balances.known_at.ToProto());
  reports::BalancesReport report;
  ASSIGN_OR_RETURN(report.balances, backend->ListBalances(request));
  report.spending_year = args.balances.year;
  report.known_on = args.balances.known_at.business_date;
  report.source = args.balances.offline.export_file.empty()
                      ? "ledgerd at " + globals.server
                      : "export file " + args.balances.offline.export_file;
  report.generated_at = Now();
  RETURN_IF_ERROR(WritePage(args.out, reports::RenderBalancesPage(report)));
  std::cout << nlohmann::json{{"report", args.out},
                              {"rows", report.balances.rows_size()},
                              {"tree_size", report.balances.tree_size()}}
                   .dump()
            << "\n";
  return absl::OkStatus();
}

// Adds one event to the rules report when it is a rule amendment.
void CollectAmendment(uint64_t sequence, const std::string& body_bytes,
                      std::vector<reports::RecordedAmendment>& out) {
  booo::v1::EventBody body;
  if (!body.ParseFromString(body_bytes) || !body.has_rule_amended()) return;
  out.push_back({sequence, body.event_id(), body.supersedes_event_id(), body.rule_amended()});
}

// Drops every amendment a later one superseded (corrected or withdrawn): it is not law.
void DropSuperseded(std::vector<reports::RecordedAmendment>& amendments) {
  std::set<std::string> superseded;
  for (const auto& a : amendments) {
    if (!a.supersedes_event_id.empty()) superseded.insert(a.supersedes_event_id);
  }
  std::erase_if(amendments, [&](const auto& a) { return superseded.count(a.event_id) > 0; });
}

absl::Status RulesPage(const Globals& globals, const OfflineSource& offline,
                       const std::string& out) {
  reports::RulesReport report;
  if (!offline.export_file.empty()) {
    // Verified whole first, as every offline query is.
    RETURN_IF_ERROR(OpenVerifiedExport(offline).status());
    ASSIGN_OR_RETURN(auto reader, ledger::ExportFileReader::Open(offline.export_file));
    while (true) {
      ASSIGN_OR_RETURN(std::optional<std::string> bytes, reader->Next());
      if (!bytes) break;
      ASSIGN_OR_RETURN(ledger::Leaf leaf, ledger::DecodeLeaf(*bytes));
      CollectAmendment(leaf.sequence, leaf.body, report.amendments);
      report.tree_size = leaf.sequence + 1;
    }
    report.source = "export file " + offline.export_file;
  } else {
    auto stub = Connect(globals.server);
    ASSIGN_OR_RETURN(ledger::Checkpoint head, FetchVerifiedCheckpoint(*stub, "", nullptr));
    report.tree_size = head.tree_size;
    RETURN_IF_ERROR(ForEachStreamEvent(*stub, "rules", [&](const booo::v1::StoredEvent& e) {
      if (e.sequence() < head.tree_size) CollectAmendment(e.sequence(), e.body(), report.amendments);
      return absl::OkStatus();
    }));
    report.source = "ledgerd at " + globals.server;
  }
  DropSuperseded(report.amendments);
  if (report.amendments.empty()) {
    return absl::FailedPreconditionError("report rules: the ledger holds no rule amendments");
  }
  report.generated_at = Now();
  RETURN_IF_ERROR(WritePage(out, reports::RenderRulesPage(report)));
  std::cout << nlohmann::json{{"report", out},
                              {"amendments", report.amendments.size()},
                              {"tree_size", report.tree_size}}
                   .dump()
            << "\n";
  return absl::OkStatus();
}

}  // namespace

void AddReportCommands(CLI::App& app, Globals& globals, int& exit_code) {
  auto dossier = std::make_shared<DossierArgs>();
  auto* d = app.add_subcommand(
      "dossier", "one self-verifying HTML file with a determination's whole evidence");
  d->add_option("--determination", dossier->request.determination_event_id,
                "the determination's event id")
      ->required();
  d->add_option("--out", dossier->out, "the HTML file to write")->required();
  d->add_option("--pdf", dossier->pdf, "also print it to this PDF (headless Chromium)");
  d->add_option("--checkpoint-key", dossier->request.verifier_key,
                "trust this checkpoint key (or file) instead of the pinned or recorded one");
  AddOfflineOptions(*d, dossier->request.offline);
  d->callback([&globals, &exit_code, dossier] { exit_code = Report(Dossier(globals, *dossier)); });

  auto* report = app.add_subcommand("report", "pages for the ministry: balances, rules");
  report->require_subcommand(1);
  auto balances = std::make_shared<BalancesPageArgs>();
  auto* b = report->add_subcommand("balances", "all municipalities' balances: table and chart");
  b->add_option("--year", balances->balances.year, "only this spending year (default: all)");
  b->add_option("--out", balances->out, "the HTML file to write")->required();
  AddKnownAtOptions(*b, balances->balances.known_at);
  AddOfflineOptions(*b, balances->balances.offline);
  b->callback([&globals, &exit_code, balances] {
    exit_code = Report(BalancesPage(globals, *balances));
  });
  auto rules_offline = std::make_shared<OfflineSource>();
  auto rules_out = std::make_shared<std::string>();
  auto* r = report->add_subcommand("rules", "the rule timeline: each norm over time");
  r->add_option("--out", *rules_out, "the HTML file to write")->required();
  AddOfflineOptions(*r, *rules_offline);
  r->callback([&globals, &exit_code, rules_offline, rules_out] {
    exit_code = Report(RulesPage(globals, *rules_offline, *rules_out));
  });
}

}  // namespace booo::ledgerctl
