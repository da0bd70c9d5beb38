// The tiles listener: the log served anonymously and read-only over HTTP as C2SP tlog-tiles
// (https://c2sp.org/tlog-tiles), so that anyone can watch it with standard tools and any HTTP
// cache or CDN can carry the read load.
//
//   GET /checkpoint                      the latest checkpoint, with the witness cosignatures
//                                        collected; text/plain; charset=utf-8; max-age 2 s
//   GET /tile/<L>/<N>[.p/<W>]            256 hashes (8,192 bytes) of complete subtrees, or the
//                                        W of a partial tile; application/octet-stream
//   GET /tile/entries/<N>[.p/<W>]        the leaves of level-0 tile N, each with a big-endian
//                                        uint16 length; gzip when the client accepts it
//
// Full tiles and bundles never change: `Cache-Control: public, max-age=31536000, immutable`.
// Partial tiles: 60 s. What the tree does not hold yet: 404 with `no-store`. A malformed path
// (non-canonical index, level above 63, width 0 or 256, ...): 400 naming the part. Other
// methods: 405. Every tile is checked against the head's root before it is served
// (Ledger::ReadTile): a damaged store answers 500, never a wrong tile.
//
// Entry bundles hold municipal figures and keyed pseudonyms: served to everyone only with
// `public_entries`; otherwise, over TLS, to a client certificate whose ledger key may read the
// whole log (the read rights of ReadEvents), 401 without one and 403 for another. In plaintext
// development mode every caller reads everything, as on the gRPC port.
#ifndef BOOO_SERVICES_TILES_HTTP_H_
#define BOOO_SERVICES_TILES_HTTP_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ledger/storage/ledger.h"
#include "services/access_log.h"
#include "services/caller.h"
#include "services/rate_limiter.h"

namespace httplib {
class Server;
}

namespace booo::services {

struct TilesHttpOptions {
  std::string listen_address;  // "host:port"; port 0 picks a free one
  bool public_entries = false;
  // TLS, with the gRPC port's files: the server's chain and key, and the CA of client
  // certificates (presenting one is optional here). All empty: plain HTTP.
  std::string tls_certificate_file;
  std::string tls_private_key_file;
  std::string tls_client_ca_file;
  // Threads answering requests; a keep-alive connection holds one while it lasts.
  int threads = 64;
  // Tiles and bundles never change once the tree holds them: once read and checked they are
  // kept in memory, up to this many bytes (oldest dropped first), with their gzip form.
  size_t cache_bytes = 64 << 20;
  // Requests per second (sustained) and at once per client address; beyond, 429 with
  // Retry-After. Anonymous readers asking for every width of every partial tile would
  // otherwise churn the cache; a CDN in front shares one address and needs a higher limit.
  // 0: no limit.
  double requests_per_second_per_client = 200;
  double request_burst_per_client = 400;
  // Where the entry bundles an identified caller reads are recorded (services/access_log.h:
  // they hold every municipality's events); a bundle whose read cannot be recorded is refused
  // with 503. Public entries (`public_entries`) are published data and are not recorded. Not
  // owned; optional.
  AccessLog* access_log = nullptr;
  // Told of every answer: its kind ("checkpoint", "tile", "entries", "other") and HTTP status
  // (the metrics). Optional.
  std::function<void(absl::string_view kind, int status)> on_served;
};

// One answer of the listener, apart from the socket: what Respond computes.
struct HttpAnswer {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string cache_control = "no-store";
  std::string body;
};

class TilesHttpServer {
 public:
  // The signed note to serve at /checkpoint.
  using CheckpointSource = std::function<absl::StatusOr<std::string>()>;

  // `ledger` and `callers` must outlive the server. UNAVAILABLE when it cannot listen;
  // INVALID_ARGUMENT for an unreadable TLS file or a malformed address.
  static absl::StatusOr<std::unique_ptr<TilesHttpServer>> Start(const TilesHttpOptions& options,
                                                                const ledger::Ledger* ledger,
                                                                const CallerIdentifier* callers,
                                                                CheckpointSource checkpoint);
  ~TilesHttpServer();

  int port() const { return port_; }
  // Stops listening and waits for the requests being answered. Idempotent.
  void Shutdown();

  // The answer to a GET of `target` (the request line's path, with any query) by a caller who
  // may (`entries_allowed` OK) or may not read entry bundles; `entries_public` when everyone may
  // (then shared caches may keep them too).
  static HttpAnswer Respond(absl::string_view target, const ledger::Ledger& ledger,
                            const absl::Status& entries_allowed, bool entries_public,
                            const CheckpointSource& checkpoint);

 private:
  TilesHttpServer() = default;
  class TileCache;
  std::unique_ptr<TileCache> cache_;
  std::unique_ptr<RateLimiter> rates_;
  std::unique_ptr<httplib::Server> http_;
  std::thread listener_;
  int port_ = 0;
};

// "host:port" split; INVALID_ARGUMENT naming `field` otherwise. "[::1]:80" gives "::1".
absl::StatusOr<std::pair<std::string, int>> SplitHostPort(absl::string_view address,
                                                          absl::string_view field);

}  // namespace booo::services

#endif  // BOOO_SERVICES_TILES_HTTP_H_
