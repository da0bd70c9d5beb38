// ledgerd: the booo-ledger server. Flags: --data-dir, --listen, --checkpoint-key, --tiles-listen;
// mutual TLS with --tls-cert, --tls-key and --tls-client-ca (or --plaintext-for-development);
// limits.
// SIGTERM or SIGINT shut it down gracefully: in-flight appends finish, nothing is half-written.
#include <csignal>
#include <iostream>
#include <thread>

#include "CLI/CLI.hpp"
#include "services/log.h"
#include "services/server.h"

int main(int argc, char** argv) {
  CLI::App app{"ledgerd: the booo-ledger gRPC server"};
  booo::services::ServerOptions options;
  options.data_dir = "ledger-data";
  app.add_option("--data-dir", options.data_dir, "RocksDB data directory (made by ledgerctl init)")
      ->capture_default_str();
  app.add_option("--listen", options.listen_address, "host:port to listen on (port 0: any)")
      ->capture_default_str();
  app.add_option("--checkpoint-key", options.checkpoint_key_files,
                 "checkpoint signing key; repeat it around a key rotation (default "
                 "<data-dir>/checkpoint.key)");
  app.add_option("--max-body-bytes", options.ledger.max_body_bytes,
                 "largest event body accepted (at most and by default 65422 bytes: a leaf fits a tile entry bundle)")
      ->capture_default_str();
  app.add_option("--tls-cert", options.tls_certificate_file, "server certificate chain (PEM)");
  app.add_option("--tls-key", options.tls_private_key_file, "server private key (PEM)");
  app.add_option("--tls-client-ca", options.tls_client_ca_file,
                 "CA certificate that issues client certificates (PEM)");
  app.add_flag("--plaintext-for-development", options.plaintext_for_development,
               "serve without TLS; every caller reads everything. Never for real data");
  app.add_option("--max-message-bytes", options.max_receive_message_bytes,
                 "largest request accepted")
      ->capture_default_str();
  app.add_option("--max-batch-events", options.ledger.max_batch_events,
                 "events per AppendBatch")
      ->capture_default_str();
  app.add_option("--max-requests-per-second", options.limits.requests_per_second,
                 "sustained requests per second per identity (0: no limit)")
      ->capture_default_str();
  app.add_option("--request-burst", options.limits.request_burst,
                 "requests one identity may make at once")
      ->capture_default_str();
  app.add_option("--max-subscriptions", options.limits.max_subscriptions,
                 "concurrent Subscribe streams per identity")
      ->capture_default_str();
  app.add_option("--tiles-listen", options.tiles.listen_address,
                 "host:port of the anonymous, read-only HTTP listener serving the log as C2SP "
                 "tlog-tiles (HTTPS with the TLS files above); off when not given");
  app.add_flag("--public-entries", options.tiles.public_entries,
               "serve entry bundles (the events themselves) to anyone; without it only to a "
               "client certificate that may read the whole log");
  app.add_option("--witness-policy", options.witness_policy_file,
                 "a C2SP tlog-policy file: the witnesses to ask for cosignatures (with URLs) and "
                 "the quorum; appends never wait for them");
  CLI11_PARSE(app, argc, argv);

  // Block the stop signals in every thread; one thread waits for them synchronously, so the
  // shutdown runs as ordinary code rather than inside a signal handler.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  booo::ledger::SystemClock clock;
  auto server = booo::services::LedgerServer::Start(options, &clock);
  if (!server.ok()) {
    booo::services::Log("error", "ledgerd cannot start",
                        {{"reason", std::string(server.status().message())}});
    return 1;
  }
  std::thread stopper([&] {
    int signal = 0;
    sigwait(&stop_signals, &signal);
    booo::services::Log("info", "stop signal",
                        {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
    (*server)->Shutdown();
  });
  (*server)->Wait();
  stopper.join();
  return 0;
}
