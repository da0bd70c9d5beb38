// Debian's abseil is built with its own absl::string_view (ABSL_OPTION_USE_STD_STRING_VIEW 0),
// which does not convert implicitly to or from std::string_view. Project code speaks
// absl::string_view (what StrCat and Status take); these two bridge to code that takes the
// standard one.
#ifndef BOOO_LEDGER_CORE_STRING_VIEWS_H_
#define BOOO_LEDGER_CORE_STRING_VIEWS_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace booo::ledger {

inline std::string_view ToStd(absl::string_view s) { return std::string_view(s.data(), s.size()); }
inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

}  // namespace booo::ledger

#endif  // BOOO_LEDGER_CORE_STRING_VIEWS_H_
