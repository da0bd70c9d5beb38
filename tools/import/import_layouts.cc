#include "tools/import/import_layouts.h"

#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "ledger/core/status_macros.h"
#include "tools/import/cell_values.h"

namespace booo::ledgerctl::import {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// The columns most kinds share.
ImportColumn Municipality() {
  return {"municipality_code", {"gemeentecode", "gemeente", "cbs_code"}, "municipality_code"};
}
ImportColumn Received() {
  return {"received_date", {"ontvangstdatum", "datum_ontvangst", "ontvangen_op"}, "received_date"};
}
ImportColumn Location() {
  return {"location_id", {"locatie", "locatie_id", "locatiecode"}, "location_id"};
}
ImportColumn Accommodation() {
  return {"accommodation_type", {"type_opvang", "opvangtype", "soort_locatie"},
          "accommodation_type"};
}
ImportColumn From(const std::string& field) {
  return {"period_from", {"periode_van", "van", "vanaf", "begindatum"}, field + ".first_day"};
}
ImportColumn To(const std::string& field) {
  return {"period_to", {"periode_tot_en_met", "periode_t_m", "tot_en_met", "t_m", "einddatum"},
          field + ".last_day"};
}
ImportColumn Year() {
  return {"spending_year", {"jaar", "bestedingsjaar", "begrotingsjaar"}, "spending_year"};
}
ImportColumn Amount(const std::string& field = "amount_cents") {
  return {"amount", {"bedrag"}, field};
}
ImportColumn AllocationMethod() {
  return {"allocation_method", {"toerekeningsmethode", "toerekening", "methode"},
          "allocation_method"};
}
ImportColumn DecisionReference() {
  return {"decision_reference", {"besluitkenmerk", "kenmerk_besluit", "kenmerk"},
          "decision_reference"};
}
ImportColumn DecisionDate() {
  return {"decision_date", {"besluitdatum", "datum_besluit"}, "decision_date"};
}
ImportColumn Optional(ImportColumn column) {
  column.required = false;
  return column;
}

std::vector<ImportKind> MakeKinds() {
  return {
      {"goo-places", "goo_places_declared",
       "realised places per GOO location and period (municipality's key)",
       {Municipality(), Location(), Accommodation(), From("period"), To("period"),
        {"places", {"plaatsen", "gerealiseerde_plaatsen", "aantal_plaatsen"}, "places"},
        Received()}},
      {"poo-person-months", "poo_person_months_declared",
       "registered persons in private reception per month (municipality's key)",
       {Municipality(),
        {"month", {"maand"}, "month"},
        {"registered_persons", {"ingeschreven_personen", "geregistreerde_personen"},
         "registered_persons"},
        {"persons_with_provision", {"personen_met_voorziening", "met_voorziening"},
         "persons_with_provision"},
        Received()}},
      {"living-allowances", "living_allowance_paid",
       "living allowance and housing component paid, at actual cost (municipality's key)",
       {Municipality(),
        {"reception_kind", {"opvangvorm", "soort_opvang"}, "reception_kind"},
        {"component", {"onderdeel"}, "component"}, From("period"), To("period"), Amount(),
        Received()}},
      {"locations", "location_registered", "reception locations and their capacity "
       "(municipality's key)",
       {Municipality(), Location(), Accommodation(),
        {"capacity", {"capaciteit", "aantal_plaatsen"}, "capacity"},
        {"valid_from", {"geldig_van", "geldig_vanaf"}, "valid.first_day"},
        {"valid_to", {"geldig_tot_en_met", "geldig_t_m"}, "valid.last_day"}, Received()}},
      {"transition-requests", "transition_cost_requested",
       "requests for prior approval of transition costs (municipality's key)",
       {Municipality(), Location(),
        Optional({"description", {"omschrijving"}, "description"}), Amount(), From("period"),
        To("period"), AllocationMethod(), Received()}},
      {"transition-decisions", "transition_cost_decided",
       "the ministry's decisions on transition-cost requests (ministry's key)",
       {Municipality(),
        {"request_event_id", {"aanvraag", "aanvraag_event_id", "event_id_aanvraag"},
         "request_event_id"},
        {"outcome", {"besluit", "uitkomst"}, "outcome"},
        {"approved_amount", {"toegekend_bedrag", "goedgekeurd_bedrag"}, "approved_amount_cents"},
        From("period"), To("period"), AllocationMethod(), DecisionReference(), DecisionDate()}},
      {"transition-costs", "transition_costs_declared",
       "transition costs incurred under an approval, per year (municipality's key)",
       {Municipality(), Year(),
        {"request_event_id", {"aanvraag", "aanvraag_event_id", "event_id_aanvraag"},
         "request_event_id"},
        Location(), Amount(), Received()}},
      {"advance-requests", "advance_requested", "advances requested (municipality's key)",
       {Municipality(), Year(), Amount(), Received()}},
      {"advances", "advance_paid", "advances paid by the ministry (ministry's key)",
       {Municipality(), Year(), Amount(),
        {"payment_date", {"betaaldatum", "datum_betaling"}, "payment_date"},
        Optional({"payment_reference", {"betalingskenmerk", "kenmerk"}, "payment_reference"})}},
      {"voluntary-repayments", "voluntary_repayment_received",
       "voluntary repayments by the municipality (municipality's key)",
       {Municipality(), Year(), Amount(), Received(),
        Optional({"payment_reference", {"betalingskenmerk", "kenmerk"}, "payment_reference"})}},
  };
}

// The field `path` names in `message`, and the message that holds it (created on the way).
absl::StatusOr<std::pair<Message*, const FieldDescriptor*>> Resolve(Message& message,
                                                                    const std::string& path) {
  Message* at = &message;
  std::vector<std::string> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const FieldDescriptor* field = at->GetDescriptor()->FindFieldByName(parts[i]);
    if (field == nullptr) {
      return absl::InternalError(absl::StrCat("layout: no field ", path));
    }
    if (i + 1 == parts.size()) return std::make_pair(at, field);
    at = at->GetReflection()->MutableMessage(at, field);
  }
  return absl::InternalError(absl::StrCat("layout: empty field path"));
}

