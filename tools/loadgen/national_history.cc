#include "tools/loadgen/national_history.h"

#include <algorithm>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ledger/core/civil_date.h"
#include "ledger/core/event_validation.h"

namespace booo::loadgen {
namespace {

using booo::v1::CivilDate;
using booo::v1::EventBody;
using ledger::FromEpochDays;
using ledger::ToEpochDays;

struct Location {
  std::string id;
  int municipality;
  booo::v1::AccommodationType type;
  int64_t capacity;
  int64_t open_day;   // first day with places
  int64_t close_day;  // last day with places
  int64_t occupancy_per_mille;
};

struct Municipality {
  std::string code;
  int64_t poo_persons;  // persons in private reception, drifting
};

// One generator per purpose and day, so the history does not shift when a scale option changes.
std::mt19937_64 Rng(uint64_t seed, uint64_t purpose, int64_t day) {
  std::seed_seq seq{seed, purpose, static_cast<uint64_t>(day)};
  return std::mt19937_64(seq);
}

int64_t Uniform(std::mt19937_64& rng, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

EventBody Envelope(const std::string& id, const std::string& code, const CivilDate& business) {
  EventBody body;
  body.set_event_id(id);
  body.set_stream(ledger::MunicipalityStream(code));
  // The client time is part of the signed bytes: derived from the business date, never the clock.
  body.set_client_time_micros((ToEpochDays(business) * 86'400 + 43'200) * 1'000'000);
  return body;
}

class History {
 public:
  History(const HistoryOptions& o, const std::function<absl::Status(PlannedEvent)>& emit)
      : o_(o), emit_(emit) {}

  absl::Status Run();

 private:
  absl::Status Emit(EventBody body, int municipality) {
    ++count_;
    return emit_(PlannedEvent{std::move(body), municipality, today_});
  }
  void Plan();
  absl::Status Day(int64_t day);
  absl::Status Places(int64_t day);
  absl::Status Monthly(int64_t day, const CivilDate& date);
  absl::Status Yearly(int64_t day, const CivilDate& date);

  const HistoryOptions& o_;
  const std::function<absl::Status(PlannedEvent)>& emit_;
  std::vector<Municipality> municipalities_;
  std::vector<Location> locations_;
  std::vector<bool> registered_;  // by location: its capacity registration was emitted
  // Place declarations to correct later: (day to correct on, the original).
  std::vector<std::pair<int64_t, EventBody>> corrections_;
  std::vector<std::pair<int64_t, PlannedEvent>> later_;  // decisions due on a later day
  uint64_t count_ = 0;
  int64_t today_ = 0;
};

void History::Plan() {
  auto rng = Rng(o_.seed, 1, 0);
  for (int i = 0; i < o_.municipalities; ++i) {
    municipalities_.push_back({MunicipalityCode(i), Uniform(rng, 10, 600)});
  }
  const int64_t first = ToEpochDays(o_.first_day);
  const int64_t last = ToEpochDays(o_.last_day);
  for (int i = 0; i < o_.locations; ++i) {
    Location l;
    // Every municipality gets one location; the rest go to random ones (bigger cities more).
    l.municipality = i < o_.municipalities
                         ? i
                         : static_cast<int>(Uniform(rng, 0, o_.municipalities - 1) *
                                            Uniform(rng, 0, 1000) / 1000);
    l.id = absl::StrFormat("%s-LOC-%04d", municipalities_[l.municipality].code, i);
    const int64_t kind = Uniform(rng, 0, 99);
    l.type = kind < 60   ? booo::v1::ACCOMMODATION_TYPE_REGULAR_BUILDING
             : kind < 75 ? booo::v1::ACCOMMODATION_TYPE_HOTEL
             : kind < 85 ? booo::v1::ACCOMMODATION_TYPE_HOLIDAY_PARK
             : kind < 90 ? booo::v1::ACCOMMODATION_TYPE_SHIP
                         : booo::v1::ACCOMMODATION_TYPE_OTHER;
    l.capacity = Uniform(rng, 20, 400);
    l.open_day = first + Uniform(rng, 0, std::max<int64_t>(0, (last - first) / 3));
    l.close_day = Uniform(rng, 0, 9) < 2 ? l.open_day + Uniform(rng, 180, 900) : last;
    l.close_day = std::min(l.close_day, last);
    l.occupancy_per_mille = Uniform(rng, 800, 990);
    locations_.push_back(l);
  }
  registered_.assign(locations_.size(), false);
}

absl::Status History::Run() {
  Plan();
  const int64_t first = ToEpochDays(o_.first_day);
  const int64_t last = ToEpochDays(o_.last_day);
  // Events dated after the last day (accountability, determinations) run on past it.
  const int64_t end = o_.end_day.year() == 0 ? last + 640 : ToEpochDays(o_.end_day);
  for (int64_t day = first; day <= end; ++day) {
    if (absl::Status s = Day(day); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status History::Day(int64_t day) {
  today_ = day;
  const CivilDate date = FromEpochDays(day);
  // What earlier days scheduled for today comes first.
  for (auto it = later_.begin(); it != later_.end();) {
    if (it->first == day) {
      if (absl::Status s = Emit(std::move(it->second.body), it->second.municipality); !s.ok()) {
        return s;
      }
      it = later_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = corrections_.begin(); it != corrections_.end();) {
    if (it->first != day) {
      ++it;
      continue;
    }
    EventBody fix = std::move(it->second);
    const std::string original = fix.event_id();
    fix.set_event_id(original + "-fix");
    fix.set_supersedes_event_id(original);
    auto* d = fix.mutable_goo_places_declared();
    d->set_places(d->places() * 95 / 100);
    *d->mutable_received_date() = date;
    fix.set_client_time_micros((day * 86'400 + 43'200) * 1'000'000);
    const int m = std::stoi(d->municipality_code().substr(2)) - 1;
    it = corrections_.erase(it);
    if (absl::Status s = Emit(std::move(fix), m); !s.ok()) return s;
  }
  if (day <= ToEpochDays(o_.last_day)) {
    if (absl::Status s = Places(day); !s.ok()) return s;
  }
  if (date.day() == 5) {
    if (absl::Status s = Monthly(day, date); !s.ok()) return s;
  }
  return Yearly(day, date);
}

absl::Status History::Places(int64_t day) {
  const int64_t first = ToEpochDays(o_.first_day);
  if ((day - first) % o_.days_per_declaration != 0) return absl::OkStatus();
  const int64_t period_last = std::min(day + o_.days_per_declaration - 1, ToEpochDays(o_.last_day));
  auto rng = Rng(o_.seed, 2, day);
  for (size_t i = 0; i < locations_.size(); ++i) {
    const Location& l = locations_[i];
    if (day < l.open_day || day > l.close_day) continue;
    const std::string& code = municipalities_[l.municipality].code;
    if (!registered_[i]) {
      registered_[i] = true;
      EventBody reg = Envelope(absl::StrCat(l.id, "-registered"), code, FromEpochDays(day));
      auto* r = reg.mutable_location_registered();
      r->set_municipality_code(code);
      r->set_location_id(l.id);
      r->set_accommodation_type(l.type);
      r->set_capacity(l.capacity);
      *r->mutable_valid()->mutable_first_day() = FromEpochDays(l.open_day);
      *r->mutable_valid()->mutable_last_day() = FromEpochDays(l.close_day);
      *r->mutable_received_date() = FromEpochDays(day);
      if (absl::Status s = Emit(std::move(reg), l.municipality); !s.ok()) return s;
    }
    const int64_t last = std::min(period_last, l.close_day);
    const int64_t places =
        std::min(l.capacity, l.capacity * (l.occupancy_per_mille + Uniform(rng, -30, 30)) / 1000);
    const CivilDate received = FromEpochDays(last + 1);
    EventBody body = Envelope(
        absl::StrFormat("%s-%s", l.id, ledger::FormatDate(FromEpochDays(day))), code, received);
    auto* d = body.mutable_goo_places_declared();
    d->set_municipality_code(code);
    d->set_location_id(l.id);
    d->set_accommodation_type(l.type);
    *d->mutable_period()->mutable_first_day() = FromEpochDays(day);
    *d->mutable_period()->mutable_last_day() = FromEpochDays(last);
    d->set_places(places);
    *d->mutable_received_date() = received;
    if (Uniform(rng, 0, 99) == 0) corrections_.emplace_back(last + 11, body);
    if (absl::Status s = Emit(std::move(body), l.municipality); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status History::Monthly(int64_t day, const CivilDate& date) {
  // On the 5th: last month's private reception and living allowances, for months in the period.
  const CivilDate month_first =
      FromEpochDays(day - 4 -
                    ledger::DaysInMonth(date.month() == 1 ? date.year() - 1 : date.year(),
                                        date.month() == 1 ? 12 : date.month() - 1));
  const int64_t mf = ToEpochDays(month_first);
  if (mf < ToEpochDays(o_.first_day) || mf > ToEpochDays(o_.last_day)) return absl::OkStatus();
  const int64_t ml = mf + ledger::DaysInMonth(month_first.year(), month_first.month()) - 1;
  auto rng = Rng(o_.seed, 3, day);
  for (size_t i = 0; i < municipalities_.size(); ++i) {
    Municipality& m = municipalities_[i];
    m.poo_persons = std::max<int64_t>(0, m.poo_persons + Uniform(rng, -15, 15));
    const int64_t provided = m.poo_persons * Uniform(rng, 900, 990) / 1000;
    const std::string month = absl::StrFormat("%04d-%02d", month_first.year(), month_first.month());
    EventBody poo = Envelope(absl::StrCat(m.code, "-poo-", month), m.code, date);
    auto* p = poo.mutable_poo_person_months_declared();
    p->set_municipality_code(m.code);
    p->mutable_month()->set_year(month_first.year());
    p->mutable_month()->set_month(month_first.month());
    p->set_registered_persons(m.poo_persons);
    p->set_persons_with_provision(provided);
    *p->mutable_received_date() = date;
    if (absl::Status s = Emit(std::move(poo), static_cast<int>(i)); !s.ok()) return s;
    EventBody la = Envelope(absl::StrCat(m.code, "-leefgeld-", month), m.code, date);
    auto* l = la.mutable_living_allowance_paid();
    l->set_municipality_code(m.code);
    l->set_reception_kind(booo::v1::RECEPTION_KIND_POO);
    l->set_component(booo::v1::ALLOWANCE_COMPONENT_LIVING_ALLOWANCE);
    *l->mutable_period()->mutable_first_day() = month_first;
    *l->mutable_period()->mutable_last_day() = FromEpochDays(ml);
    l->set_amount_cents(provided * Uniform(rng, 22'000, 26'000));
    *l->mutable_received_date() = date;
    if (absl::Status s = Emit(std::move(la), static_cast<int>(i)); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status History::Yearly(int64_t day, const CivilDate& date) {
  auto rng = Rng(o_.seed, 4, day);
  const int first_year = o_.first_day.year();
  const int last_year = o_.last_day.year();
  for (size_t i = 0; i < municipalities_.size(); ++i) {
    const std::string& code = municipalities_[i].code;
    const int mi = static_cast<int>(i);
    const int y = date.year();
    // Advances: applied for on 15 Jan, paid on 1 Feb and 1 Aug of each spending year.
    if (y >= first_year && y <= last_year && date.month() == 1 && date.day() == 15) {
      EventBody req = Envelope(absl::StrCat(code, "-advance-request-", y), code, date);
      auto* r = req.mutable_advance_requested();
      r->set_municipality_code(code);
      r->set_spending_year(y);
      r->set_amount_cents(Uniform(rng, 50'000'000, 900'000'000));
      *r->mutable_received_date() = date;
      if (absl::Status s = Emit(std::move(req), mi); !s.ok()) return s;
    }
    if (y >= first_year && y <= last_year && (date.month() == 2 || date.month() == 8) &&
        date.day() == 1) {
      EventBody adv = Envelope(absl::StrCat(code, "-advance-", y, "-", date.month()), code, date);
      auto* a = adv.mutable_advance_paid();
      a->set_municipality_code(code);
      a->set_spending_year(y);
      a->set_amount_cents(Uniform(rng, 20'000'000, 400'000'000));
      *a->mutable_payment_date() = date;
      a->set_payment_reference(absl::StrCat("NOO/", y, "/", code));
      if (absl::Status s = Emit(std::move(adv), -1); !s.ok()) return s;
    }
    // Accountability for Y-1 around 10 July (one in twenty late), with findings now and then.
    const int ay = y - 1;
    // Seeding a generator is costly: only on the two candidate days.
    if (ay >= first_year && ay <= last_year && date.month() == 7 &&
        (date.day() == 10 || date.day() == 20) &&
        date.day() == ((Rng(o_.seed, 5, int64_t{mi} * 10'000 + ay)() % 20 == 0) ? 20 : 10)) {
      EventBody rep = Envelope(absl::StrCat(code, "-sisa-", ay), code, date);
      auto* r = rep.mutable_accountability_report_filed();
      r->set_municipality_code(code);
      r->set_spending_year(ay);
      *r->mutable_received_date() = date;
      if (Uniform(rng, 0, 4) == 0) {
        auto* f = r->add_findings();
        f->set_finding_id("F1");
        f->set_category(booo::v1::COST_CATEGORY_A_GOO);
        f->set_kind(Uniform(rng, 0, 1) ? booo::v1::FINDING_KIND_FOUT
                                       : booo::v1::FINDING_KIND_ONZEKER);
        f->set_amount_cents(Uniform(rng, 100'000, 5'000'000));
        f->set_description("places declared on days a location was closed");
      }
      if (absl::Status s = Emit(std::move(rep), mi); !s.ok()) return s;
    }
    // Exception claims for Y-1 on 1 March from one municipality in twenty, decided on 1 June.
    if (ay >= first_year && ay <= last_year && date.month() == 3 && date.day() == 1 &&
        Uniform(rng, 0, 19) == 0) {
      const std::string id = absl::StrCat(code, "-uc-", ay);
      EventBody claim = Envelope(id, code, date);
      auto* c = claim.mutable_exception_claim_filed();
      c->set_municipality_code(code);
      c->set_spending_year(ay);
      const int64_t actual = Uniform(rng, 100'000'000, 2'000'000'000);
      c->set_actual_total_cents(actual);
      *c->mutable_received_date() = date;
      if (absl::Status s = Emit(std::move(claim), mi); !s.ok()) return s;
      const CivilDate decided = ledger::MakeDate(y, 6, 1);
      EventBody decision = Envelope(id + "-decision", code, decided);
      auto* d = decision.mutable_exception_claim_decided();
      d->set_municipality_code(code);
      d->set_claim_event_id(id);
      d->set_outcome(booo::v1::DECISION_OUTCOME_PARTIALLY_GRANTED);
      d->set_accepted_total_cents(actual * 9 / 10);
      d->set_decision_reference(absl::StrCat("NOO/UC/", y, "/", code));
      *d->mutable_decision_date() = decided;
      later_.emplace_back(ToEpochDays(decided), PlannedEvent{std::move(decision), -1});
    }
    // Transition costs: one municipality in ten asks on 1 May, decided on 20 May, spent and
    // declared the next February.
    if (y >= first_year && y <= last_year && date.month() == 5 && date.day() == 1 &&
        Uniform(rng, 0, 9) == 0 && ToEpochDays(date) <= ToEpochDays(o_.last_day)) {
      const std::string id = absl::StrCat(code, "-tk-", y);
      const int64_t amount = Uniform(rng, 5'000'000, 60'000'000);
      EventBody req = Envelope(id, code, date);
      auto* r = req.mutable_transition_cost_requested();
      r->set_municipality_code(code);
      r->set_location_id(absl::StrCat(code, "-TK"));
      r->set_description("making a building fit for reception");
      r->set_amount_cents(amount);
      *r->mutable_period()->mutable_first_day() = ledger::MakeDate(y, 6, 1);
      *r->mutable_period()->mutable_last_day() = ledger::MakeDate(y, 11, 30);
      r->set_allocation_method(booo::v1::ALLOCATION_METHOD_LUMP_SUM);
      *r->mutable_received_date() = date;
      if (absl::Status s = Emit(std::move(req), mi); !s.ok()) return s;
      const bool approved = Uniform(rng, 0, 9) != 0;
      const CivilDate decided = ledger::MakeDate(y, 5, 20);
      EventBody decision = Envelope(id + "-decision", code, decided);
      auto* d = decision.mutable_transition_cost_decided();
      d->set_municipality_code(code);
      d->set_request_event_id(id);
      d->set_outcome(approved ? booo::v1::DECISION_OUTCOME_GRANTED
                              : booo::v1::DECISION_OUTCOME_REJECTED);
      if (approved) {
        d->set_approved_amount_cents(amount);
        *d->mutable_period()->mutable_first_day() = ledger::MakeDate(y, 6, 1);
        *d->mutable_period()->mutable_last_day() = ledger::MakeDate(y, 11, 30);
        d->set_allocation_method(booo::v1::ALLOCATION_METHOD_LUMP_SUM);
      }
      d->set_decision_reference(absl::StrCat("NOO/TK/", y, "/", code));
      *d->mutable_decision_date() = decided;
      later_.emplace_back(ToEpochDays(decided), PlannedEvent{std::move(decision), -1});
      if (approved) {
        const CivilDate spent = ledger::MakeDate(y + 1, 2, 10);
        EventBody declared = Envelope(id + "-declared", code, spent);
        auto* t = declared.mutable_transition_costs_declared();
        t->set_municipality_code(code);
        t->set_spending_year(y);
        t->set_request_event_id(id);
        t->set_location_id(absl::StrCat(code, "-TK"));
        t->set_amount_cents(amount);
        *t->mutable_received_date() = spent;
        later_.emplace_back(ToEpochDays(spent), PlannedEvent{std::move(declared), mi});
      }
    }
    // Determinations for Y-1 on 15 November (due by 31 December); a voluntary repayment now and
    // then in December.
    const int dy = y - 1;
    if (dy >= first_year && dy <= last_year && date.month() == 11 && date.day() == 15) {
      EventBody det = Envelope(absl::StrCat(code, "-determination-", dy), code, date);
      auto* d = det.mutable_grant_determined();
      d->set_municipality_code(code);
      d->set_spending_year(dy);
      d->set_amount_cents(Uniform(rng, 100'000'000, 2'000'000'000));
      d->set_trace_digest(std::string(32, '\0'));
      *d->mutable_decision_date() = date;
      d->set_decision_reference(absl::StrCat("NOO/VS/", y, "/", code));
      if (absl::Status s = Emit(std::move(det), -1); !s.ok()) return s;
    }
    if (dy >= first_year && dy <= last_year && date.month() == 12 && date.day() == 10 &&
        Uniform(rng, 0, 9) == 0) {
      EventBody rep = Envelope(absl::StrCat(code, "-repayment-", dy), code, date);
      auto* r = rep.mutable_voluntary_repayment_received();
      r->set_municipality_code(code);
      r->set_spending_year(dy);
      r->set_amount_cents(Uniform(rng, 1'000'000, 50'000'000));
      *r->mutable_received_date() = date;
      if (absl::Status s = Emit(std::move(rep), mi); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string MunicipalityCode(int i) { return absl::StrFormat("GM%04d", i + 1); }

absl::Status GenerateHistory(const HistoryOptions& options,
                             const std::function<absl::Status(PlannedEvent)>& emit) {
  HistoryOptions o = options;
  if (o.first_day.year() == 0) o.first_day = ledger::MakeDate(2022, 3, 1);
  if (o.last_day.year() == 0) o.last_day = ledger::MakeDate(2026, 3, 31);
  if (o.municipalities < 1 || o.municipalities > 9998 || o.locations < o.municipalities ||
      o.days_per_declaration < 1) {
    return absl::InvalidArgumentError(
        "options: need 1..9998 municipalities, at least one location each, and "
        "days_per_declaration >= 1");
  }
  History history(o, emit);
  return history.Run();
}

}  // namespace booo::loadgen
