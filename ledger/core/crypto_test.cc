#include "ledger/core/crypto.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

#ifndef BOOO_TESTDATA_DIR
#error "BOOO_TESTDATA_DIR must name the tests/testdata directory"
#endif

namespace booo::ledger {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Hex(std::string_view hex) {
  return absl::HexStringToBytes(absl::string_view(hex.data(), hex.size()));
}

std::string TempPath(const std::string& name) {
  return absl::StrCat(::testing::TempDir(), "/crypto_test_", getpid(), "_", name);
}

// RFC 8032 section 7.1, TEST 1.
constexpr std::string_view kRfcSeed =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr std::string_view kRfcPublic =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
constexpr std::string_view kRfcSignature =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b"
    "46bd25bf5f0595bbe24655141438e7a100b";

TEST(Sha256Test, KnownAnswers) {
  EXPECT_EQ(absl::BytesToHexString(Sha256Bytes("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(absl::BytesToHexString(Sha256Bytes("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256Digest digest = Sha256("abc");
  EXPECT_EQ(std::string(digest.begin(), digest.end()), Sha256Bytes("abc"));
}

TEST(WycheproofTest, AllEd25519VerifyCasesMatchExpectedResult) {
  std::ifstream in(BOOO_TESTDATA_DIR "/wycheproof_ed25519_test.json");
  ASSERT_TRUE(in.good());
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(doc.is_discarded());
  ASSERT_EQ(doc["algorithm"], "EDDSA");
  int count = 0, valid = 0, invalid = 0;
  for (const nlohmann::json& group : doc["testGroups"]) {
    ASSERT_EQ(group["type"], "EddsaVerify");
    const std::string public_key = Hex(group["publicKey"]["pk"].get<std::string>());
    for (const nlohmann::json& test : group["tests"]) {
      ++count;
      const std::string msg = Hex(test["msg"].get<std::string>());
      const std::string sig = Hex(test["sig"].get<std::string>());
      const std::string result = test["result"].get<std::string>();
      absl::Status status = VerifyEd25519(public_key, msg, sig);
      SCOPED_TRACE(absl::StrCat("tcId ", test["tcId"].get<int>(), " (",
                                test["comment"].get<std::string>(), "): ", status.ToString()));
      if (result == "valid") {
        ++valid;
        EXPECT_TRUE(status.ok());
      } else if (result == "invalid") {
        ++invalid;
        EXPECT_FALSE(status.ok());
        // Wrong-length signatures are malformed input; everything else must fail to verify.
        if (sig.size() == kEd25519SignatureSize) {
          EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
        } else {
          EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
        }
      } else {
        // "acceptable" cases may go either way; the file currently has none.
        ASSERT_EQ(result, "acceptable");
      }
    }
  }
  EXPECT_EQ(count, 151);
  EXPECT_EQ(count, doc["numberOfTests"].get<int>());
  EXPECT_EQ(valid + invalid, count);
}

TEST(Ed25519Test, Rfc8032TestVector1) {
  absl::StatusOr<Ed25519PrivateKey> key = Ed25519PrivateKey::FromSeed(Hex(kRfcSeed));
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->PublicKey(), Hex(kRfcPublic));
  absl::StatusOr<std::string> sig = key->Sign("");
  ASSERT_TRUE(sig.ok()) << sig.status();
  EXPECT_EQ(absl::BytesToHexString(*sig), std::string(kRfcSignature));
  EXPECT_TRUE(VerifyEd25519(Hex(kRfcPublic), "", Hex(kRfcSignature)).ok());
}

TEST(Ed25519Test, SignVerifyRoundTrip) {
  absl::StatusOr<Ed25519PrivateKey> key = Ed25519PrivateKey::Generate();
  ASSERT_TRUE(key.ok()) << key.status();
  ASSERT_EQ(key->PublicKey().size(), kEd25519PublicKeySize);
  absl::StatusOr<std::string> sig = key->Sign("hello ledger");
  ASSERT_TRUE(sig.ok()) << sig.status();
  ASSERT_EQ(sig->size(), kEd25519SignatureSize);
  EXPECT_TRUE(VerifyEd25519(key->PublicKey(), "hello ledger", *sig).ok());

  absl::StatusOr<Ed25519PrivateKey> other = Ed25519PrivateKey::Generate();
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->PublicKey(), key->PublicKey());
  EXPECT_EQ(VerifyEd25519(other->PublicKey(), "hello ledger", *sig).code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(Ed25519Test, TamperedMessageOrSignatureIsUnauthenticated) {
  absl::StatusOr<Ed25519PrivateKey> key = Ed25519PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  absl::StatusOr<std::string> sig = key->Sign("amount=10");
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(VerifyEd25519(key->PublicKey(), "amount=11", *sig).code(),
            absl::StatusCode::kUnauthenticated);
  for (size_t i = 0; i < sig->size(); i += 7) {
    std::string bad = *sig;
    bad[i] ^= 0x01;
    EXPECT_EQ(VerifyEd25519(key->PublicKey(), "amount=10", bad).code(),
              absl::StatusCode::kUnauthenticated)
        << "byte " << i;
  }
}

TEST(Ed25519Test, WrongLengthsAreInvalidArgument) {
  std::string pk = Hex(kRfcPublic), sig = Hex(kRfcSignature);
  absl::Status status = VerifyEd25519(pk.substr(1), "", sig);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("public_key"));
  status = VerifyEd25519(pk + "x", "", sig);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  status = VerifyEd25519(pk, "", sig.substr(0, 63));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("signature"));
  EXPECT_EQ(VerifyEd25519(pk, "", sig + "x").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(VerifyEd25519("", "", "").code(), absl::StatusCode::kInvalidArgument);

  EXPECT_EQ(Ed25519PrivateKey::FromSeed(std::string(31, 'a')).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Ed25519PrivateKey::FromSeed(std::string(33, 'a')).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(WritePublicKeyFile(TempPath("short.pub"), pk.substr(1)).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(Ed25519Test, PemRoundTrip) {
  absl::StatusOr<Ed25519PrivateKey> key = Ed25519PrivateKey::FromSeed(Hex(kRfcSeed));
  ASSERT_TRUE(key.ok());
  absl::StatusOr<std::string> pem = key->ToPem();
  ASSERT_TRUE(pem.ok()) << pem.status();
  EXPECT_THAT(*pem, StartsWith("-----BEGIN PRIVATE KEY-----\n"));
  // The PKCS#8 wrapping of an Ed25519 seed is fixed (RFC 8410), so the PEM is a known answer.
  EXPECT_EQ(*pem,
            "-----BEGIN PRIVATE KEY-----\n"
            "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
            "-----END PRIVATE KEY-----\n");
  absl::StatusOr<Ed25519PrivateKey> back = Ed25519PrivateKey::FromPem(*pem);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->PublicKey(), key->PublicKey());
  EXPECT_EQ(*back->Sign("m"), *key->Sign("m"));
}

TEST(Ed25519Test, FromPemRejectsOtherInputs) {
  EXPECT_EQ(Ed25519PrivateKey::FromPem("").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Ed25519PrivateKey::FromPem("not a pem").status().code(),
            absl::StatusCode::kInvalidArgument);
  // An X25519 key: valid PKCS#8, wrong algorithm.
  EXPECT_EQ(Ed25519PrivateKey::FromPem(
                "-----BEGIN PRIVATE KEY-----\n"
                "MC4CAQAwBQYDK2VuBCIEIPA0XrD4U7mG46475JEVZUqp8MTUROp+rTyTDrceZIxT\n"
                "-----END PRIVATE KEY-----\n")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  // An encrypted Ed25519 key (passphrase "x") must fail without prompting for a passphrase.
  EXPECT_EQ(Ed25519PrivateKey::FromPem(
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
                "MIGbMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAjCQHvPVyNLDAICCAAw\n"
                "DAYIKoZIhvcNAgkFADAdBglghkgBZQMEAQIEEMFUivt5uqLvuUXsFP/NllYEQPKD\n"
                "yC31oqH5Vzx3VIwUm6Cte5HdIwrRDyysAqNpiv+buUEZI56Qgs/L/5/8eWCZuWVV\n"
                "yYy1M/O9shMVORPyXBk=\n"
                "-----END ENCRYPTED PRIVATE KEY-----\n")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(Ed25519Test, KeyFilesRoundTrip) {
  absl::StatusOr<Ed25519PrivateKey> key = Ed25519PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  const std::string priv_path = TempPath("key.pem");
  const std::string pub_path = TempPath("key.pub");
  ASSERT_TRUE(WritePrivateKeyFile(priv_path, *key).ok());
  ASSERT_TRUE(WritePublicKeyFile(pub_path, key->PublicKey()).ok());
  // Overwriting is atomic replacement, not an error.
  ASSERT_TRUE(WritePrivateKeyFile(priv_path, *key).ok());

  struct stat st;
  ASSERT_EQ(stat(priv_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat(pub_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);

  absl::StatusOr<Ed25519PrivateKey> read_key = ReadPrivateKeyFile(priv_path);
  ASSERT_TRUE(read_key.ok()) << read_key.status();
  EXPECT_EQ(read_key->PublicKey(), key->PublicKey());
  absl::StatusOr<std::string> read_pub = ReadPublicKeyFile(pub_path);
  ASSERT_TRUE(read_pub.ok()) << read_pub.status();
  EXPECT_EQ(*read_pub, key->PublicKey());

  std::ifstream in(pub_path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(),
            absl::StrCat("booo-ed25519-public-key\n", absl::Base64Escape(key->PublicKey()), "\n"));

  // The private key file is plain PKCS#8 PEM, but it is not a public key file and vice versa.
  EXPECT_EQ(ReadPublicKeyFile(priv_path).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadPrivateKeyFile(pub_path).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadPrivateKeyFile(TempPath("missing.pem")).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(ReadPublicKeyFile(TempPath("missing.pub")).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_FALSE(WritePublicKeyFile("/nonexistent-dir/x.pub", key->PublicKey()).ok());
  unlink(priv_path.c_str());
  unlink(pub_path.c_str());
}

TEST(Ed25519Test, MalformedPublicKeyFilesAreRejected) {
  const std::string good = absl::Base64Escape(Hex(kRfcPublic));
  const std::vector<std::string> bad = {
      "",
      "booo-ed25519-public-key\n",
      absl::StrCat("booo-ed25519-public-key\n", good),  // No final newline.
      absl::StrCat("booo-ed25519-public-key\n", good, "\n\n"),
      absl::StrCat("booo-ed25519-public-key\n ", good, "\n"),
      absl::StrCat("booo-ed25519-public-key\n", good.substr(0, good.size() - 1), "\n"),
      absl::StrCat("booo-ed25519-public-key\n", absl::Base64Escape(Hex(kRfcSeed) + "x"), "\n"),
      absl::StrCat("booo-ed25519-publickey\n", good, "\n"),
  };
  const std::string path = TempPath("bad.pub");
  for (const std::string& contents : bad) {
    std::ofstream(path, std::ios::trunc) << contents;
    EXPECT_EQ(ReadPublicKeyFile(path).status().code(), absl::StatusCode::kInvalidArgument)
        << absl::CEscape(contents);
  }
  std::ofstream(path, std::ios::trunc) << "booo-ed25519-public-key\n" << good << "\n";
  EXPECT_TRUE(ReadPublicKeyFile(path).ok());
  unlink(path.c_str());
}

TEST(Ed25519Test, KeyIdFormat) {
  EXPECT_EQ(
      KeyIdForPublicKey(Hex(kRfcPublic)),
      absl::StrCat("ed25519:", absl::BytesToHexString(Sha256Bytes(Hex(kRfcPublic))).substr(0, 16)));
  absl::StatusOr<Ed25519PrivateKey> key = Ed25519PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  const std::string id = key->KeyId();
  EXPECT_EQ(id, KeyIdForPublicKey(key->PublicKey()));
  ASSERT_EQ(id.size(), 8u + 16u);
  EXPECT_THAT(id, StartsWith("ed25519:"));
  for (char c : id.substr(8)) EXPECT_TRUE(absl::ascii_isxdigit(c) && !absl::ascii_isupper(c));
}

TEST(Ed25519Test, MovedFromKeyIsEmpty) {
  absl::StatusOr<Ed25519PrivateKey> key = Ed25519PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  Ed25519PrivateKey moved = std::move(*key);
  EXPECT_EQ(moved.PublicKey().size(), kEd25519PublicKeySize);
  EXPECT_TRUE(key->PublicKey().empty());  // NOLINT(bugprone-use-after-move): the contract.
  EXPECT_EQ(key->Sign("x").status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(key->ToPem().status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(Ed25519Test, ConcurrentSigning) {
  absl::StatusOr<Ed25519PrivateKey> key = Ed25519PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        std::string msg = absl::StrCat(t, ":", i);
        absl::StatusOr<std::string> sig = key->Sign(msg);
        if (!sig.ok() || !VerifyEd25519(key->PublicKey(), msg, *sig).ok()) ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

TEST(RandomBytesTest, LengthsAndLimits) {
  for (size_t n : {0u, 1u, 16u, 32u}) {
    absl::StatusOr<std::string> bytes = RandomBytes(n);
    ASSERT_TRUE(bytes.ok());
    EXPECT_EQ(bytes->size(), n);
  }
  EXPECT_NE(*RandomBytes(16), *RandomBytes(16));
  EXPECT_EQ(RandomBytes(2 * 1024 * 1024).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace booo::ledger
