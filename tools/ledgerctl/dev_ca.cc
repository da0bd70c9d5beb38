#include "tools/ledgerctl/dev_ca.h"

#include <arpa/inet.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "openssl/bio.h"
#include "openssl/bn.h"
#include "openssl/evp.h"
#include "openssl/pem.h"
#include "openssl/rand.h"
#include "openssl/x509.h"
#include "openssl/x509v3.h"

namespace booo::ledgerctl {
namespace {

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Certificate = std::unique_ptr<X509, decltype(&X509_free)>;
using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;

absl::Status OpenSslError(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": OpenSSL failed"));
}

absl::StatusOr<Key> NewEd25519Key() {
  Key key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"), &EVP_PKEY_free);
  if (key == nullptr) return OpenSslError("key generation");
  return key;
}

Bio MemoryBio(absl::string_view pem) {
  return Bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
}

absl::StatusOr<Key> ReadKey(absl::string_view pem, absl::string_view what) {
  Bio bio = MemoryBio(pem);
  Key key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr,
          &EVP_PKEY_free);
  if (key == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": is not a PEM private key"));
  }
  if (EVP_PKEY_id(key.get()) != EVP_PKEY_ED25519) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": is not an Ed25519 key"));
  }
  return key;
}

absl::StatusOr<Certificate> ReadCertificate(absl::string_view pem, absl::string_view what) {
  Bio bio = MemoryBio(pem);
  Certificate cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr,
                   &X509_free);
  if (cert == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": is not a PEM certificate"));
  }
  return cert;
}

// What `write` puts into a memory BIO, as text.
template <typename Write>
absl::StatusOr<std::string> WritePem(Write write, absl::string_view what) {
  Bio bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio || write(bio.get()) != 1) return OpenSslError(what);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

// A signed certificate and its key, both as PEM.
absl::StatusOr<CertificateAndKey> Pack(X509* cert, EVP_PKEY* key) {
  CertificateAndKey out;
  absl::StatusOr<std::string> cert_pem =
      WritePem([&](BIO* b) { return PEM_write_bio_X509(b, cert); }, "certificate encoding");
  if (!cert_pem.ok()) return cert_pem.status();
  absl::StatusOr<std::string> key_pem = WritePem(
      [&](BIO* b) {
        return PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
      },
      "key encoding");
  if (!key_pem.ok()) return key_pem.status();
  out.certificate_pem = *std::move(cert_pem);
  out.private_key_pem = *std::move(key_pem);
  return out;
}

struct LoadedCa {
  Certificate certificate{nullptr, &X509_free};
  Key key{nullptr, &EVP_PKEY_free};
};

absl::StatusOr<LoadedCa> LoadCa(const CertificateAndKey& ca) {
  absl::StatusOr<Certificate> certificate = ReadCertificate(ca.certificate_pem, "ca certificate");
  if (!certificate.ok()) return certificate.status();
  absl::StatusOr<Key> key = ReadKey(ca.private_key_pem, "ca key");
  if (!key.ok()) return key.status();
  return LoadedCa{*std::move(certificate), *std::move(key)};
}

// Adds `extensions` (nid, OpenSSL config value) and signs with the issuer's key.
absl::Status ExtendAndSign(X509* cert, X509* issuer, EVP_PKEY* issuer_key,
                           const std::vector<std::pair<int, std::string>>& extensions);

// The parts every certificate shares: v3, a random 128-bit serial, the validity window, the
// subject's common name and public key, and the issuer's name.
absl::StatusOr<Certificate> NewCertificate(EVP_PKEY* subject_key, absl::string_view common_name,
                                           X509* issuer, int days) {
  if (days <= 0) return absl::InvalidArgumentError("days: must be at least 1");
  Certificate cert(X509_new(), &X509_free);
  if (cert == nullptr || X509_set_version(cert.get(), 2) != 1) return OpenSslError("certificate");
  unsigned char serial_bytes[16];
  if (RAND_bytes(serial_bytes, sizeof serial_bytes) != 1) return OpenSslError("serial");
  serial_bytes[0] &= 0x7f;  // positive
  std::unique_ptr<BIGNUM, decltype(&BN_free)> serial(
      BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr), &BN_free);
  if (!serial || BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr)
    return OpenSslError("serial");
  // Valid from an hour ago, so that clocks a little apart agree.
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(days) * 86400) == nullptr)
    return OpenSslError("validity");
  X509_NAME* name = X509_get_subject_name(cert.get());
  const std::string cn(common_name);
  if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>("booo-ledger development"),
                                 -1, -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                 0) != 1)
    return OpenSslError("subject");
  if (X509_set_issuer_name(cert.get(),
                           issuer ? X509_get_subject_name(issuer) : name) != 1 ||
      X509_set_pubkey(cert.get(), subject_key) != 1)
    return OpenSslError("issuer");
  return cert;
}

