// rebuild-projections: the projection ledgerd keeps across restarts (replay/kept/PROJECTION_FORMAT.md),
// rebuilt from the log alone, or checked against such a rebuild. Offline: ledgerd must be
// stopped (the ledger's directory is opened for writing, as ledgerd opens it).
#include <filesystem>
#include <iostream>

#include "google/protobuf/util/message_differencer.h"
#include "ledger/core/status_macros.h"
#include "ledger/storage/ledger.h"
#include "nlohmann/json.hpp"
#include "replay/kept/projection_store.h"
#include "services/ledger_event_log.h"
#include "services/wire/queries.h"
#include "tools/ledgerctl/commands.h"

namespace booo::ledgerctl {
namespace {

struct ProjectionArgs {
  std::string data_dir;
  std::string projection_dir;
  bool check = false;
};

std::string ProjectionDir(const ProjectionArgs& args) {
  return args.projection_dir.empty()
             ? (std::filesystem::path(args.data_dir) / "projection").string()
             : args.projection_dir;
}

double SecondsSince(absl::Time start) { return absl::ToDoubleSeconds(absl::Now() - start); }

absl::Status Rebuild(const replay::EventLog& log, replay::ProjectionStore& store) {
  const absl::Time started = absl::Now();
  RETURN_IF_ERROR(store.Clear());
  wire::Queries queries(&log);
  queries.state.SetKeptAnswers(&store);
  queries.grants.SetKeptAnswers(&store);
  RETURN_IF_ERROR(queries.state.CatchUp());
  absl::StatusOr<replay::ProjectionIndex> index =
      replay::ProjectionState::Reader(queries.state).ExportIndex(0);
  if (!index.ok()) return index.status();
  RETURN_IF_ERROR(store.AppendIndex(*index, log));
  const double index_seconds = SecondsSince(started);
  ASSIGN_OR_RETURN(wire::GrantsQueries::RefreshReport refreshed,
                   queries.grants.RefreshHeads([] { return true; }));
  if (refreshed.failed > 0) {
    std::cerr << "ledgerctl: " << refreshed.failed
              << " municipalities' answers cannot be computed; the first: "
              << refreshed.first_failure << "\n";
  }
  const size_t answers = refreshed.computed;
  std::cout << nlohmann::json{{"rebuilt", true},
                              {"events", index->entries.size()},
                              {"municipalities", index->codes.size()},
                              {"answers_computed", answers},
                              {"index_seconds", index_seconds},
                              {"seconds", SecondsSince(started)},
                              {"disk_bytes", store.DiskBytes()}}
                   .dump()
            << "\n";
  return absl::OkStatus();
}

// The kept projection against a rebuild from the log: the index it covers must be the
// rebuild's, event for event, and every answer kept for the log's current versions must be
// the answer the rebuild computes. FAILED_PRECONDITION naming the first difference.
absl::Status Check(const replay::EventLog& log, replay::ProjectionStore& store,
                   const std::string& dir) {
  const absl::Time started = absl::Now();
  ASSIGN_OR_RETURN(replay::ProjectionStore::Loaded loaded, store.LoadIndex(log));
  if (!loaded.found) {
    return absl::FailedPreconditionError(absl::StrCat("projection_dir: ", dir, " keeps nothing"));
  }
  if (!loaded.discarded.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the kept projection does not fit the log: ", loaded.discarded));
  }
  // The state a start would restore from it, against the state rebuilt from the log alone.
  wire::Queries kept(&log);
  RETURN_IF_ERROR(kept.state.Restore(loaded.index));
  ASSIGN_OR_RETURN(replay::ProjectionIndex restored,
                   replay::ProjectionState::Reader(kept.state).ExportIndex(0));
  wire::Queries rebuilt(&log);
  RETURN_IF_ERROR(rebuilt.state.CatchUp());
  ASSIGN_OR_RETURN(replay::ProjectionIndex fresh,
                   replay::ProjectionState::Reader(rebuilt.state).ExportIndex(0));
  const std::vector<replay::IndexEntry>& entries = restored.entries;
  loaded.index.codes = restored.codes;
  for (size_t s = 0; s < entries.size(); ++s) {
    if (!(entries[s] == fresh.entries[s])) {
      return absl::FailedPreconditionError(
          absl::StrCat("the kept index differs from the log's at sequence ", s));
    }
  }
  for (size_t n = 0; n < loaded.index.codes.size() && n < fresh.codes.size(); ++n) {
    if (loaded.index.codes[n] != fresh.codes[n]) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the kept index numbers municipality ", n, " as ", loaded.index.codes[n],
          ", the log as ", fresh.codes[n]));
    }
  }
  size_t equal = 0, stale = 0, other_version = 0;
  for (const auto& [code, year] : store.AnswerKeys()) {
    const std::optional<uint32_t> version = store.AnswerVersion(code, year);
    if (!version) {
      return absl::FailedPreconditionError(
          absl::StrCat("the kept answer for ", code, " ", year, " is damaged (its seal fails)"));
    }
    std::optional<replay::KeptAnswer> answer = store.Get(code, year);
    if (!answer) {
      ++other_version;
      continue;
    }
    bool current;
    std::vector<int32_t> years;
    {
      // The rebuild's reader only here: a query below takes the state's locks itself.
      replay::ProjectionState::Reader reader(rebuilt.state);
      current = answer->stream_version == reader.StreamSize(code) &&
                (year == replay::KeptAnswers::kYearsWithFacts ||
                 answer->rules_version == reader.rules().records().size());
      if (current && year == replay::KeptAnswers::kYearsWithFacts) {
        ASSIGN_OR_RETURN(years, reader.YearsWithFacts(code, {reader.position(), std::nullopt}));
      }
    }
    if (!current) {
      ++stale;
      continue;
    }
    const std::string where = absl::StrCat("the kept answer for ", code, " ", year);
    if (year == replay::KeptAnswers::kYearsWithFacts) {
      if (replay::DecodeKeptYears(answer->bytes) != years) {
        return absl::FailedPreconditionError(
            absl::StrCat("the kept years of ", code, " differ from the log's"));
      }
    } else {
      booo::v1::GetGrantRequest request;
      request.set_municipality_code(code);
      request.set_spending_year(year);
      request.set_trace_depth(2);
      ASSIGN_OR_RETURN(booo::v1::GetGrantResponse fresh_answer, rebuilt.grants.GetGrant(request));
      fresh_answer.clear_tree_size();
      fresh_answer.clear_known_at();
      booo::v1::GetGrantResponse kept_answer;
      if (!kept_answer.ParseFromString(answer->bytes) ||
          !google::protobuf::util::MessageDifferencer::Equals(kept_answer, fresh_answer)) {
        return absl::FailedPreconditionError(
            absl::StrCat(where, " differs from the log's (trace digest ",
                         kept_answer.trace_digest(), ", rebuilt ", fresh_answer.trace_digest(), ")"));
      }
    }
    ++equal;
  }
  std::cout << nlohmann::json{{"checked", true},
                              {"kept_events", entries.size()},
                              {"log_events", log.Size()},
                              {"index", "equal to the log's rebuild"},
                              {"answers_equal", equal},
                              {"answers_stale", stale},
                              {"answers_of_another_calculation", other_version},
                              {"seconds", SecondsSince(started)}}
                   .dump()
            << "\n";
  return absl::OkStatus();
}

