#include "ledger/core/crypto.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "ledger/core/status_macros.h"
#include "ledger/core/string_views.h"

namespace booo::ledger {
namespace {

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct PublicPkeyDeleter {
  void operator()(EVP_PKEY* pkey) const { EVP_PKEY_free(pkey); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using PublicPkeyPtr = std::unique_ptr<EVP_PKEY, PublicPkeyDeleter>;

// Debian's abseil has its own absl::string_view; ToAbsl (string_views.h) bridges.

constexpr std::string_view kPublicKeyFileHeader = "booo-ed25519-public-key\n";
// Key files are tiny; the cap only keeps a wrong path (a log, /dev/zero) from being slurped.
constexpr size_t kMaxKeyFileSize = 64 * 1024;
constexpr size_t kMaxRandomBytes = 1024 * 1024;

// OpenSSL reports failures through a thread-local queue; drain it into the status message so
// that stale entries never leak into an unrelated later call on the same thread.
absl::Status OpenSslError(absl::StatusCode code, std::string_view what) {
  std::string detail;
  while (unsigned long err = ERR_get_error()) {  // NOLINT(runtime/int): OpenSSL's type.
    char buf[256];
    ERR_error_string_n(err, buf, sizeof(buf));
    absl::StrAppend(&detail, detail.empty() ? "" : "; ", buf);
  }
  if (detail.empty()) return absl::Status(code, ToAbsl(what));
  return absl::Status(code, absl::StrCat(ToAbsl(what), " (", detail, ")"));
}

// Never prompts: an encrypted PEM must fail to load rather than block on a terminal.
int NoPassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return 0; }

absl::Status ErrnoStatus(int err, std::string_view what, const std::string& path) {
  return absl::ErrnoToStatus(err, absl::StrCat(ToAbsl(what), " ", path));
}

// Writes `contents` to `path` atomically with permission bits `mode`.
absl::Status WriteFileAtomically(const std::string& path, std::string_view contents, mode_t mode) {
  std::string tmp = path + ".tmp.XXXXXX";
  // mkstemp creates the file 0600, so secret contents are never readable by others, not even
  // between creation and the fchmod below.
  int fd = mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "cannot create temporary file for", path);
  auto fail = [&](std::string_view what) {
    absl::Status status = ErrnoStatus(errno, what, tmp);
    close(fd);
    unlink(tmp.c_str());
    return status;
  };
  if (fchmod(fd, mode) != 0) return fail("cannot chmod");
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("cannot write");
    done += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) return fail("cannot fsync");
  if (close(fd) != 0) {
    absl::Status status = ErrnoStatus(errno, "cannot close", tmp);
    unlink(tmp.c_str());
    return status;
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    absl::Status status = ErrnoStatus(errno, "cannot rename onto", path);
    unlink(tmp.c_str());
    return status;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadSmallFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "cannot open", path);
  std::string contents;
  char buf[4096];
  while (true) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      absl::Status status = ErrnoStatus(errno, "cannot read", path);
      close(fd);
      return status;
    }
    if (n == 0) break;
    contents.append(buf, static_cast<size_t>(n));
    if (contents.size() > kMaxKeyFileSize) {
      close(fd);
      OPENSSL_cleanse(contents.data(), contents.size());
      return absl::InvalidArgumentError(absl::StrCat("key file too large: ", path));
    }
  }
  close(fd);
  return contents;
}

}  // namespace

Sha256Digest Sha256(std::string_view data) {
  Sha256Digest digest;
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &len, EVP_sha256(), nullptr) != 1 ||
      len != digest.size()) {
    // Only reachable if the OpenSSL default provider is unusable; nothing can be hashed then.
    abort();
  }
  return digest;
}

std::string Sha256Bytes(std::string_view data) {
  Sha256Digest digest = Sha256(data);
  return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
}

