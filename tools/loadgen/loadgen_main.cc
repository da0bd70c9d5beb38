// ledger_loadgen: writes a realistic national ledger for benchmarks and stress runs.
//   ledger_loadgen --data-dir /tmp/national --seed 1                 (~3 million events)
//   ledger_loadgen --data-dir /tmp/small --municipalities 5 --locations 10
//       --days-per-declaration 7 --last-day 2022-06-30               (a smoke-sized one)
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "ledger/core/clock.h"
#include "nlohmann/json.hpp"
#include "tools/loadgen/national_ledger.h"
#include "replay/rulebook/rule_book.h"

int main(int argc, char** argv) {
  CLI::App app{"ledger_loadgen: a deterministic, signed national BooO ledger"};
  booo::loadgen::HistoryOptions history;
  booo::loadgen::LedgerWriteOptions write;
  std::string first_day = "2022-03-01", last_day = "2026-03-31";
  app.add_option("--data-dir", write.data_dir, "a new data directory")->required();
  app.add_option("--rulebook-dir", write.rulebook_dir, "the rule books (replay/rulebook)")
      ->default_val("replay/rulebook");
  app.add_option("--seed", history.seed, "the seed")->capture_default_str();
  app.add_option("--municipalities", history.municipalities)->capture_default_str();
  app.add_option("--locations", history.locations)->capture_default_str();
  app.add_option("--days-per-declaration", history.days_per_declaration,
                 "days each place declaration covers (1: daily)")
      ->capture_default_str();
  app.add_option("--first-day", first_day)->capture_default_str();
  app.add_option("--last-day", last_day)->capture_default_str();
  app.add_option("--signing-threads", write.signing_threads)->capture_default_str();
  app.add_flag("--compact", write.compact, "rewrite the storage files at the end");
  CLI11_PARSE(app, argc, argv);

  auto first = booo::rulebook::ParseDate(first_day, "--first-day");
  auto last = booo::rulebook::ParseDate(last_day, "--last-day");
  if (!first.ok() || !last.ok()) {
    std::cerr << "ledger_loadgen: " << (first.ok() ? last.status() : first.status()) << "\n";
    return 1;
  }
  history.first_day = *first;
  history.last_day = *last;
  // Nothing is dated after today: the ledger refuses facts from the future.
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
  history.end_day.set_year(static_cast<int>(today.year()));
  history.end_day.set_month(today.month());
  history.end_day.set_day(today.day());
  booo::ledger::SystemClock clock;
  auto report = booo::loadgen::WriteNationalLedger(history, write, &clock);
  if (!report.ok()) {
    std::cerr << "ledger_loadgen: " << report.status() << "\n";
    return 1;
  }
  std::cout << nlohmann::json{{"data_dir", write.data_dir},
                              {"events", report->events},
                              {"root", report->root_hex},
                              {"seconds", report->seconds},
                              {"events_per_second", report->events / report->seconds}}
                   .dump()
            << "\n";
  return 0;
}
