// Ed25519KeyOfCertificate: a client certificate names the caller by its Ed25519 ledger key; any
// other key type, and anything that is not a certificate, is refused.
#include "services/caller.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace booo::services {
namespace {

// A self-signed certificate over `key`, as PEM text.
std::string SelfSignedPem(EVP_PKEY* key, const EVP_MD* digest) {
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("caller"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), key);
  EXPECT_GT(X509_sign(cert.get(), key, digest), 0);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_X509(bio.get(), cert.get());
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

TEST(Ed25519KeyOfCertificateTest, ReturnsTheRawKeyOfAnEd25519Certificate) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"), &EVP_PKEY_free);
  ASSERT_NE(key, nullptr);
  std::string raw(32, '\0');
  size_t length = raw.size();
  ASSERT_EQ(EVP_PKEY_get_raw_public_key(key.get(), reinterpret_cast<unsigned char*>(raw.data()),
                                        &length),
            1);
  auto extracted = Ed25519KeyOfCertificate(SelfSignedPem(key.get(), nullptr));
  ASSERT_TRUE(extracted.ok()) << extracted.status();
  EXPECT_EQ(*extracted, raw);
}

TEST(Ed25519KeyOfCertificateTest, RefusesACertificateOverAnotherKeyType) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), &EVP_PKEY_free);
  ASSERT_NE(key, nullptr);
  auto extracted = Ed25519KeyOfCertificate(SelfSignedPem(key.get(), EVP_sha256()));
  ASSERT_TRUE(absl::IsInvalidArgument(extracted.status())) << extracted.status();
  EXPECT_NE(extracted.status().message().find("not Ed25519"), std::string::npos);
}

TEST(Ed25519KeyOfCertificateTest, RefusesBytesThatAreNoCertificate) {
  auto extracted = Ed25519KeyOfCertificate("-----BEGIN CERTIFICATE-----\nAAAA\n");
  ASSERT_TRUE(absl::IsInvalidArgument(extracted.status())) << extracted.status();
  EXPECT_NE(extracted.status().message().find("not a PEM certificate"), std::string::npos);
}

}  // namespace
}  // namespace booo::services