absl::Status AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer ? issuer : cert, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, decltype(&X509_EXTENSION_free)> extension(
      X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str()), &X509_EXTENSION_free);
  if (extension == nullptr || X509_add_ext(cert, extension.get(), -1) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("certificate extension ", OBJ_nid2sn(nid), " = ", value, ": refused"));
  }
  return absl::OkStatus();
}

absl::Status Sign(X509* cert, EVP_PKEY* issuer_key) {
  // Ed25519 signs the whole message: no separate digest.
  if (X509_sign(cert, issuer_key, nullptr) <= 0) return OpenSslError("certificate signature");
  return absl::OkStatus();
}

absl::Status ExtendAndSign(X509* cert, X509* issuer, EVP_PKEY* issuer_key,
                           const std::vector<std::pair<int, std::string>>& extensions) {
  for (const auto& [nid, value] : extensions) {
    if (absl::Status s = AddExtension(cert, issuer, nid, value); !s.ok()) return s;
  }
  return Sign(cert, issuer_key);
}

bool IsIpAddress(const std::string& host) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

}  // namespace

absl::StatusOr<CertificateAndKey> MakeDevelopmentCa(absl::string_view common_name, int days) {
  absl::StatusOr<Key> key = NewEd25519Key();
  if (!key.ok()) return key.status();
  absl::StatusOr<Certificate> cert = NewCertificate(key->get(), common_name, nullptr, days);
  if (!cert.ok()) return cert.status();
  if (absl::Status s = ExtendAndSign(cert->get(), nullptr, key->get(),
                                     {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                                      {NID_key_usage, "critical,keyCertSign,cRLSign"},
                                      {NID_subject_key_identifier, "hash"}});
      !s.ok()) {
    return s;
  }
  return Pack(cert->get(), key->get());
}

absl::StatusOr<CertificateAndKey> IssueServerCertificate(const CertificateAndKey& ca,
                                                         const std::vector<std::string>& hosts,
                                                         int days) {
  if (hosts.empty()) return absl::InvalidArgumentError("host: name at least one");
  std::vector<std::string> names;
  for (const std::string& host : hosts) {
    if (host.empty() || host.find_first_of(",\n") != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("host: '", host, "' is not a host name"));
    }
    names.push_back(absl::StrCat(IsIpAddress(host) ? "IP:" : "DNS:", host));
  }
  absl::StatusOr<LoadedCa> issuer = LoadCa(ca);
  if (!issuer.ok()) return issuer.status();
  absl::StatusOr<Key> key = NewEd25519Key();
  if (!key.ok()) return key.status();
  absl::StatusOr<Certificate> cert =
      NewCertificate(key->get(), hosts.front(), issuer->certificate.get(), days);
  if (!cert.ok()) return cert.status();
  if (absl::Status s = ExtendAndSign(cert->get(), issuer->certificate.get(), issuer->key.get(),
                                     {{NID_basic_constraints, "critical,CA:FALSE"},
                                      {NID_key_usage, "critical,digitalSignature"},
                                      {NID_ext_key_usage, "serverAuth"},
                                      {NID_subject_alt_name, absl::StrJoin(names, ",")},
                                      {NID_subject_key_identifier, "hash"},
                                      {NID_authority_key_identifier, "keyid:always"}});
      !s.ok()) {
    return s;
  }
  return Pack(cert->get(), key->get());
}

absl::StatusOr<std::string> IssueClientCertificate(const CertificateAndKey& ca,
                                                   absl::string_view party_key_pem,
                                                   absl::string_view common_name, int days) {
  absl::StatusOr<LoadedCa> issuer = LoadCa(ca);
  if (!issuer.ok()) return issuer.status();
  absl::StatusOr<Key> party = ReadKey(party_key_pem, "key");
  if (!party.ok()) return party.status();
  absl::StatusOr<Certificate> cert =
      NewCertificate(party->get(), common_name, issuer->certificate.get(), days);
  if (!cert.ok()) return cert.status();
  if (absl::Status s = ExtendAndSign(cert->get(), issuer->certificate.get(), issuer->key.get(),
                                     {{NID_basic_constraints, "critical,CA:FALSE"},
                                      {NID_key_usage, "critical,digitalSignature"},
                                      {NID_ext_key_usage, "clientAuth"},
                                      {NID_subject_key_identifier, "hash"},
                                      {NID_authority_key_identifier, "keyid:always"}});
      !s.ok()) {
    return s;
  }
  // Only the certificate: the party's key stays where it was.
  return WritePem([&](BIO* b) { return PEM_write_bio_X509(b, cert->get()); },
                  "certificate encoding");
}

}  // namespace booo::ledgerctl