absl::Status RebuildProjections(const ProjectionArgs& args) {
  ledger::SystemClock clock;
  ASSIGN_OR_RETURN(std::unique_ptr<ledger::Ledger> ledger,
                   ledger::Ledger::Open(args.data_dir, &clock));
  services::LedgerEventLog log(ledger.get());
  const std::string dir = ProjectionDir(args);
  if (args.check && !std::filesystem::exists(std::filesystem::path(dir) / "CURRENT")) {
    return absl::FailedPreconditionError(absl::StrCat("projection_dir: ", dir, " keeps nothing"));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<replay::ProjectionStore> store,
                   replay::ProjectionStore::Open(dir, {.discard_on_mismatch = !args.check}));
  return args.check ? Check(log, *store, dir) : Rebuild(log, *store);
}

}  // namespace

void AddProjectionCommands(CLI::App& app, int& exit_code) {
  CLI::App* rebuild = app.add_subcommand(
      "rebuild-projections",
      "rebuild the projection ledgerd keeps across restarts from the log alone (every answer "
      "computed anew), or with --check compare what is kept with such a rebuild and change "
      "nothing; ledgerd must be stopped");
  static ProjectionArgs args;
  rebuild->add_option("--data-dir", args.data_dir, "the ledger's data directory")->required();
  rebuild->add_option("--projection-dir", args.projection_dir,
                      "where the projection is kept (default <data-dir>/projection)");
  rebuild->add_flag("--check", args.check,
                    "compare, do not rebuild: exit 1 naming the first difference");
  rebuild->callback([&exit_code] { exit_code = Report(RebuildProjections(args)); });
}

}  // namespace booo::ledgerctl
