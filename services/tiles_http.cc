#include "services/tiles_http.h"

#include <cmath>

#include <zlib.h>

#include <deque>
#include <chrono>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "httplib.h"
#include "ledger/core/tiles.h"
#include "openssl/pem.h"
#include "openssl/ssl.h"
#include "openssl/x509.h"
#include "services/access_policy.h"
#include "services/log.h"
#include "services/trace_context.h"

namespace booo::services {
namespace {

constexpr char kImmutable[] = "public, max-age=31536000, immutable";
constexpr char kPartial[] = "public, max-age=60";
constexpr char kCheckpointCache[] = "public, max-age=2";
constexpr char kOctets[] = "application/octet-stream";
constexpr char kText[] = "text/plain; charset=utf-8";

HttpAnswer Text(int status, std::string message) {
  HttpAnswer answer;
  answer.status = status;
  answer.body = std::move(message) + "\n";
  return answer;
}

int HttpStatusOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kNotFound: return 404;
    case absl::StatusCode::kInvalidArgument: return 400;
    case absl::StatusCode::kUnauthenticated: return 401;
    case absl::StatusCode::kPermissionDenied: return 403;
    case absl::StatusCode::kUnavailable: return 503;
    default: return 500;
  }
}

// gzip (RFC 1952) of `data`, as zlib writes it with a 16 + 15 window.
absl::StatusOr<std::string> Gzip(absl::string_view data) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return absl::InternalError("gzip: deflateInit2 failed");
  }
  std::string out(deflateBound(&stream, data.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int result = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (result != Z_STREAM_END) return absl::InternalError("gzip: deflate did not finish");
  return out;
}

// Whether the entry bundles may go to this request's client: OK, or why not.
// Who may read entry bundles: OK with the identified caller (nullopt: anyone may, entries are
// public or the server is in development mode), or why not.
absl::StatusOr<std::optional<Caller>> EntriesAllowed(const httplib::Request& request,
                                                     const TilesHttpOptions& options,
                                                     const CallerIdentifier& callers) {
  if (options.public_entries || callers.plaintext_development()) return std::nullopt;
  const SSL* ssl = request.ssl;
  X509* certificate = ssl == nullptr ? nullptr : SSL_get0_peer_certificate(ssl);
  if (certificate == nullptr) {
    return absl::UnauthenticatedError(
        "entries: this log serves its entry bundles only to a client certificate over a ledger "
        "key that may read the whole log (or ledgerd runs with --public-entries)");
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (bio == nullptr || PEM_write_bio_X509(bio.get(), certificate) != 1) {
    return absl::InternalError("entries: cannot read the client certificate");
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  absl::StatusOr<Caller> caller =
      callers.IdentifyCertificate(absl::string_view(data, static_cast<size_t>(length)));
  if (!caller.ok()) return caller.status();
  if (!MayReadStream(*caller, "")) {
    return absl::PermissionDeniedError(absl::StrCat(
        "entries: ", caller->Describe(), " may not read the whole log; entry bundles hold "
        "every municipality's events"));
  }
  return std::optional<Caller>(*std::move(caller));
}

// Records an identified caller's read of an entry bundle before it is answered; the read's
// trace is the request's traceparent continued, or a new one.
absl::Status RecordBundleRead(AccessLog& log, const httplib::Request& request, const Caller& caller,
                              int status) {
  std::optional<ParsedTraceparent> parent;
  if (request.has_header("traceparent")) {
    parent = ParseTraceparent(request.get_header_value("traceparent"));
  }
  booo::v1::AccessRecord record = log.NewRecord(StartSpan(parent), caller, "tiles/entries");
  record.set_municipality_code("*");
  record.set_status_code(status == 200 ? booo::v1::AccessRecord::STATUS_CODE_OK
                                       : booo::v1::AccessRecord::STATUS_CODE_ERROR);
  record.set_end_time_unix_millis(record.start_time_unix_millis());
  return log.Write(record);
}

}  // namespace

// Tiles and bundles as served (body, and gzip form for bundles), first in first out.
class TilesHttpServer::TileCache {
 public:
  struct Entry {
    HttpAnswer answer;
    std::string gzipped;  // bundles only
  };
  explicit TileCache(size_t capacity) : capacity_(capacity) {}
  std::shared_ptr<const Entry> Find(const std::string& target) {
    absl::MutexLock lock(&mutex_);
    auto found = entries_.find(target);
    return found == entries_.end() ? nullptr : found->second;
  }
  void Put(const std::string& target, std::shared_ptr<const Entry> entry) {
    const size_t size = entry->answer.body.size() + entry->gzipped.size();
    if (size > capacity_) return;
    absl::MutexLock lock(&mutex_);
    if (!entries_.emplace(target, std::move(entry)).second) return;
    order_.push_back(target);
    bytes_ += size;
    while (bytes_ > capacity_ && !order_.empty()) {
      auto oldest = entries_.find(order_.front());
      bytes_ -= oldest->second->answer.body.size() + oldest->second->gzipped.size();
      entries_.erase(oldest);
      order_.pop_front();
    }
  }

 private:
  const size_t capacity_;
  absl::Mutex mutex_;
  absl::flat_hash_map<std::string, std::shared_ptr<const Entry>> entries_ ABSL_GUARDED_BY(mutex_);
  std::deque<std::string> order_ ABSL_GUARDED_BY(mutex_);
  size_t bytes_ ABSL_GUARDED_BY(mutex_) = 0;
};

absl::StatusOr<std::pair<std::string, int>> SplitHostPort(absl::string_view address,
                                                          absl::string_view field) {
  const size_t colon = address.rfind(':');
  int port = -1;
  if (colon == absl::string_view::npos || colon == 0 ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": \"", address, "\" is not host:port"));
  }
  std::string host(address.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return std::make_pair(host, port);
}

HttpAnswer TilesHttpServer::Respond(absl::string_view target, const ledger::Ledger& ledger,
                                    const absl::Status& entries_allowed, bool entries_public,
                                    const CheckpointSource& checkpoint) {
  // The raw request path: percent-escapes would give one tile a second spelling.
  absl::string_view path = target.substr(0, target.find('?'));
  if (path == "/checkpoint") {
    absl::StatusOr<std::string> note = checkpoint();
    if (!note.ok()) return Text(HttpStatusOf(note.status()), std::string(note.status().message()));
    HttpAnswer answer;
    answer.content_type = kText;
    answer.cache_control = kCheckpointCache;
    answer.body = *std::move(note);
    return answer;
  }
  if (!absl::ConsumePrefix(&path, "/tile/")) {
    return Text(404, absl::StrCat("path: ", path, " is not /checkpoint or /tile/..."));
  }
  // ParseTilePath takes the path without the leading slash: "tile/...".
  const std::string tile_path = absl::StrCat("tile/", path);
  absl::StatusOr<ledger::TileId> tile = ledger::ParseTilePath(tile_path);
  if (!tile.ok()) return Text(400, std::string(tile.status().message()));
  if (tile->entries && !entries_allowed.ok()) {
    return Text(HttpStatusOf(entries_allowed), std::string(entries_allowed.message()));
  }
  absl::StatusOr<std::string> content = ledger.ReadTile(*tile);
  if (!content.ok()) {
    HttpAnswer refused = Text(HttpStatusOf(content.status()), std::string(content.status().message()));
    if (refused.status >= 500) {
      Log("error", "tile refused",
          {{"path", tile_path}, {"reason", std::string(content.status().message())}});
    }
    return refused;
  }
  HttpAnswer answer;
  answer.content_type = kOctets;
  answer.cache_control = tile->full() ? kImmutable : kPartial;
  // Bundles for certified readers only: no shared cache may keep them.
  if (tile->entries && !entries_public) {
    answer.cache_control = tile->full() ? "private, max-age=31536000, immutable" : "private, max-age=60";
  }
  answer.body = *std::move(content);
  return answer;
}

absl::StatusOr<std::unique_ptr<TilesHttpServer>> TilesHttpServer::Start(
    const TilesHttpOptions& options, const ledger::Ledger* ledger, const CallerIdentifier* callers,
    CheckpointSource checkpoint) {
  absl::StatusOr<std::pair<std::string, int>> address =
      SplitHostPort(options.listen_address, "tiles_listen");
  if (!address.ok()) return address.status();
  const auto& [host, port] = *address;
  std::unique_ptr<TilesHttpServer> server(new TilesHttpServer());
  const bool tls = !options.tls_certificate_file.empty();
  if (tls) {
    const TilesHttpOptions files = options;
    bool loaded = false;
    server->http_ = std::make_unique<httplib::SSLServer>([files, &loaded](SSL_CTX& ctx) {
      // A client certificate is asked for but optional: anyone reads checkpoints and tiles; the
      // certificate, when given, must chain to the client CA (it names who reads entries).
      loaded = SSL_CTX_use_certificate_chain_file(&ctx, files.tls_certificate_file.c_str()) == 1 &&
               SSL_CTX_use_PrivateKey_file(&ctx, files.tls_private_key_file.c_str(),
                                           SSL_FILETYPE_PEM) == 1 &&
               SSL_CTX_check_private_key(&ctx) == 1 &&
               SSL_CTX_load_verify_locations(&ctx, files.tls_client_ca_file.c_str(), nullptr) == 1;
      if (loaded) {
        SSL_CTX_set_client_CA_list(&ctx, SSL_load_client_CA_file(files.tls_client_ca_file.c_str()));
        SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER, nullptr);
      }
      return loaded;
    });
    if (!loaded || !server->http_->is_valid()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "tiles_listen: cannot load the TLS files (", options.tls_certificate_file, ", ",
          options.tls_private_key_file, ", ", options.tls_client_ca_file, ")"));
    }
  } else {
    server->http_ = std::make_unique<httplib::Server>();
  }
  httplib::Server& http = *server->http_;
  const int threads = options.threads;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http.set_payload_max_length(4096);  // a read-only listener: GETs carry no body
  // Headers and body go out in separate writes: without this, Nagle's algorithm and the
  // client's delayed ACK hold every response back some 40 ms.
  http.set_tcp_nodelay(true);
  http.set_read_timeout(10, 0);
  http.set_write_timeout(10, 0);
  http.set_keep_alive_timeout(10);
  const bool public_entries = options.public_entries;
  const TilesHttpOptions kept = options;
  server->cache_ = std::make_unique<TileCache>(options.cache_bytes);
  TileCache* cache = server->cache_.get();
  server->rates_ = std::make_unique<RateLimiter>(options.requests_per_second_per_client,
                                                 options.request_burst_per_client);
  RateLimiter* rates = server->rates_.get();
  // Every answer, whatever handler made it, is counted by kind and status.
  if (options.on_served) {
    http.set_logger([served = options.on_served](const httplib::Request& request,
                                                 const httplib::Response& response) {
      absl::string_view kind = "other";
      if (absl::StartsWith(request.path, "/tile/entries/")) {
        kind = "entries";
      } else if (absl::StartsWith(request.path, "/tile/")) {
        kind = "tile";
      } else if (request.path == "/checkpoint") {
        kind = "checkpoint";
      }
      served(kind, response.status);
    });
  }
  http.set_pre_routing_handler([rates](const httplib::Request& request,
                                       httplib::Response& response) {
    const std::optional<double> wait_ms =
        rates->Take(request.remote_addr, absl::ToUnixMicros(absl::Now()));
    if (!wait_ms) return httplib::Server::HandlerResponse::Unhandled;
    response.status = 429;
    response.set_header("Retry-After", absl::StrCat(std::max<int64_t>(1, static_cast<int64_t>(
                                                        std::ceil(*wait_ms / 1000)))));
    response.set_header("Cache-Control", "no-store");
    response.set_content(absl::StrCat("rate: this client is over its limit of ", rates->rate(),
                                      " requests per second (bursts of ", rates->burst(),
                                      "); retry after ", std::ceil(*wait_ms), " ms\n"),
                         kText);
    return httplib::Server::HandlerResponse::Handled;
  });
  http.Get(".*", [ledger, callers, checkpoint, kept, cache](const httplib::Request& request,
                                                            httplib::Response& response) {
    const absl::StatusOr<std::optional<Caller>> reader = EntriesAllowed(request, kept, *callers);
    const absl::Status entries = reader.status();
    const bool bundle = absl::StartsWith(request.target, "/tile/entries/");
    const bool gzip_accepted =
        request.get_header_value("Accept-Encoding").find("gzip") != std::string::npos;
    // Keyed by the path alone: a query string does not make another tile.
    const std::string path = request.target.substr(0, request.target.find('?'));
    std::shared_ptr<const TileCache::Entry> entry;
    if (!bundle || entries.ok()) entry = cache->Find(path);
    if (entry == nullptr) {
      auto fresh = std::make_shared<TileCache::Entry>();
      fresh->answer = Respond(request.target, *ledger, entries,
                              kept.public_entries || callers->plaintext_development(), checkpoint);
      // A tile's content never changes once the tree holds it, partial ones included (only
      // their HTTP lifetime is short, since clients move on to wider ones).
      const bool immutable = fresh->answer.status == 200 && absl::StartsWith(path, "/tile/");
      if (bundle && fresh->answer.status == 200) {
        absl::StatusOr<std::string> zipped = Gzip(fresh->answer.body);
        if (zipped.ok()) fresh->gzipped = *std::move(zipped);
      }
      if (immutable) cache->Put(path, fresh);
      entry = std::move(fresh);
    }
    const HttpAnswer& answer = entry->answer;
    if (bundle && answer.status == 200 && kept.access_log != nullptr && reader.ok() &&
        reader->has_value()) {
      if (absl::Status recorded = RecordBundleRead(*kept.access_log, request, **reader, 200);
          !recorded.ok()) {
        response.status = 503;
        response.set_header("Cache-Control", "no-store");
        response.set_content(absl::StrCat("access log: this read could not be recorded, so "
                                          "nothing is served (",
                                          recorded.message(), ")\n"),
                             kText);
        return;
      }
    }
    response.status = answer.status;
    response.set_header("Cache-Control", answer.cache_control);
    if (bundle && answer.status == 200) {
      response.set_header("Vary", "Accept-Encoding");
      if (gzip_accepted && !entry->gzipped.empty()) {
        response.set_header("Content-Encoding", "gzip");
        response.set_content(entry->gzipped, answer.content_type.c_str());
        return;
      }
    }
    response.set_content(answer.body, answer.content_type.c_str());
  });
  auto not_allowed = [](const httplib::Request&, httplib::Response& response) {
    response.status = 405;
    response.set_header("Allow", "GET, HEAD");
    response.set_content("method: the log is read-only over HTTP; use GET\n", kText);
  };
  http.Post(".*", not_allowed);
  http.Put(".*", not_allowed);
  http.Patch(".*", not_allowed);
  http.Delete(".*", not_allowed);
  http.Options(".*", not_allowed);

  server->port_ = port == 0 ? http.bind_to_any_port(host) : (http.bind_to_port(host, port) ? port : -1);
  if (server->port_ <= 0) {
    return absl::UnavailableError(
        absl::StrCat("tiles_listen: cannot listen on ", options.listen_address));
  }
  server->listener_ = std::thread([&http] { http.listen_after_bind(); });
  // httplib's stop() does nothing before the listener runs: a Shutdown right after Start
  // would otherwise leave it running, and its join waiting forever.
  for (int i = 0; i < 5000 && !http.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  Log("info", "tiles listener serving",
      {{"listen", options.listen_address},
       {"port", server->port_},
       {"transport", tls ? "https" : "http"},
       {"entries", public_entries ? "public" : "readers of the whole log"}});
  return server;
}

TilesHttpServer::~TilesHttpServer() { Shutdown(); }

void TilesHttpServer::Shutdown() {
  if (http_) http_->stop();
  if (listener_.joinable()) listener_.join();
}

}  // namespace booo::services
