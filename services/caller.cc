#include "services/caller.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "ledger/core/crypto.h"
#include "openssl/evp.h"
#include "openssl/pem.h"
#include "openssl/x509.h"

namespace booo::services {

std::string Caller::Describe() const {
  if (development) return absl::StrCat("development caller ", limit_key);
  switch (role) {
    case booo::v1::ROLE_MUNICIPALITY:
      return absl::StrCat("key ", key_id, " (municipality ", municipality_code, ")");
    case booo::v1::ROLE_MINISTRY:
      return absl::StrCat("key ", key_id, " (ministry)");
    case booo::v1::ROLE_AUDITOR:
      return absl::StrCat("key ", key_id, " (auditor)");
    case booo::v1::ROLE_MIRROR:
      return absl::StrCat("key ", key_id, " (mirror)");
    default:
      return absl::StrCat("key ", key_id);
  }
}

absl::StatusOr<std::string> Ed25519KeyOfCertificate(absl::string_view pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  if (bio == nullptr) return absl::ResourceExhaustedError("certificate: out of memory");
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
  if (cert == nullptr) return absl::InvalidArgumentError("certificate: is not a PEM certificate");
  EVP_PKEY* key = X509_get0_pubkey(cert.get());  // owned by the certificate
  if (key == nullptr || EVP_PKEY_id(key) != EVP_PKEY_ED25519) {
    return absl::InvalidArgumentError(
        "certificate: its public key is not Ed25519 (a client certificate must hold the "
        "caller's registered ledger key)");
  }
  std::string raw(32, '\0');
  size_t length = raw.size();
  if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(raw.data()), &length) !=
          1 ||
      length != 32) {
    return absl::InvalidArgumentError("certificate: unreadable Ed25519 public key");
  }
  return raw;
}

absl::StatusOr<Caller> CallerIdentifier::Identify(const grpc::ServerContextBase& context) const {
  if (plaintext_development_) {
    Caller caller;
    caller.development = true;
    caller.limit_key = context.peer();
    return caller;
  }
  const std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr || !auth->IsPeerAuthenticated()) {
    return absl::UnauthenticatedError(
        "client certificate: none presented; every call needs a certificate over a registered "
        "ledger key (ledgerctl tls client-cert)");
  }
  const std::vector<grpc::string_ref> pems = auth->FindPropertyValues("x509_pem_cert");
  if (pems.empty()) {
    return absl::UnauthenticatedError("client certificate: the TLS layer passed on none");
  }
  return IdentifyCertificate(absl::string_view(pems.front().data(), pems.front().size()));
}

absl::StatusOr<Caller> CallerIdentifier::IdentifyCertificate(absl::string_view pem) const {
  absl::StatusOr<std::string> public_key = Ed25519KeyOfCertificate(pem);
  if (!public_key.ok()) return absl::UnauthenticatedError(public_key.status().message());
  const std::string key_id = ledger::KeyIdForPublicKey(*public_key);
  const std::optional<ledger::KeyInfo> key = ledger_->FindKey(key_id);
  // The whole key is compared: a key id is a short name, not proof of the key.
  if (!key || key->public_key != *public_key) {
    return absl::UnauthenticatedError(
        absl::StrCat("client certificate: key ", key_id, " is not registered in this ledger"));
  }
  if (key->revoked_at_sequence) {
    return absl::UnauthenticatedError(absl::StrCat("client certificate: key ", key_id,
                                                   " was revoked at sequence ",
                                                   *key->revoked_at_sequence));
  }
  Caller caller;
  caller.key_id = key_id;
  caller.role = key->role;
  caller.municipality_code = key->municipality_code;
  caller.limit_key = key_id;
  return caller;
}

}  // namespace booo::services