absl::Status VerifyEd25519(std::string_view public_key, std::string_view message,
                           std::string_view signature) {
  if (public_key.size() != kEd25519PublicKeySize) {
    return absl::InvalidArgumentError(
        absl::StrCat("public_key must be 32 bytes, got ", public_key.size()));
  }
  if (signature.size() != kEd25519SignatureSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("signature must be 64 bytes, got ", signature.size()));
  }
  PublicPkeyPtr pkey(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(public_key.data()),
      public_key.size()));
  if (pkey == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "public_key cannot be decoded");
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr) return OpenSslError(absl::StatusCode::kInternal, "EVP_MD_CTX_new failed");
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "EVP_DigestVerifyInit failed");
  }
  int rc = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(),
                            reinterpret_cast<const unsigned char*>(message.data()), message.size());
  if (rc != 1) {
    // 0 is "does not verify"; negative values are decoding failures of R or A, which are just
    // as much a bad signature from the caller's point of view.
    ERR_clear_error();
    return absl::UnauthenticatedError("Ed25519 signature does not verify");
  }
  return absl::OkStatus();
}

std::string KeyIdForPublicKey(std::string_view public_key) {
  std::string hex = absl::BytesToHexString(Sha256Bytes(public_key));
  return absl::StrCat("ed25519:", hex.substr(0, 16));
}

void Ed25519PrivateKey::PkeyDeleter::operator()(evp_pkey_st* pkey) const { EVP_PKEY_free(pkey); }

Ed25519PrivateKey::Ed25519PrivateKey(PkeyPtr pkey, std::string public_key)
    : pkey_(std::move(pkey)), public_key_(std::move(public_key)) {}
Ed25519PrivateKey::Ed25519PrivateKey(Ed25519PrivateKey&& other) noexcept
    : pkey_(std::move(other.pkey_)), public_key_(std::move(other.public_key_)) {
  other.public_key_.clear();
}
Ed25519PrivateKey& Ed25519PrivateKey::operator=(Ed25519PrivateKey&& other) noexcept {
  pkey_ = std::move(other.pkey_);
  public_key_ = std::move(other.public_key_);
  other.public_key_.clear();
  return *this;
}
Ed25519PrivateKey::~Ed25519PrivateKey() = default;

absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::FromPkey(PkeyPtr pkey) {
  if (EVP_PKEY_get_id(pkey.get()) != EVP_PKEY_ED25519) {
    return absl::InvalidArgumentError("private key is not an Ed25519 key");
  }
  std::string public_key(kEd25519PublicKeySize, '\0');
  size_t len = public_key.size();
  if (EVP_PKEY_get_raw_public_key(pkey.get(), reinterpret_cast<unsigned char*>(public_key.data()),
                                  &len) != 1 ||
      len != kEd25519PublicKeySize) {
    return OpenSslError(absl::StatusCode::kInternal, "cannot extract Ed25519 public key");
  }
  return Ed25519PrivateKey(std::move(pkey), std::move(public_key));
}

absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::Generate() {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr));
  if (ctx == nullptr || EVP_PKEY_keygen_init(ctx.get()) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "cannot initialise Ed25519 keygen");
  }
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_keygen(ctx.get(), &raw) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "Ed25519 keygen failed");
  }
  return FromPkey(PkeyPtr(raw));
}

absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::FromSeed(std::string_view seed32) {
  if (seed32.size() != kEd25519SeedSize) {
    return absl::InvalidArgumentError(absl::StrCat("seed must be 32 bytes, got ", seed32.size()));
  }
  PkeyPtr pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                            reinterpret_cast<const unsigned char*>(seed32.data()),
                                            seed32.size()));
  if (pkey == nullptr) {
    return OpenSslError(absl::StatusCode::kInternal, "cannot create Ed25519 key from seed");
  }
  return FromPkey(std::move(pkey));
}

absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::FromPem(std::string_view pem) {
  if (pem.size() > static_cast<size_t>(INT_MAX)) {
    return absl::InvalidArgumentError("PEM too large");
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return OpenSslError(absl::StatusCode::kInternal, "BIO_new_mem_buf failed");
  PkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, &NoPassphrase, nullptr));
  if (pkey == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "not an unencrypted PKCS#8 PEM private key");
  }
  return FromPkey(std::move(pkey));
}

