// Properties of the grant calculation over many generated histories (fixed seeds, so every
// run checks the same cases and a failure reproduces):
// - splitting a declaration's range into pieces never changes the total;
// - a known-at point before an event never sees it;
// - the trace's leaves always add up to its root.
#include <random>

#include "gtest/gtest.h"
#include "ledger/core/civil_date.h"
#include "ledger/core/event_validation.h"
#include "replay/calc/grant_calculation.h"
#include "replay/calc/trace.h"
#include "tests/support/event_factory.h"
#include "tests/support/grant_scenario.h"

namespace booo::replay {
namespace {

using booo::testing::GrantScenario;
constexpr char kCode[] = "GM0014";

booo::v1::CivilDate DayAt(int64_t epoch_day) { return ledger::FromEpochDays(epoch_day); }

int64_t Uniform(std::mt19937_64& rng, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

// A random history for one municipality: declarations, person-months, allowances, advances,
// corrections; business dates after the facts they are about.
std::vector<booo::v1::EventBody> RandomHistory(std::mt19937_64& rng, int events) {
  std::vector<booo::v1::EventBody> out;
  const int64_t first = ledger::ToEpochDays(booo::testing::Day(2022, 1, 1));
  const int64_t last = ledger::ToEpochDays(booo::testing::Day(2025, 12, 31));
  std::vector<std::pair<std::string, booo::v1::CivilDate>> open_declarations;
  for (int i = 0; i < events; ++i) {
    const std::string id = "e" + std::to_string(i);
    const int64_t a = Uniform(rng, first, last);
    const int64_t b = std::min(last, a + Uniform(rng, 0, 400));
    const auto received = DayAt(b + Uniform(rng, 1, 60));
    switch (Uniform(rng, 0, 4)) {
      case 0:
      case 1: {
        auto body = booo::testing::GooPlaces(id, kCode, "L" + std::to_string(Uniform(rng, 1, 3)),
                                             DayAt(a), DayAt(b), Uniform(rng, 0, 500), received);
        // A correction, as the ledger allows it: of a declaration not corrected yet, and
        // received no earlier than what it corrects.
        if (!open_declarations.empty() && Uniform(rng, 0, 3) == 0) {
          const size_t pick = Uniform(rng, 0, open_declarations.size() - 1);
          const auto& [target, target_received] = open_declarations[pick];
          body = booo::testing::Correcting(body, target);
          if (ledger::CompareDates(received, target_received) < 0) {
            *body.mutable_goo_places_declared()->mutable_received_date() = target_received;
          }
          open_declarations.erase(open_declarations.begin() + pick);
        }
        open_declarations.emplace_back(id, body.goo_places_declared().received_date());
        out.push_back(body);
        break;
      }
      case 2: {
        const auto d = DayAt(a);
        const int64_t registered = Uniform(rng, 0, 300);
        out.push_back(booo::testing::PooMonth(id, kCode, d.year(), d.month(), registered,
                                              Uniform(rng, 0, registered), received));
        break;
      }
      case 3: {
        const auto d = DayAt(a);
        booo::v1::CivilDate end = d;
        end.set_day(ledger::DaysInMonth(d.year(), d.month()));
        out.push_back(booo::testing::LivingAllowance(
            id, kCode,
            Uniform(rng, 0, 1) ? booo::v1::RECEPTION_KIND_GOO : booo::v1::RECEPTION_KIND_POO,
            booo::v1::ALLOWANCE_COMPONENT_LIVING_ALLOWANCE, d, end, Uniform(rng, 0, 5'000'000),
            received));
        break;
      }
      default:
        out.push_back(booo::testing::Advance(id, kCode, DayAt(a).year(),
                                             Uniform(rng, 1, 90'000'000), received));
    }
  }
  return out;
}

void AddAll(GrantScenario& s, const std::vector<booo::v1::EventBody>& bodies) {
  for (const auto& body : bodies) s.Add(body);
}

int64_t SumOfLeaves(const TraceNode& node) {
  if (node.children().empty()) return node.amount_cents();
  int64_t sum = 0;
  for (const auto& child : node.children()) sum += SumOfLeaves(child);
  return sum;
}

bool AllSourcesBefore(const TraceNode& node, uint64_t tree_size) {
  for (const auto& s : node.sources()) {
    if (s.sequence() >= tree_size) return false;
  }
  for (const auto& r : node.rules()) {
    if (r.amendment_sequence() >= tree_size) return false;
  }
  for (const auto& child : node.children()) {
    if (!AllSourcesBefore(child, tree_size)) return false;
  }
  return true;
}

TEST(GrantPropertiesTest, SplittingADeclarationRangeNeverChangesTheTotal) {
  std::mt19937_64 rng(20221015);
  const int64_t first = ledger::ToEpochDays(booo::testing::Day(2022, 1, 1));
  const int64_t last = ledger::ToEpochDays(booo::testing::Day(2025, 12, 31));
  for (int round = 0; round < 200; ++round) {
    const int64_t a = Uniform(rng, first, last);
    const int64_t b = std::min(last, a + Uniform(rng, 0, 900));
    const int64_t places = Uniform(rng, 1, 2000);
    GrantScenario whole = GrantScenario::WithRuleBook();
    whole.Add(booo::testing::GooPlaces("w", kCode, "L1", DayAt(a), DayAt(b), places, DayAt(b + 1)));
    GrantScenario split = GrantScenario::WithRuleBook();
    int64_t from = a;
    for (int piece = 0; from <= b; ++piece) {
      const int64_t to = std::min(b, from + Uniform(rng, 0, 120));
      split.Add(booo::testing::GooPlaces("s" + std::to_string(piece), kCode, "L1", DayAt(from),
                                         DayAt(to), places, DayAt(b + 1)));
      from = to + 1;
    }
    for (int32_t year = DayAt(a).year(); year <= DayAt(b).year(); ++year) {
      auto w = whole.Compute(kCode, year);
      auto s = split.Compute(kCode, year);
      ASSERT_TRUE(w.ok() && s.ok());
      ASSERT_EQ(w->computed_grant_cents, s->computed_grant_cents)
          << "round " << round << " year " << year;
      ASSERT_EQ(w->vat_fund_cents, s->vat_fund_cents) << "round " << round;
    }
  }
}

TEST(GrantPropertiesTest, AKnownAtPointBeforeAnEventNeverSeesIt) {
  std::mt19937_64 rng(20240101);
  for (int round = 0; round < 40; ++round) {
    const std::vector<booo::v1::EventBody> history = RandomHistory(rng, 40);
    GrantScenario s = GrantScenario::WithRuleBook();
    const uint64_t rules = s.size();
    AddAll(s, history);
    // As recorded at `cut`: exactly what a ledger holding only the first `cut` events gives,
    // to the digest, and no trace node cites a later event.
    const uint64_t cut = Uniform(rng, rules, s.size());
    GrantScenario truncated = GrantScenario::WithRuleBook();
    AddAll(truncated, {history.begin(), history.begin() + (cut - rules)});
    // As known on a business day: the same amounts as a history without the events whose
    // business date lies after it.
    const auto day = DayAt(Uniform(rng, ledger::ToEpochDays(booo::testing::Day(2022, 1, 1)),
                                   ledger::ToEpochDays(booo::testing::Day(2026, 3, 1))));
    GrantScenario known = GrantScenario::WithRuleBook();
    for (const auto& body : history) {
      if (ledger::CompareDates(*ledger::BusinessDate(body), day) <= 0) known.Add(body);
    }
    for (int32_t year = 2022; year <= 2025; ++year) {
      auto at_cut = s.Compute(kCode, Scope::Year(year), KnownAt{cut, std::nullopt});
      auto only_before = truncated.Compute(kCode, year);
      ASSERT_TRUE(at_cut.ok() && only_before.ok());
      EXPECT_EQ(at_cut->trace.digest(), only_before->trace.digest()) << "round " << round;
      EXPECT_EQ(at_cut->settlement.digest(), only_before->settlement.digest());
      EXPECT_TRUE(AllSourcesBefore(at_cut->trace, cut)) << "round " << round;
      auto on_day =
          s.Compute(kCode, Scope::Year(year), KnownAt{s.size(), ledger::ToEpochDays(day)});
      // The rule book's amendments have their own publication dates, so compare with the
      // filtered history at the same business day.
      auto filtered =
          known.Compute(kCode, Scope::Year(year), KnownAt{known.size(), ledger::ToEpochDays(day)});
      ASSERT_TRUE(on_day.ok() && filtered.ok());
      EXPECT_EQ(on_day->computed_grant_cents, filtered->computed_grant_cents) << "round " << round;
      EXPECT_EQ(on_day->balance_cents, filtered->balance_cents) << "round " << round;
    }
  }
}

TEST(GrantPropertiesTest, TheTracesLeavesAlwaysSumToItsRoot) {
  std::mt19937_64 rng(19637);
  for (int round = 0; round < 60; ++round) {
    GrantScenario s = GrantScenario::WithRuleBook();
    AddAll(s, RandomHistory(rng, 60));
    for (int32_t year = 2022; year <= 2025; ++year) {
      auto c = s.Compute(kCode, year);
      ASSERT_TRUE(c.ok()) << c.status();
      for (const TraceNode* tree : {&c->trace, &c->settlement, &c->vat_fund}) {
        EXPECT_EQ(SumOfLeaves(*tree), tree->amount_cents()) << "round " << round;
        EXPECT_TRUE(CheckSums(*tree).ok());
      }
      EXPECT_EQ(c->trace.amount_cents(), c->computed_grant_cents);
      EXPECT_EQ(c->settlement.amount_cents(), c->balance_cents);
    }
  }
}

}  // namespace
}  // namespace booo::replay
