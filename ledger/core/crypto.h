// Cryptographic primitives of the ledger: SHA-256, Ed25519 signing and verification, key
// identifiers, key files and random bytes. Everything is a thin layer over OpenSSL 3.0 so that
// the rest of the tree never touches OpenSSL objects or its error queue directly.
//
// Thread safety: every free function is thread-safe. Ed25519PrivateKey is safe for concurrent
// const use (Sign, ToPem, PublicKey, KeyId); moving it concurrently with use is not.
#ifndef BOOO_LEDGER_CORE_CRYPTO_H_
#define BOOO_LEDGER_CORE_CRYPTO_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// OpenSSL's key type, forward-declared so that includers do not pull in OpenSSL headers.
struct evp_pkey_st;

namespace booo::ledger {

using Sha256Digest = std::array<uint8_t, 32>;

// SHA-256 of `data`. Never fails (aborts only if OpenSSL itself is broken, which the ledger
// cannot survive anyway).
Sha256Digest Sha256(std::string_view data);
// The same digest as a 32-byte string.
std::string Sha256Bytes(std::string_view data);

inline constexpr size_t kEd25519PublicKeySize = 32;
inline constexpr size_t kEd25519SignatureSize = 64;
inline constexpr size_t kEd25519SeedSize = 32;

// Verifies an Ed25519 signature (RFC 8032, as OpenSSL implements it: rejects non-canonical S).
// OK if valid; INVALID_ARGUMENT if the public key or signature has the wrong length or the key
// cannot be decoded (message names "public_key"/"signature"); UNAUTHENTICATED if it does not
// verify (including public keys that are not points on the curve, which OpenSSL only detects
// while verifying).
absl::Status VerifyEd25519(std::string_view public_key, std::string_view message,
                           std::string_view signature);

// The key id the ledger uses for a public key: "ed25519:" + first 16 lowercase hex chars of
// SHA-256(public_key). It names a key; it is not a security boundary (64 bits).
std::string KeyIdForPublicKey(std::string_view public_key);

// An Ed25519 private key. Movable, not copyable; a moved-from key is empty (PublicKey() returns
// "", Sign and ToPem return FAILED_PRECONDITION). Thread-safe for concurrent const calls.
class Ed25519PrivateKey {
 public:
  // A fresh key from OpenSSL's CSPRNG. INTERNAL if OpenSSL fails.
  static absl::StatusOr<Ed25519PrivateKey> Generate();
  // The key whose RFC 8032 private seed is `seed32`. INVALID_ARGUMENT if not 32 bytes.
  static absl::StatusOr<Ed25519PrivateKey> FromSeed(std::string_view seed32);
  // Parses an unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY"). INVALID_ARGUMENT if it does not
  // parse, is encrypted (no passphrase is ever prompted for) or is not an Ed25519 key.
  static absl::StatusOr<Ed25519PrivateKey> FromPem(std::string_view pem);

  Ed25519PrivateKey(Ed25519PrivateKey&&) noexcept;
  Ed25519PrivateKey& operator=(Ed25519PrivateKey&&) noexcept;
  Ed25519PrivateKey(const Ed25519PrivateKey&) = delete;
  Ed25519PrivateKey& operator=(const Ed25519PrivateKey&) = delete;
  ~Ed25519PrivateKey();

  // Unencrypted PKCS#8 PEM, readable by `openssl pkey`. The result is secret.
  absl::StatusOr<std::string> ToPem() const;
  // The 32-byte raw public key.
  const std::string& PublicKey() const { return public_key_; }
  // KeyIdForPublicKey(PublicKey()).
  std::string KeyId() const { return KeyIdForPublicKey(public_key_); }
  // The 64-byte raw signature of `message` (deterministic, per RFC 8032).
  absl::StatusOr<std::string> Sign(std::string_view message) const;

 private:
  struct PkeyDeleter {
    void operator()(evp_pkey_st* pkey) const;
  };
  using PkeyPtr = std::unique_ptr<evp_pkey_st, PkeyDeleter>;

  // Takes ownership of an Ed25519 key and caches its public half.
  static absl::StatusOr<Ed25519PrivateKey> FromPkey(PkeyPtr pkey);
  Ed25519PrivateKey(PkeyPtr pkey, std::string public_key);

  PkeyPtr pkey_;
  std::string public_key_;
};

// Key files on disk. The private key file is PKCS#8 PEM (so `openssl pkey -in f -text` reads
// it) created with mode 0600. The public key file is
// "booo-ed25519-public-key\n<base64 of 32 bytes>\n" with mode 0644. Both writers replace `path`
// atomically (temporary file in the same directory, fsync, rename), so a crash never leaves a
// truncated key behind. Errors: the errno-derived status of the failing system call
// (e.g. NOT_FOUND, PERMISSION_DENIED), INVALID_ARGUMENT for malformed contents.
absl::Status WritePrivateKeyFile(const std::string& path, const Ed25519PrivateKey& key);
absl::StatusOr<Ed25519PrivateKey> ReadPrivateKeyFile(const std::string& path);
// INVALID_ARGUMENT if `public_key` is not 32 bytes.
absl::Status WritePublicKeyFile(const std::string& path, std::string_view public_key);
// Returns the 32 raw bytes. The file must match the format above exactly.
absl::StatusOr<std::string> ReadPublicKeyFile(const std::string& path);

// `n` cryptographically random bytes from RAND_bytes (for event ids). INVALID_ARGUMENT if `n`
// exceeds 1 MiB (a bug, not a use), INTERNAL if the RNG fails.
absl::StatusOr<std::string> RandomBytes(size_t n);

}  // namespace booo::ledger

#endif  // BOOO_LEDGER_CORE_CRYPTO_H_
