// The rule book: the scheme's rule history as a JSON file of amendments (format and sources in
// replay/rulebook/README.md), which `ledgerctl load-rules` signs and appends and tests load as
// the real rules.
#ifndef BOOO_REPLAY_RULEBOOK_RULE_BOOK_H_
#define BOOO_REPLAY_RULEBOOK_RULE_BOOK_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "booo/v1/events.pb.h"

namespace booo::rulebook {

// "2022-10-15" -> CivilDate; INVALID_ARGUMENT naming `field` otherwise.
// A whole file's text; NOT_FOUND naming the path when it cannot be read. Shared by every reader
// of the project's files (rule books here, ledgerctl's key and event files).
absl::StatusOr<std::string> ReadTextFile(const std::string& path);

absl::StatusOr<booo::v1::CivilDate> ParseDate(const std::string& text, const std::string& field);

struct RuleBookAmendment {
  std::string event_id;
  // The event id of an earlier amendment this one corrects (a correction of the book's data,
  // recorded as a new event; empty for an amendment of the law itself).
  std::string supersedes;
  booo::v1::RuleAmended amendment;
  // The event that records it: stream "rules", the event id, supersedes_event_id, the body.
  booo::v1::EventBody ToEvent() const;
};
// The whole file: {"title": ..., "amendments": [...]}; every amendment needs an event_id.
// Unknown fields are refused (INVALID_ARGUMENT naming them), so a typo cannot pass silently.
// NOT_FOUND when the file cannot be read.
absl::StatusOr<std::vector<RuleBookAmendment>> ReadRuleBook(const std::string& path);
// The same from the file's text; `path` only names it in messages.
absl::StatusOr<std::vector<RuleBookAmendment>> ParseRuleBook(std::string_view text,
                                                             const std::string& path);
// One amendment in the same format (event_id optional), e.g. a proposal to simulate.
absl::StatusOr<booo::v1::RuleAmended> ReadAmendmentFile(const std::string& path);
absl::StatusOr<booo::v1::RuleAmended> ParseAmendment(std::string_view text,
                                                     const std::string& path);

// The budget book: {"title": ..., "lines": [{event_id, budget_year, line, amount_cents,
// publication_date, citation {reference, url}, source}]}, each line one BudgetLineSet event.
struct BudgetBookLine {
  std::string event_id;
  booo::v1::BudgetLineSet line;
};
absl::StatusOr<std::vector<BudgetBookLine>> ReadBudgetBook(const std::string& path);
absl::StatusOr<std::vector<BudgetBookLine>> ParseBudgetBook(std::string_view text,
                                                            const std::string& path);

}  // namespace booo::rulebook

#endif  // BOOO_REPLAY_RULEBOOK_RULE_BOOK_H_
