// The import's reading of spreadsheet cells, CSV files and layouts, without a server; the
// import against a real ledgerd is tests/cli/import_end_to_end.sh.
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/import/cell_values.h"
#include "tools/import/csv_table.h"
#include "tools/import/import_layouts.h"
#include "tools/import/import_report.h"

namespace booo::ledgerctl::import {
namespace {

using ::testing::HasSubstr;

int64_t Cents(absl::string_view cell) {
  absl::StatusOr<int64_t> cents = ParseAmountCents(cell);
  EXPECT_TRUE(cents.ok()) << cell << ": " << cents.status();
  return cents.value_or(-999);
}

TEST(AmountTest, DutchAndEnglishMarksAndTheEuroSign) {
  EXPECT_EQ(Cents("1234.56"), 123456);
  EXPECT_EQ(Cents("1234,56"), 123456);
  EXPECT_EQ(Cents("1.234,56"), 123456);
  EXPECT_EQ(Cents("1,234.56"), 123456);
  EXPECT_EQ(Cents("€ 1.234.567,89"), 123456789);
  EXPECT_EQ(Cents("€1234"), 123400);
  EXPECT_EQ(Cents("EUR 5"), 500);
  EXPECT_EQ(Cents("-€ 12,50"), -1250);
  EXPECT_EQ(Cents("€ -12,5"), -1250);
  EXPECT_EQ(Cents("1.234"), 123400);   // thousands in either locale
  EXPECT_EQ(Cents("1,234"), 123400);
  EXPECT_EQ(Cents(",5"), 50);
  EXPECT_EQ(Cents("1\xC2\xA0" "234,00"), 123400);  // a no-break space groups thousands
  EXPECT_EQ(Cents("0"), 0);
}

TEST(AmountTest, RefusesWhatIsNotWholeCents) {
  for (absl::string_view bad : {"", "€", "1,2345", "1.2.3", "1,23,456", "12.5.00", "abc",
                                "1.234,5678", "12,", "--5", "99999999999999999999"}) {
    absl::StatusOr<int64_t> cents = ParseAmountCents(bad);
    EXPECT_FALSE(cents.ok()) << bad << " gave " << cents.value_or(0);
    if (!cents.ok()) {
      EXPECT_EQ(cents.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
  EXPECT_THAT(ParseAmountCents("1,2345").status().message(), HasSubstr("more than 2 decimals"));
  EXPECT_EQ(Cents("12,345"), 1234500);  // three digits after the mark group thousands
}

TEST(DateTest, IsoAndDutchDayFirst) {
  auto date = [](absl::string_view cell) {
    absl::StatusOr<booo::v1::CivilDate> d = ParseDate(cell);
    EXPECT_TRUE(d.ok()) << cell << ": " << d.status();
    return d.ok() ? absl::StrCat(d->year(), "-", d->month(), "-", d->day()) : "";
  };
  EXPECT_EQ(date("2022-10-15"), "2022-10-15");
  EXPECT_EQ(date("15-10-2022"), "2022-10-15");
  EXPECT_EQ(date("15/10/2022"), "2022-10-15");
  EXPECT_EQ(date("15.10.2022"), "2022-10-15");
  EXPECT_EQ(date("5-1-2023"), "2023-1-5");
  EXPECT_EQ(date(" 2024-02-29 "), "2024-2-29");  // a leap day
  EXPECT_EQ(date("31-12-2023"), "2023-12-31");
  EXPECT_EQ(date("1-1-2024"), "2024-1-1");
}

TEST(DateTest, RefusesDaysOutsideTheCalendar) {
  for (absl::string_view bad : {"2023-02-29", "29-02-2023", "2022-13-01", "2022-00-10",
                                "32-01-2022", "2022-10", "10-15-22", "2022/10/15/1", "", "today"}) {
    EXPECT_FALSE(ParseDate(bad).ok()) << bad;
  }
}

TEST(MonthTest, NumbersAndNames) {
  auto month = [](absl::string_view cell) {
    absl::StatusOr<booo::v1::YearMonth> m = ParseMonth(cell);
    EXPECT_TRUE(m.ok()) << cell << ": " << m.status();
    return m.ok() ? m->year() * 100 + m->month() : 0;
  };
  EXPECT_EQ(month("2023-04"), 202304);
  EXPECT_EQ(month("04-2023"), 202304);
  EXPECT_EQ(month("4/2023"), 202304);
  EXPECT_EQ(month("april 2023"), 202304);
  EXPECT_EQ(month("Oktober 2022"), 202210);
  EXPECT_EQ(month("mrt 2024"), 202403);
  EXPECT_EQ(month("December 2023"), 202312);
  for (absl::string_view bad : {"2023-13", "2023", "smarch 2023", "april 23", "2023-04-01"}) {
    EXPECT_FALSE(ParseMonth(bad).ok()) << bad;
  }
}

TEST(WholeNumberTest, GroupsByThreesOnly) {
  EXPECT_EQ(*ParseWholeNumber("12"), 12);
  EXPECT_EQ(*ParseWholeNumber("-3"), -3);
  EXPECT_EQ(*ParseWholeNumber("1.234"), 1234);
  EXPECT_EQ(*ParseWholeNumber("1,234,567"), 1234567);
  for (absl::string_view bad : {"12,5", "1.23", "", "x", "1.2345"}) {
    EXPECT_FALSE(ParseWholeNumber(bad).ok()) << bad;
  }
}

TEST(EnumTest, NamesShortNamesAndDutchWords) {
  const auto& type = *booo::v1::AccommodationType_descriptor();
  EXPECT_EQ(*ParseEnum("ACCOMMODATION_TYPE_HOTEL", type), booo::v1::ACCOMMODATION_TYPE_HOTEL);
  EXPECT_EQ(*ParseEnum("Holiday park", type), booo::v1::ACCOMMODATION_TYPE_HOLIDAY_PARK);
  EXPECT_EQ(*ParseEnum("vakantiepark", type), booo::v1::ACCOMMODATION_TYPE_HOLIDAY_PARK);
  EXPECT_EQ(*ParseEnum("Schip", type), booo::v1::ACCOMMODATION_TYPE_SHIP);
  EXPECT_EQ(*ParseEnum("afgewezen", *booo::v1::DecisionOutcome_descriptor()),
            booo::v1::DECISION_OUTCOME_REJECTED);
  EXPECT_EQ(*ParseEnum("Gedeeltelijk toegekend", *booo::v1::DecisionOutcome_descriptor()),
            booo::v1::DECISION_OUTCOME_PARTIALLY_GRANTED);
  EXPECT_EQ(*ParseEnum("leefgeld", *booo::v1::AllowanceComponent_descriptor()),
            booo::v1::ALLOWANCE_COMPONENT_LIVING_ALLOWANCE);
  // "Not set" is never a value; a word of another enum is not this one's.
  EXPECT_FALSE(ParseEnum("unspecified", type).ok());
  EXPECT_FALSE(ParseEnum("afgewezen", type).ok());
  EXPECT_THAT(ParseEnum("castle", type).status().message(),
              HasSubstr("regular_building, hotel, holiday_park, ship, other"));
}

TEST(HeaderTest, Normalized) {
  EXPECT_EQ(NormalizeHeader("Bedrag (€)"), "bedrag");
  EXPECT_EQ(NormalizeHeader("Periode t/m"), "periode_t_m");
  EXPECT_EQ(NormalizeHeader("  Ontvangst-datum "), "ontvangst_datum");
  EXPECT_EQ(NormalizeHeader("Amount (EUR)"), "amount");
  EXPECT_EQ(NormalizeHeader("Plaatsen (gerealiseerd)"), "plaatsen_gerealiseerd");
}

TEST(CsvTest, DelimiterQuotesBomAndLineEnds) {
  absl::StatusOr<CsvTable> t =
      ParseCsv("\xEF\xBB\xBF" "a;b;c\r\n1;\"2;x\";\"say \"\"hi\"\"\"\r\n\r\n4;\"multi\nline\";6\n7;8");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->delimiter, ';');
  EXPECT_EQ(t->header, (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_EQ(t->rows.size(), 3u);
  EXPECT_EQ(t->rows[0].cells, (std::vector<std::string>{"1", "2;x", "say \"hi\""}));
  EXPECT_EQ(t->rows[0].line, 2);
  EXPECT_EQ(t->rows[1].cells[1], "multi\nline");
  EXPECT_EQ(t->rows[1].line, 4);
  EXPECT_EQ(t->rows[2].line, 6);
  EXPECT_EQ(t->rows[2].cells, (std::vector<std::string>{"7", "8", ""}));  // padded
  EXPECT_EQ(ParseCsv("a,b\n1,2")->delimiter, ',');
  EXPECT_EQ(ParseCsv("a\tb\n1\t2")->delimiter, '\t');
}

TEST(CsvTest, RefusesBrokenQuotingAndExtraCells) {
  EXPECT_THAT(ParseCsv("a,b\n1,\"2\n").status().message(), HasSubstr("never closed"));
  EXPECT_THAT(ParseCsv("a,b\n1,\"2\"x\n").status().message(), HasSubstr("line 2"));
  EXPECT_THAT(ParseCsv("a,b\n1,2,3\n").status().message(), HasSubstr("line 2: 3 cells"));
  EXPECT_TRUE(ParseCsv("a,b\n1,2,,\n").ok());  // trailing empty cells are no data
  EXPECT_FALSE(ParseCsv("").ok());
  EXPECT_EQ(CsvCell("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvCell("say \"hi\""), "\"say \"\"hi\"\"\"");
}

TEST(LayoutTest, DutchHeadersMakeTheSameBodyAsEnglish) {
  const ImportKind& kind = *FindImportKind("goo-places");
  const CsvTable dutch = *ParseCsv(
      "Gemeentecode;Locatie;Type opvang;Periode van;Periode t/m;Plaatsen;Ontvangstdatum\n"
      "GM0363;AMS-01;Hotel;01-03-2022;14-10-2022;120;1-11-2022\n");
  const CsvTable english = *ParseCsv(
      "received_date,places,period_to,period_from,accommodation_type,location_id,"
      "municipality_code\n"
      "2022-11-01,120,2022-10-14,2022-03-01,ACCOMMODATION_TYPE_HOTEL,AMS-01,GM0363\n");
  auto body = [&](const CsvTable& t) {
    absl::StatusOr<ColumnMap> map = MatchHeader(kind, t.header);
    EXPECT_TRUE(map.ok()) << map.status();
    absl::StatusOr<booo::v1::EventBody> b = RowToBody(kind, *map, t.header, t.rows[0]);
    EXPECT_TRUE(b.ok()) << b.status();
    return b->SerializeAsString();
  };
  EXPECT_EQ(body(dutch), body(english));
  booo::v1::EventBody parsed;
  ASSERT_TRUE(parsed.ParseFromString(body(dutch)));
  EXPECT_EQ(parsed.goo_places_declared().places(), 120);
  EXPECT_EQ(parsed.goo_places_declared().period().last_day().day(), 14);
  EXPECT_TRUE(parsed.event_id().empty());  // the import derives it
}

TEST(LayoutTest, HeaderProblemsNameTheColumn) {
  const ImportKind& kind = *FindImportKind("advances");
  EXPECT_THAT(MatchHeader(kind, {"gemeente", "jaar", "bedrag"}).status().message(),
              HasSubstr("payment_date"));
  EXPECT_THAT(MatchHeader(kind, {"gemeente", "jaar", "bedrag", "betaaldatum", "bedragg"})
                  .status()
                  .message(),
              HasSubstr("\"bedragg\" is no column of kind advances"));
  EXPECT_THAT(MatchHeader(kind, {"gemeente", "jaar", "bedrag", "amount", "betaaldatum"})
                  .status()
                  .message(),
              HasSubstr("column amount is given twice"));
  absl::StatusOr<ColumnMap> with_id =
      MatchHeader(kind, {"event_id", "gemeente", "jaar", "bedrag", "betaaldatum"});
  ASSERT_TRUE(with_id.ok());
  EXPECT_EQ(with_id->event_id_cell, 0);
}

TEST(LayoutTest, CellProblemsNameHeaderAndField) {
  const ImportKind& kind = *FindImportKind("advances");
  const CsvTable t = *ParseCsv("gemeente;jaar;bedrag;betaaldatum\nGM0363;2023;€ 12,3456;\n");
  const ColumnMap map = *MatchHeader(kind, t.header);
  absl::StatusOr<booo::v1::EventBody> body = RowToBody(kind, map, t.header, t.rows[0]);
  EXPECT_EQ(body.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(body.status().message(), HasSubstr("bedrag (advance_paid.amount_cents): "));
  EXPECT_EQ(RefusedField(body.status()), "advance_paid.amount_cents");
  const CsvTable empty = *ParseCsv("gemeente;jaar;bedrag;betaaldatum\nGM0363;2023;5;\n");
  EXPECT_THAT(RowToBody(kind, map, empty.header, empty.rows[0]).status().message(),
              HasSubstr("betaaldatum (advance_paid.payment_date): is empty"));
}

TEST(LayoutTest, EveryKindFillsItsPayloadAndIsDocumented) {
  std::ifstream file(std::string(BOOO_SOURCE_DIR) + "/tools/import/IMPORT_FORMAT.md");
  std::stringstream doc;
  doc << file.rdbuf();
  ASSERT_FALSE(doc.str().empty());
  for (const ImportKind& kind : ImportKinds()) {
    EXPECT_NE(booo::v1::EventBody::descriptor()->FindFieldByName(kind.payload), nullptr)
        << kind.name;
    EXPECT_THAT(doc.str(), HasSubstr(absl::StrCat("### ", kind.name)));
    for (const ImportColumn& column : kind.columns) {
      EXPECT_THAT(doc.str(), HasSubstr(absl::StrCat("`", column.header, "`"))) << kind.name;
      for (const std::string& alias : column.aliases) {
        EXPECT_THAT(doc.str(), HasSubstr(absl::StrCat("`", alias, "`")))
            << kind.name << " " << column.header;
      }
    }
  }
}

TEST(ReportTest, CsvRowsCarryCodeFieldAndMessage) {
  std::vector<RowResult> rows = {
      {.row = 1, .line = 2, .event_id = "a", .outcome = RowOutcome::kAppended, .sequence = 7,
       .status = absl::OkStatus()},
      {.row = 2, .line = 3, .event_id = "b", .outcome = RowOutcome::kRefused,
       .sequence = std::nullopt,
       .status = absl::PermissionDeniedError("goo_places_declared.municipality_code: no, x")}};
  EXPECT_EQ(ReportCsv(rows),
            "row,line,event_id,outcome,sequence,code,field,message\n"
            "1,2,a,appended,7,,,\n"
            "2,3,b,refused,,PERMISSION_DENIED,goo_places_declared.municipality_code,"
            "\"goo_places_declared.municipality_code: no, x\"\n");
  EXPECT_THAT(ReportText("f.csv", "goo-places", rows, false),
              HasSubstr("2 rows: 1 appended, 1 refused\nrow 2 (line 3, b): refused, "
                        "PERMISSION_DENIED"));
}

}  // namespace
}  // namespace booo::ledgerctl::import
