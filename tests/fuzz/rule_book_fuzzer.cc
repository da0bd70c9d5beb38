// Fuzz target: the rule book, budget book and amendment files (replay/rulebook/rule_book.h) that
// `ledgerctl load-rules`, `load-budget` and `simulate` read. The first byte chooses the format,
// the rest is the file.
// Properties: a refusal is INVALID_ARGUMENT (never an exception or a crash); what is read has
// the fields the format requires (every amendment of a book an event id and a publication
// date, every value a valid-from date, every budget line a publication date). Field contents
// (names, ranges) are the ledger's to validate when the events are appended.
#include <string>

#include "absl/status/status.h"
#include "tests/fuzz/fuzz_check.h"
#include "replay/rulebook/rule_book.h"

namespace {

void CheckAmendment(const booo::v1::RuleAmended& amendment) {
  FUZZ_CHECK(amendment.has_publication_date());
  for (const booo::v1::ParameterValue& value : amendment.values()) {
    FUZZ_CHECK(value.has_valid_from());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      auto book = booo::rulebook::ParseRuleBook(text, "rules.json");
      if (!book.ok()) {
        FUZZ_CHECK(absl::IsInvalidArgument(book.status()));
        return 0;
      }
      for (const auto& a : *book) {
        FUZZ_CHECK(!a.event_id.empty());
        CheckAmendment(a.amendment);
      }
      return 0;
    }
    case 1: {
      auto amendment = booo::rulebook::ParseAmendment(text, "proposal.json");
      if (!amendment.ok()) {
        FUZZ_CHECK(absl::IsInvalidArgument(amendment.status()));
        return 0;
      }
      CheckAmendment(*amendment);
      return 0;
    }
    default: {
      auto book = booo::rulebook::ParseBudgetBook(text, "budget.json");
      if (!book.ok()) {
        FUZZ_CHECK(absl::IsInvalidArgument(book.status()));
        return 0;
      }
      for (const auto& line : *book) {
        FUZZ_CHECK(line.line.has_publication_date());
      }
      return 0;
    }
  }
}
