// A development certificate authority for mutual TLS: a self-signed CA, server certificates
// for the hosts ledgerd answers on, and client certificates over a party's own ledger key (the
// Ed25519 key its events are signed with), which is how ledgerd knows who a caller is.
// Every key is Ed25519; every certificate is X.509 v3, signed by the CA. For development and
// tests: a production deployment takes its certificates from the state's own PKI.
#ifndef BOOO_TOOLS_LEDGERCTL_DEV_CA_H_
#define BOOO_TOOLS_LEDGERCTL_DEV_CA_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace booo::ledgerctl {

struct CertificateAndKey {
  std::string certificate_pem;
  std::string private_key_pem;  // PKCS#8
};

// A new CA key and its self-signed certificate (CA:TRUE, may sign certificates only).
absl::StatusOr<CertificateAndKey> MakeDevelopmentCa(absl::string_view common_name, int days);

// A new server key and a certificate for `hosts` (DNS names or IP addresses, as subject
// alternative names), for TLS servers only.
absl::StatusOr<CertificateAndKey> IssueServerCertificate(const CertificateAndKey& ca,
                                                         const std::vector<std::string>& hosts,
                                                         int days);

// A client certificate over the public half of `party_key_pem` (a PKCS#8 Ed25519 key, as
// `ledgerctl keygen` writes), for TLS clients only. The key stays with its owner.
absl::StatusOr<std::string> IssueClientCertificate(const CertificateAndKey& ca,
                                                   absl::string_view party_key_pem,
                                                   absl::string_view common_name, int days);

}  // namespace booo::ledgerctl

#endif  // BOOO_TOOLS_LEDGERCTL_DEV_CA_H_
