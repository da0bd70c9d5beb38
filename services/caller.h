// Who is calling. Over TLS a caller proves an identity with a client certificate whose public
// key is a key registered in the ledger (the same Ed25519 key that signs its events), so the
// ledger's own key registry says who the caller is and what it may read: no second user
// database to keep in step. Only behind the explicit development flag does plaintext serve,
// and then every caller is an unrestricted development caller.
#ifndef BOOO_SERVICES_CALLER_H_
#define BOOO_SERVICES_CALLER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "booo/v1/events.pb.h"
#include "grpcpp/server_context.h"
#include "ledger/storage/ledger.h"

namespace booo::services {

struct Caller {
  bool development = false;  // plaintext development mode: reads everything
  std::string key_id;        // the registered key the client certificate holds
  booo::v1::Role role = booo::v1::ROLE_UNSPECIFIED;
  std::string municipality_code;  // ROLE_MUNICIPALITY only
  // What per-identity limits count against: the key id; in development mode, the peer address.
  std::string limit_key;

  bool is_municipality() const { return !development && role == booo::v1::ROLE_MUNICIPALITY; }
  // "key k-3f… (municipality GM0363)", for messages.
  std::string Describe() const;
};

// The Ed25519 public key (32 raw bytes) of a PEM certificate; INVALID_ARGUMENT for any other
// key type or for bytes that are no certificate.
absl::StatusOr<std::string> Ed25519KeyOfCertificate(absl::string_view pem);

class CallerIdentifier {
 public:
  // `ledger` must outlive the identifier.
  CallerIdentifier(const ledger::Ledger* ledger, bool plaintext_development)
      : ledger_(ledger), plaintext_development_(plaintext_development) {}

  // UNAUTHENTICATED when the call carries no verified client certificate, or one whose key
  // the ledger does not know or has revoked (a revocation takes effect at once: it is read
  // from the registry on every call).
  absl::StatusOr<Caller> Identify(const grpc::ServerContextBase& context) const;
  // The same for a client certificate (PEM) verified by another TLS endpoint (the tiles
  // listener): UNAUTHENTICATED unless its key is registered and not revoked.
  absl::StatusOr<Caller> IdentifyCertificate(absl::string_view pem) const;
  bool plaintext_development() const { return plaintext_development_; }

 private:
  const ledger::Ledger* const ledger_;
  const bool plaintext_development_;
};

}  // namespace booo::services

#endif  // BOOO_SERVICES_CALLER_H_