absl::StatusOr<std::string> Ed25519PrivateKey::ToPem() const {
  if (pkey_ == nullptr) return absl::FailedPreconditionError("empty (moved-from) private key");
  // A secure-memory BIO wipes its buffer when freed, so no copy of the key lingers in the heap
  // besides the returned string.
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (bio == nullptr) return OpenSslError(absl::StatusCode::kInternal, "BIO_new failed");
  // PEM_write_bio_PrivateKey emits PKCS#8 ("BEGIN PRIVATE KEY"); no cipher means unencrypted.
  if (PEM_write_bio_PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
      1) {
    return OpenSslError(absl::StatusCode::kInternal, "PEM_write_bio_PrivateKey failed");
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);  // NOLINT(runtime/int): OpenSSL's type.
  if (len <= 0 || data == nullptr) {
    return OpenSslError(absl::StatusCode::kInternal, "empty PEM output");
  }
  return std::string(data, static_cast<size_t>(len));
}

absl::StatusOr<std::string> Ed25519PrivateKey::Sign(std::string_view message) const {
  if (pkey_ == nullptr) return absl::FailedPreconditionError("empty (moved-from) private key");
  // A context per call: EVP_PKEY is safe to share read-only between threads, contexts are not.
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr) return OpenSslError(absl::StatusCode::kInternal, "EVP_MD_CTX_new failed");
  if (EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey_.get()) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "EVP_DigestSignInit failed");
  }
  std::string signature(kEd25519SignatureSize, '\0');
  size_t len = signature.size();
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      len != kEd25519SignatureSize) {
    return OpenSslError(absl::StatusCode::kInternal, "EVP_DigestSign failed");
  }
  return signature;
}

absl::Status WritePrivateKeyFile(const std::string& path, const Ed25519PrivateKey& key) {
  ASSIGN_OR_RETURN(std::string pem, key.ToPem());
  absl::Status status = WriteFileAtomically(path, pem, 0600);
  OPENSSL_cleanse(pem.data(), pem.size());
  return status;
}

absl::StatusOr<Ed25519PrivateKey> ReadPrivateKeyFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string pem, ReadSmallFile(path));
  absl::StatusOr<Ed25519PrivateKey> key = Ed25519PrivateKey::FromPem(pem);
  OPENSSL_cleanse(pem.data(), pem.size());
  if (!key.ok()) {
    return absl::Status(key.status().code(), absl::StrCat(path, ": ", key.status().message()));
  }
  return key;
}

absl::Status WritePublicKeyFile(const std::string& path, std::string_view public_key) {
  if (public_key.size() != kEd25519PublicKeySize) {
    return absl::InvalidArgumentError(
        absl::StrCat("public_key must be 32 bytes, got ", public_key.size()));
  }
  std::string contents =
      absl::StrCat(ToAbsl(kPublicKeyFileHeader), absl::Base64Escape(ToAbsl(public_key)), "\n");
  return WriteFileAtomically(path, contents, 0644);
}

absl::StatusOr<std::string> ReadPublicKeyFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string contents, ReadSmallFile(path));
  std::string_view rest = contents;
  if (rest.substr(0, kPublicKeyFileHeader.size()) != kPublicKeyFileHeader) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a booo-ed25519-public-key file"));
  }
  rest.remove_prefix(kPublicKeyFileHeader.size());
  if (rest.empty() || rest.back() != '\n') {
    return absl::InvalidArgumentError(absl::StrCat(path, ": missing final newline"));
  }
  rest.remove_suffix(1);
  std::string public_key;
  // Re-encoding must reproduce the text: rejects whitespace, missing padding and trailing data.
  if (!absl::Base64Unescape(ToAbsl(rest), &public_key) || absl::Base64Escape(public_key) != rest ||
      public_key.size() != kEd25519PublicKeySize) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": public key is not base64 of 32 bytes"));
  }
  return public_key;
}

absl::StatusOr<std::string> RandomBytes(size_t n) {
  if (n > kMaxRandomBytes) {
    return absl::InvalidArgumentError(absl::StrCat("RandomBytes: ", n, " bytes requested"));
  }
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "RAND_bytes failed");
  }
  return out;
}

}  // namespace booo::ledger
