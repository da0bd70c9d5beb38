#include "replay/rulebook/event_file.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace booo::rulebook {

absl::StatusOr<booo::v1::EventBody> ParseEventJson(std::string_view json,
                                                   const std::string& where) {
  booo::v1::EventBody body;
  google::protobuf::util::JsonParseOptions options;  // ignore_unknown_fields stays false
  auto parsed = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &body, options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": not a booo.v1.EventBody in JSON: ",
                                                   parsed.message().ToString()));
  }
  return body;
}

}  // namespace booo::rulebook