absl::Status SetField(Message& holder, const FieldDescriptor& field, const std::string& cell) {
  const Reflection& reflection = *holder.GetReflection();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      reflection.SetString(&holder, &field, std::string(absl::StripAsciiWhitespace(cell)));
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_ENUM: {
      ASSIGN_OR_RETURN(int number, ParseEnum(cell, *field.enum_type()));
      reflection.SetEnumValue(&holder, &field, number);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_INT32: {
      int64_t value = 0;
      if (absl::EndsWith(field.name(), "_cents")) {
        ASSIGN_OR_RETURN(value, ParseAmountCents(cell));
      } else {
        ASSIGN_OR_RETURN(value, ParseWholeNumber(cell));
      }
      if (field.cpp_type() == FieldDescriptor::CPPTYPE_INT64) {
        reflection.SetInt64(&holder, &field, value);
      } else if (value < std::numeric_limits<int32_t>::min() ||
                 value > std::numeric_limits<int32_t>::max()) {
        return absl::InvalidArgumentError(absl::StrCat("\"", cell, "\" is too large"));
      } else {
        reflection.SetInt32(&holder, &field, static_cast<int32_t>(value));
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      Message* value = reflection.MutableMessage(&holder, &field);
      if (field.message_type() == booo::v1::CivilDate::descriptor()) {
        ASSIGN_OR_RETURN(booo::v1::CivilDate date, ParseDate(cell));
        value->CopyFrom(date);
        return absl::OkStatus();
      }
      if (field.message_type() == booo::v1::YearMonth::descriptor()) {
        ASSIGN_OR_RETURN(booo::v1::YearMonth month, ParseMonth(cell));
        value->CopyFrom(month);
        return absl::OkStatus();
      }
      break;
    }
    default:
      break;
  }
  return absl::InternalError(absl::StrCat("layout: field ", field.full_name(),
                                          " has a type no cell fills"));
}

}  // namespace

