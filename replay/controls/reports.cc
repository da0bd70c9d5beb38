// Reports on the same facts as the grant: the SiSa accountability figures and the accommodation
// mix.
#include <algorithm>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "ledger/core/civil_date.h"
#include "replay/controls/controls_internal.h"
#include "replay/calc/money.h"
#include "replay/calc/parameters.h"
#include "replay/calc/trace.h"

namespace booo::replay {
namespace controls {

absl::StatusOr<std::map<std::pair<int32_t, int32_t>, booo::v1::AccommodationMixRow>> MonthlyMix(
    const steps::Context& ctx) {
  std::map<std::pair<int32_t, int32_t>, booo::v1::AccommodationMixRow> rows;
  for (const auto& [location_id, location] : steps::EffectivePlaces(ctx)) {
    for (const steps::PlaceRun& run : location.runs) {
      const auto type = run.declaration->body->goo_places_declared().accommodation_type();
      // Cut the run at month ends.
      for (int64_t day = run.first_day; day <= run.last_day;) {
        const booo::v1::CivilDate date = ledger::FromEpochDays(day);
        const int64_t month_last =
            day + ledger::DaysInMonth(date.year(), date.month()) - date.day();
        const int64_t last = std::min(run.last_day, month_last);
        ASSIGN_OR_RETURN_CONTROL(int64_t place_days,
                                 CheckedMul(run.places, last - day + 1, "place-days"));
        booo::v1::AccommodationMixRow& row = rows[{date.year(), date.month()}];
        row.set_municipality_code(ctx.input.municipality_code);
        row.mutable_month()->set_year(date.year());
        row.mutable_month()->set_month(date.month());
        auto add = [&](int64_t current) { return CheckedAdd(current, place_days, "place-days"); };
        switch (type) {
          case booo::v1::ACCOMMODATION_TYPE_REGULAR_BUILDING: {
            ASSIGN_OR_RETURN_CONTROL(int64_t v, add(row.regular_building_place_days()));
            row.set_regular_building_place_days(v);
            break;
          }
          case booo::v1::ACCOMMODATION_TYPE_HOTEL: {
            ASSIGN_OR_RETURN_CONTROL(int64_t v, add(row.hotel_place_days()));
            row.set_hotel_place_days(v);
            break;
          }
          case booo::v1::ACCOMMODATION_TYPE_HOLIDAY_PARK: {
            ASSIGN_OR_RETURN_CONTROL(int64_t v, add(row.holiday_park_place_days()));
            row.set_holiday_park_place_days(v);
            break;
          }
          case booo::v1::ACCOMMODATION_TYPE_SHIP: {
            ASSIGN_OR_RETURN_CONTROL(int64_t v, add(row.ship_place_days()));
            row.set_ship_place_days(v);
            break;
          }
          default: {
            ASSIGN_OR_RETURN_CONTROL(int64_t v, add(row.other_place_days()));
            row.set_other_place_days(v);
            break;
          }
        }
        ASSIGN_OR_RETURN_CONTROL(int64_t total, add(row.total_place_days()));
        row.set_total_place_days(total);
        day = last + 1;
      }
    }
  }
  for (auto& [month, row] : rows) {
    if (row.total_place_days() == 0) continue;
    const absl::int128 expensive = ExpensivePlaceDays(row);
    row.set_expensive_share_basis_points(
        static_cast<int32_t>(expensive * 10000 / row.total_place_days()));
  }
  return rows;
}

namespace {

void CollectSources(const TraceNode& node, std::vector<booo::v1::TraceSource>& out) {
  for (const auto& source : node.sources()) {
    const bool seen = std::any_of(out.begin(), out.end(), [&](const booo::v1::TraceSource& s) {
      return s.sequence() == source.sequence();
    });
    if (!seen) out.push_back(source);
  }
  for (const auto& child : node.children()) CollectSources(child, out);
}

void Figure(booo::v1::SisaFigures& out, const std::string& code, const std::string& label,
            int64_t value, const std::string& unit, const TraceNode* from) {
  booo::v1::SisaFigure* f = out.add_figures();
  f->set_code(code);
  f->set_label(label);
  f->set_value(value);
  f->set_unit(unit);
  if (from != nullptr) {
    std::vector<booo::v1::TraceSource> sources;
    CollectSources(*from, sources);
    std::sort(sources.begin(), sources.end(),
              [](const auto& a, const auto& b) { return a.sequence() < b.sequence(); });
    for (auto& s : sources) *f->add_sources() = std::move(s);
  }
}

// A node's amount; 0 when the trace has no such node.
int64_t Amount(const TraceNode* node) { return node == nullptr ? 0 : node->amount_cents(); }

}  // namespace
}  // namespace controls

booo::v1::SisaFigures ComputeSisaFigures(const GrantInput& input, const GrantComputation& grant) {
  using controls::Amount;
  using controls::Figure;
  std::vector<std::string> flags;
  const steps::Context ctx{input, flags};
  booo::v1::SisaFigures out;
  out.set_municipality_code(input.municipality_code);
  out.set_spending_year(input.scope.year);
  // Realised place-days and person-months inside the spending period: the quantities the
  // norm amounts were computed on. Bounded by validation (10^7 places × 366 days).
  int64_t place_days = 0;
  for (const auto& [id, location] : steps::EffectivePlaces(ctx)) {
    for (const auto& run : location.runs) {
      for (const auto& seg :
           input.rules->Segments(param::kSpendingPeriod, run.first_day, run.last_day)) {
        if (seg.entry != nullptr && seg.entry->value.flag()) {
          place_days += run.places * (seg.last_day - seg.first_day + 1);
        }
      }
    }
  }
  int64_t person_months = 0;
  for (const auto& [key, f] : steps::EffectivePersonMonths(ctx)) {
    const auto& m = f->body->poo_person_months_declared().month();
    if (input.rules->FlagOn(param::kSpendingPeriod,
                            controls::FirstDayOfMonth(m.year(), m.month()))) {
      person_months += f->body->poo_person_months_declared().persons_with_provision();
    }
  }
  const TraceNode& t = grant.trace;
  const TraceNode* norm = FindNode(t, "grant/a/norm");
  const TraceNode* exception = FindNode(t, "grant/a/exception_clause");
  Figure(out, "goo_place_days", "GOO realised place-days in the spending period", place_days,
         "place-days", norm);
  Figure(out, "goo_norm_amount", "GOO norm amount (category a)", Amount(norm), "cents", norm);
  Figure(
      out, "goo_exception_clause_actual_costs",
      "category-a actual costs under the exception clause (0: not applied)",
      exception != nullptr && exception->amount_cents() != 0 ? Amount(FindNode(t, "grant/a")) : 0,
      "cents", exception);
  Figure(out, "goo_living_allowance_actual", "GOO living allowance at actual cost",
         Amount(FindNode(t, "grant/goo_living_allowance")), "cents",
         FindNode(t, "grant/goo_living_allowance"));
  Figure(out, "poo_person_months", "POO person-months with a provision", person_months,
         "person-months", FindNode(t, "grant/cd"));
  Figure(out, "poo_norm_amount", "POO norm amount (categories c and d)",
         Amount(FindNode(t, "grant/cd")), "cents", FindNode(t, "grant/cd"));
  Figure(out, "poo_actual_costs", "POO living allowance and housing at actual cost (category b)",
         Amount(FindNode(t, "grant/b")), "cents", FindNode(t, "grant/b"));
  Figure(out, "transition_costs", "approved transition costs allocated to the year (category e)",
         Amount(FindNode(t, "grant/e")), "cents", FindNode(t, "grant/e"));
  int64_t fout = 0, onzeker = 0, readmitted = 0;
  const TraceNode* findings = FindNode(t, "grant/findings");
  const FactRecord* report = nullptr;
  for (const FactRecord* f : ctx.Facts(booo::v1::EventBody::kAccountabilityReportFiled)) {
    if (f->body->accountability_report_filed().spending_year() == input.scope.year) report = f;
  }
  if (report != nullptr && findings != nullptr) {
    for (const auto& finding : report->body->accountability_report_filed().findings()) {
      (finding.kind() == booo::v1::FINDING_KIND_FOUT ? fout : onzeker) += finding.amount_cents();
    }
    for (const auto& child : findings->children()) {
      if (const TraceNode* r = FindNode(child, child.key() + "/readmitted")) {
        readmitted += r->amount_cents();
      }
    }
  }
  Figure(out, "fout", "accountant's findings: errors (fout)", fout, "cents", findings);
  Figure(out, "onzeker", "accountant's findings: uncertainties (onzeker)", onzeker, "cents",
         findings);
  Figure(out, "hardship_readmitted", "re-admitted by hardship decisions", readmitted, "cents",
         findings);
  Figure(out, "voluntary_waiver", "voluntary waiver", -Amount(FindNode(t, "grant/waiver")), "cents",
         FindNode(t, "grant/waiver"));
  Figure(out, "grant", "the grant (computed)", grant.computed_grant_cents, "cents", &t);
  return out;
}

absl::StatusOr<std::vector<booo::v1::AccommodationMixRow>> ComputeAccommodationMix(
    const GrantInput& input) {
  std::vector<std::string> flags;
  const steps::Context ctx{input, flags};
  auto rows = controls::MonthlyMix(ctx);
  if (!rows.ok()) return rows.status();
  std::vector<booo::v1::AccommodationMixRow> out;
  for (auto& [month, row] : *rows) out.push_back(std::move(row));
  return out;
}

}  // namespace booo::replay
