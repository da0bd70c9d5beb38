// append, get, read, tail.
#include <chrono>
#include <iostream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/core/status_macros.h"
#include "tools/ledgerctl/client.h"
#include "tools/ledgerctl/commands.h"
#include "replay/rulebook/event_file.h"

namespace booo::ledgerctl {
namespace {

struct AppendArgs {
  std::string key;
  std::vector<std::string> event_files;
  std::string event_id;
};

// One event file: JSON in the protobuf JSON mapping of booo.v1.EventBody.
absl::StatusOr<booo::v1::EventBody> ReadEventFile(const std::string& file, size_t index) {
  std::string json;
  if (file == "-") {
    json.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    ASSIGN_OR_RETURN(json, ReadTextFile(file));
  }
  return rulebook::ParseEventJson(json, absl::StrCat("event[", index, "] (", file, ")"));
}

// What each event leaves empty (event id, signer, client time, stream) is filled in before
// signing. One event goes as Append; several as one AppendBatch, all admitted or none, with a
// receipt per line in the order given.
absl::Status Append(const Globals& globals, const AppendArgs& args) {
  ASSIGN_OR_RETURN(ledger::Ed25519PrivateKey key, ledger::ReadPrivateKeyFile(args.key));
  if (args.event_files.size() > 1 && !args.event_id.empty()) {
    return absl::InvalidArgumentError("--event-id: only with a single --event");
  }
  auto stub = Connect(globals.server);
  if (args.event_files.size() == 1) {
    ASSIGN_OR_RETURN(booo::v1::EventBody body, ReadEventFile(args.event_files[0], 0));
    if (!args.event_id.empty()) body.set_event_id(args.event_id);
    ASSIGN_OR_RETURN(booo::v1::AppendResponse response, SignAndAppend(*stub, body, key));
    std::cout << ReceiptToJson(response).dump() << "\n";
    return absl::OkStatus();
  }
  booo::v1::AppendBatchRequest request;
  for (size_t i = 0; i < args.event_files.size(); ++i) {
    ASSIGN_OR_RETURN(booo::v1::EventBody body, ReadEventFile(args.event_files[i], i));
    ASSIGN_OR_RETURN(*request.add_events(), SignEvent(std::move(body), key));
  }
  booo::v1::AppendBatchResponse response;
  for (int hops = 0;; ++hops) {  // a mirror names the primary: resend the same bytes there
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    absl::Status status = FromGrpc(stub->AppendBatch(&context, request, &response));
    std::optional<std::string> primary = PrimaryHint(status);
    if (!primary || hops == 3) {
      RETURN_IF_ERROR(status);
      break;
    }
    std::cerr << "ledgerctl: following the primary at " << *primary << "\n";
    stub = Connect(*primary);
  }
  for (const booo::v1::AppendResponse& result : response.results()) {
    std::cout << ReceiptToJson(result).dump() << "\n";
  }
  return absl::OkStatus();
}

absl::Status Get(const Globals& globals, int64_t sequence, const std::string& event_id) {
  booo::v1::GetEventRequest request;
  if (!event_id.empty()) {
    request.set_event_id(event_id);
  } else if (sequence >= 0) {
    request.set_sequence(static_cast<uint64_t>(sequence));
  } else {
    return absl::InvalidArgumentError("get: give --sequence or --event-id");
  }
  auto stub = Connect(globals.server);
  grpc::ClientContext context;
  booo::v1::StoredEvent event;
  RETURN_IF_ERROR(FromGrpc(stub->GetEvent(&context, request, &event)));
  std::cout << EventToJson(event).dump(2) << "\n";
  return absl::OkStatus();
}

struct ReadArgs {
  uint64_t start = 0;
  uint32_t max = 100;
  std::string stream;
  bool all = false;
};

absl::Status Read(const Globals& globals, const ReadArgs& args) {
  auto stub = Connect(globals.server);
  uint64_t start = args.start;
  // Bounded even with --all: at most a million pages.
  for (int page = 0; page < 1'000'000; ++page) {
    booo::v1::ReadEventsRequest request;
    request.set_start(start);
    request.set_max_events(args.max);
    request.set_stream(args.stream);
    grpc::ClientContext context;
    booo::v1::ReadEventsResponse response;
    RETURN_IF_ERROR(FromGrpc(stub->ReadEvents(&context, request, &response)));
    for (const auto& event : response.events()) std::cout << EventToJson(event).dump() << "\n";
    start = response.next_start();
    if (!args.all || response.end_of_log()) break;
  }
  return absl::OkStatus();
}

absl::Status Tail(const Globals& globals, uint64_t from, int64_t count) {
  auto stub = Connect(globals.server);
  grpc::ClientContext context;
  booo::v1::SubscribeRequest request;
  request.set_start_sequence(from);
  auto reader = stub->Subscribe(&context, request);
  booo::v1::StoredEvent event;
  int64_t seen = 0;
  while ((count < 0 || seen < count) && reader->Read(&event)) {
    std::cout << EventToJson(event).dump() << "\n" << std::flush;
    ++seen;
  }
  if (count >= 0 && seen >= count) {
    context.TryCancel();
    reader->Finish();
    return absl::OkStatus();
  }
  return FromGrpc(reader->Finish());
}

}  // namespace

void AddEventCommands(CLI::App& app, Globals& globals, int& exit_code) {
  auto append_args = std::make_shared<AppendArgs>();
  auto* append = app.add_subcommand(
      "append", "sign events (JSON EventBody) and append them: one, or several all or none");
  append->add_option("--key", append_args->key, "signer's private key file")->required();
  append
      ->add_option("--event", append_args->event_files,
                   "JSON file, or - for stdin; repeat it to append several as one batch")
      ->required();
  append->add_option("--event-id", append_args->event_id, "event id (overrides the file's)");
  append->callback(
      [&globals, append_args, &exit_code] { exit_code = Report(Append(globals, *append_args)); });

  auto sequence = std::make_shared<int64_t>(-1);
  auto event_id = std::make_shared<std::string>();
  auto* get = app.add_subcommand("get", "one event by sequence or event id");
  get->add_option("--sequence", *sequence, "ledger sequence");
  get->add_option("--event-id", *event_id, "event id");
  get->callback([&globals, sequence, event_id, &exit_code] {
    exit_code = Report(Get(globals, *sequence, *event_id));
  });

  auto read_args = std::make_shared<ReadArgs>();
  auto* read = app.add_subcommand("read", "events as JSON lines, by sequence or stream");
  read->add_option("--start", read_args->start, "first sequence (or stream version)");
  read->add_option("--max", read_args->max, "events per page (1..1000)")->capture_default_str();
  read->add_option("--stream", read_args->stream, "only this stream");
  read->add_flag("--all", read_args->all, "keep paging to the end of the log");
  read->callback(
      [&globals, read_args, &exit_code] { exit_code = Report(Read(globals, *read_args)); });

  auto from = std::make_shared<uint64_t>(0);
  auto count = std::make_shared<int64_t>(-1);
  auto* tail = app.add_subcommand("tail", "follow the log: stored events, then live ones");
  tail->add_option("--from", *from, "first sequence")->capture_default_str();
  tail->add_option("--count", *count, "stop after this many events (default: never)");
  tail->callback(
      [&globals, from, count, &exit_code] { exit_code = Report(Tail(globals, *from, *count)); });
}

}  // namespace booo::ledgerctl
