// Fuzz target: the offline verifier (ledger/core/verifier.h) on an export file an auditor was handed,
// byte for byte from the input: the header, the length-prefixed leaves, their decoding, the
// genesis, key events, signatures, the rule guard and the tree.
// Properties: a damaged export is refused (never a crash, a hang or an exception), and a
// refusal that concerns one event names the sequence it reports.
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ledger/core/export_file.h"
#include "ledger/core/verifier.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/support/event_factory.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto reader = booo::ledger::ExportFileReader::FromBytes(
      std::string(reinterpret_cast<const char*>(data), size), "fuzz.export");
  if (!reader.ok()) {
    FUZZ_CHECK(absl::IsDataLoss(reader.status()));
    return 0;
  }
  std::optional<uint64_t> first_bad;
  booo::ledger::VerifyOptions options;
  options.payload_rules = booo::testing::GrantRules();
  auto report = booo::ledger::VerifyLedger(**reader, options, &first_bad);
  if (report.ok()) {
    FUZZ_CHECK(!first_bad.has_value());
    return 0;
  }
  if (first_bad) {
    FUZZ_CHECK(absl::StrContains(report.status().message(), absl::StrCat("sequence ", *first_bad)));
  }
  return 0;
}
