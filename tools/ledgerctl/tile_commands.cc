// export-tiles: the log as static C2SP tlog-tiles files, brought up to date incrementally.
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "ledger/core/checkpoint.h"
#include "ledger/core/leaf_format.h"
#include "ledger/core/merkle.h"
#include "ledger/core/status_macros.h"
#include "ledger/core/tiles.h"
#include "tools/ledgerctl/client.h"
#include "tools/ledgerctl/commands.h"
#include "tools/ledgerctl/tile_directory.h"

namespace booo::ledgerctl {
namespace {

struct ExportTilesArgs {
  std::string out;
  std::string since_checkpoint;  // default: <out>/checkpoint when present
  std::string verifier_key;
};

// New nodes first, then the tiles already written.
class LayeredHashes : public ledger::SubtreeHashSource {
 public:
  LayeredHashes(const ledger::MemorySubtreeStore* fresh, const ledger::SubtreeHashSource* old)
      : fresh_(fresh), old_(old) {}
  absl::StatusOr<ledger::Hash> CompleteSubtree(int level, uint64_t index) const override {
    absl::StatusOr<ledger::Hash> hash = fresh_->CompleteSubtree(level, index);
    if (hash.ok() || !absl::IsNotFound(hash.status())) return hash;
    return old_->CompleteSubtree(level, index);
  }

 private:
  const ledger::MemorySubtreeStore* const fresh_;
  const ledger::SubtreeHashSource* const old_;
};

absl::Status ExportTiles(const Globals& globals, const ExportTilesArgs& args) {
  ASSIGN_OR_RETURN(std::string verifier_key, VerifierKeyArgument(args.verifier_key));
  auto stub = Connect(globals.server);

  // Where the directory stands: the checkpoint it was last brought to, checked.
  std::string since_file = args.since_checkpoint;
  if (since_file.empty() && std::filesystem::exists(std::filesystem::path(args.out) / "checkpoint")) {
    since_file = (std::filesystem::path(args.out) / "checkpoint").string();
  }
  ledger::Checkpoint since{"", 0, ledger::EmptyTreeRoot(), {}};
  if (!since_file.empty()) {
    ASSIGN_OR_RETURN(std::string note, ReadTextFile(since_file));
    ASSIGN_OR_RETURN(ledger::Checkpoint peeked, ledger::PeekCheckpoint(note));
    std::string origin;
    ASSIGN_OR_RETURN(auto key, CheckpointVerifier(*stub, verifier_key, peeked.tree_size, &origin));
    ASSIGN_OR_RETURN(since, ledger::OpenCheckpoint(note, key.first, key.second, origin));
  }
  const TileDirectory written(args.out, since.tree_size);
  ASSIGN_OR_RETURN(ledger::CompactRange range,
                   ledger::CompactRange::Load(written, since.tree_size));
  if (range.Root() != since.root_hash) {
    return absl::DataLossError(absl::StrCat(
        "out: ", args.out, " does not hold the tree of ", since_file, " (size ", since.tree_size,
        "): its tiles give root ", ledger::HashToHex(range.Root()), ", the checkpoint signs ",
        ledger::HashToHex(since.root_hash)));
  }

  std::string note;
  ASSIGN_OR_RETURN(ledger::Checkpoint head, FetchVerifiedCheckpoint(*stub, verifier_key, &note));
  if (head.tree_size < since.tree_size) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the server's checkpoint (size ", head.tree_size, ") is older than the directory's (size ",
        since.tree_size, "): a log never shrinks; keep both as evidence:\n", note));
  }