const std::vector<ImportKind>& ImportKinds() {
  static const std::vector<ImportKind>* const kinds = new std::vector<ImportKind>(MakeKinds());
  return *kinds;
}

const ImportKind* FindImportKind(const std::string& name) {
  for (const ImportKind& kind : ImportKinds()) {
    if (kind.name == name) return &kind;
  }
  return nullptr;
}

std::string ImportKindNames() {
  std::vector<std::string> names;
  for (const ImportKind& kind : ImportKinds()) names.push_back(kind.name);
  return absl::StrJoin(names, ", ");
}

absl::StatusOr<ColumnMap> MatchHeader(const ImportKind& kind,
                                      const std::vector<std::string>& header) {
  ColumnMap map;
  map.cell_of_column.assign(kind.columns.size(), -1);
  for (size_t cell = 0; cell < header.size(); ++cell) {
    const std::string name = NormalizeHeader(header[cell]);
    if (name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("header: column ", cell + 1, " has no name"));
    }
    int found = -1;
    if (name == "event_id" || name == "gebeurtenis_id") {
      if (map.event_id_cell >= 0) {
        return absl::InvalidArgumentError(absl::StrCat("header: \"", header[cell],
                                                       "\": the event id column is given twice"));
      }
      map.event_id_cell = static_cast<int>(cell);
      continue;
    }
    for (size_t c = 0; c < kind.columns.size() && found < 0; ++c) {
      const ImportColumn& column = kind.columns[c];
      if (name == column.header ||
          std::find(column.aliases.begin(), column.aliases.end(), name) != column.aliases.end()) {
        found = static_cast<int>(c);
      }
    }
    if (found < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "header: \"", header[cell], "\" is no column of kind ", kind.name,
          " (see IMPORT_FORMAT.md; a column the import would ignore is refused)"));
    }
    if (map.cell_of_column[found] >= 0) {
      return absl::InvalidArgumentError(absl::StrCat("header: \"", header[cell], "\": column ",
                                                     kind.columns[found].header,
                                                     " is given twice"));
    }
    map.cell_of_column[found] = static_cast<int>(cell);
  }
  for (size_t c = 0; c < kind.columns.size(); ++c) {
    if (kind.columns[c].required && map.cell_of_column[c] < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "header: the column ", kind.columns[c].header, " (",
          absl::StrJoin(kind.columns[c].aliases, ", "), ") is missing for kind ", kind.name));
    }
  }
  return map;
}

absl::StatusOr<booo::v1::EventBody> RowToBody(const ImportKind& kind, const ColumnMap& columns,
                                              const std::vector<std::string>& header,
                                              const CsvRow& row) {
  booo::v1::EventBody body;
  const FieldDescriptor* payload_field = body.GetDescriptor()->FindFieldByName(kind.payload);
  if (payload_field == nullptr) {
    return absl::InternalError(absl::StrCat("layout: no payload ", kind.payload));
  }
  Message& payload = *body.GetReflection()->MutableMessage(&body, payload_field);
  for (size_t c = 0; c < kind.columns.size(); ++c) {
    const int cell = columns.cell_of_column[c];
    const ImportColumn& column = kind.columns[c];
    const std::string field_path = absl::StrCat(kind.payload, ".", column.field);
    const std::string text =
        cell < 0 ? "" : std::string(absl::StripAsciiWhitespace(row.cells[cell]));
    if (text.empty()) {
      if (!column.required) continue;
      return absl::InvalidArgumentError(absl::StrCat(
          cell < 0 ? column.header : header[cell], " (", field_path, "): is empty"));
    }
    ASSIGN_OR_RETURN(auto target, Resolve(payload, column.field));
    if (absl::Status s = SetField(*target.first, *target.second, text); !s.ok()) {
      if (s.code() == absl::StatusCode::kInternal) return s;
      return absl::InvalidArgumentError(
          absl::StrCat(header[cell], " (", field_path, "): ", s.message()));
    }
  }
  return body;
}

}  // namespace booo::ledgerctl::import