  // The events from the first one of the bundle holding `since`, so that the partial bundle
  // is written whole; every leaf re-encoded and checked against its leaf hash.
  ledger::MemorySubtreeStore fresh;
  uint64_t next = since.tree_size / ledger::kTileWidth * ledger::kTileWidth;
  std::string bundle;
  uint64_t files = 0;
  uint64_t bytes = 0;
  // Bundles are staged until the new root is checked: a failed run publishes nothing.
  const std::string staging = absl::StrCat(args.out, "/.staging-", ::getpid());
  std::vector<ledger::TileId> staged;
  struct RemoveStaging {
    std::string dir;
    ~RemoveStaging() {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }
  } remove_staging{staging};
  auto stage = [&](const ledger::TileId& tile, const std::string& content) -> absl::Status {
    RETURN_IF_ERROR(WriteFileAtomically(staging, ledger::TilePath(tile), content));
    staged.push_back(tile);
    return absl::OkStatus();
  };
  auto write = [&](const ledger::TileId& tile, const std::string& content) -> absl::Status {
    RETURN_IF_ERROR(WriteFileAtomically(args.out, ledger::TilePath(tile), content));
    ++files;
    bytes += content.size();
    return absl::OkStatus();
  };
  while (next < head.tree_size) {
    grpc::ClientContext context;
    booo::v1::ReadEventsRequest request;
    request.set_start(next);
    request.set_max_events(1000);
    booo::v1::ReadEventsResponse page;
    RETURN_IF_ERROR(FromGrpc(stub->ReadEvents(&context, request, &page)));
    if (page.events().empty()) {
      return absl::DataLossError(absl::StrCat("the server sent no event at sequence ", next,
                                              " below its checkpoint's size ", head.tree_size));
    }
    for (const booo::v1::StoredEvent& event : page.events()) {
      if (next == head.tree_size) break;
      if (event.sequence() != next) {
        return absl::DataLossError(absl::StrCat("the server sent sequence ", event.sequence(),
                                                " where ", next, " was due (a narrowed read? "
                                                "export-tiles needs a reader of the whole log)"));
      }
      ASSIGN_OR_RETURN(std::string leaf,
                       ledger::EncodeLeaf({event.sequence(), event.recorded_at_micros(),
                                           event.key_id(), event.body(), event.signature()}));
      const ledger::Hash leaf_hash = ledger::HashLeaf(leaf);
      if (std::string(leaf_hash.begin(), leaf_hash.end()) != event.leaf_hash()) {
        return absl::DataLossError(
            absl::StrCat("event ", next, ": its fields do not hash to the leaf hash sent"));
      }
      if (next >= since.tree_size) {
        fresh.PutAll(range.Append(leaf_hash));
      } else {
        // Below the directory's size the tiles already hold the leaf hash: it must match.
        ASSIGN_OR_RETURN(ledger::Hash held, written.CompleteSubtree(0, next));
        if (held != leaf_hash) {
          return absl::DataLossError(absl::StrCat(
              "event ", next, ": the server sent another leaf than the directory's tree holds"));
        }
      }
      RETURN_IF_ERROR(ledger::AppendBundleEntry(bundle, leaf, next));
      ++next;
      if (next % ledger::kTileWidth == 0) {
        RETURN_IF_ERROR(stage({true, 0, next / ledger::kTileWidth - 1, ledger::kTileWidth}, bundle));
        bundle.clear();
      }
    }
  }
  if (range.Root() != head.root_hash) {
    return absl::DataLossError(absl::StrCat(
        "the events the server sent make root ", ledger::HashToHex(range.Root()),
        ", not the root its checkpoint signs (", ledger::HashToHex(head.root_hash), ")"));
  }
  for (const ledger::TileId& tile : staged) {
    const std::filesystem::path to = std::filesystem::path(args.out) / ledger::TilePath(tile);
    std::error_code error;
    std::filesystem::create_directories(to.parent_path(), error);
    if (!error) std::filesystem::rename(std::filesystem::path(staging) / ledger::TilePath(tile), to, error);
    if (error) {
      return absl::UnavailableError(absl::StrCat(to.string(), ": cannot move into place: ",
                                                 error.message()));
    }
    ++files;
    bytes += std::filesystem::file_size(to, error);
  }
  if (next % ledger::kTileWidth != 0) {
    RETURN_IF_ERROR(write({true, 0, next / ledger::kTileWidth,
                           static_cast<uint32_t>(next % ledger::kTileWidth)},
                          bundle));
  }
  const LayeredHashes hashes(&fresh, &written);
  for (const ledger::TileId& tile : ledger::TilesAddedSince(since.tree_size, head.tree_size)) {
    if (tile.entries) continue;  // written above
    ASSIGN_OR_RETURN(std::string content, ledger::TileHashes(hashes, tile, head.tree_size));
    RETURN_IF_ERROR(write(tile, content));
  }
  // Last, so that a reader never sees a checkpoint whose tiles are not there yet.
  RETURN_IF_ERROR(WriteFileAtomically(args.out, "checkpoint", note));
  std::cout << nlohmann::json{{"out", args.out},
                              {"from_size", since.tree_size},
                              {"tree_size", head.tree_size},
                              {"root", ledger::HashToHex(head.root_hash)},
                              {"files_written", files},
                              {"bytes_written", bytes}}
                   .dump()
            << "\n";
  return absl::OkStatus();
}

}  // namespace

void AddTileCommands(CLI::App& app, Globals& globals, int& exit_code) {
  auto args = std::make_shared<ExportTilesArgs>();
  auto* exp = app.add_subcommand(
      "export-tiles",
      "write the log as static C2SP tlog-tiles files (checkpoint, hash tiles, entry bundles) for "
      "any web server or object store; a second run adds only what is new (needs a reader of "
      "the whole log)");
  exp->add_option("--out", args->out, "the directory to write (and to bring up to date)")
      ->required();
  exp->add_option("--since-checkpoint", args->since_checkpoint,
                  "the checkpoint the directory was last brought to (default: <out>/checkpoint)");
  exp->add_option("--checkpoint-key", args->verifier_key, "verifier key (or file)");
  exp->callback([&globals, args, &exit_code] { exit_code = Report(ExportTiles(globals, *args)); });
}

}  // namespace booo::ledgerctl
