#include "ledger/core/checkpoint.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "ledger/core/status_macros.h"

namespace booo::ledger {
namespace {

// abseil 20220623 as built by Debian has its own absl::string_view (not std::string_view).
absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }

constexpr std::string_view kSigPrefix = "\xe2\x80\x94 ";  // U+2014 EM DASH, then a space.
constexpr char kAlgEd25519 = 0x01;
constexpr size_t kKeyHashSize = 4;

// Decodes one UTF-8 sequence at the start of `s` into `*cp`; returns its length, or 0 if it is
// not well-formed (truncated, overlong, surrogate, or above U+10FFFF).
size_t DecodeUtf8(std::string_view s, char32_t* cp) {
  const auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  if (s.empty()) return 0;
  if (b(0) < 0x80) {
    *cp = b(0);
    return 1;
  }
  size_t len;
  char32_t min;
  if ((b(0) & 0xe0) == 0xc0) {
    len = 2, min = 0x80, *cp = b(0) & 0x1f;
  } else if ((b(0) & 0xf0) == 0xe0) {
    len = 3, min = 0x800, *cp = b(0) & 0x0f;
  } else if ((b(0) & 0xf8) == 0xf0) {
    len = 4, min = 0x10000, *cp = b(0) & 0x07;
  } else {
    return 0;
  }
  if (s.size() < len) return 0;
  for (size_t i = 1; i < len; ++i) {
    if ((b(i) & 0xc0) != 0x80) return 0;
    *cp = (*cp << 6) | (b(i) & 0x3f);
  }
  if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff)) return 0;
  return len;
}

// Unicode White_Space, as Go's unicode.IsSpace (which the reference note verifier uses).
bool IsUnicodeSpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
         c == 0x3000;
}

// The signed-note character rules: valid UTF-8, no ASCII control characters except (when
// `allow_newline`) '\n'. `what` names the checked part in the error.
absl::Status CheckNoteChars(std::string_view s, bool allow_newline, std::string_view what) {
  while (!s.empty()) {
    char32_t cp = 0;
    size_t len = DecodeUtf8(s, &cp);
    if (len == 0) return absl::InvalidArgumentError(absl::StrCat(Sv(what), " is not UTF-8"));
    if (cp < 0x20 && !(allow_newline && cp == '\n')) {
      return absl::InvalidArgumentError(
          absl::StrCat(Sv(what), " contains control character ", static_cast<int>(cp)));
    }
    s.remove_prefix(len);
  }
  return absl::OkStatus();
}

// Standard base64 with padding, accepted only in its canonical form (what Base64Escape would
// produce), so that every value has exactly one textual encoding.
bool DecodeBase64Strict(std::string_view in, std::string* out) {
  return absl::Base64Unescape(Sv(in), out) && absl::Base64Escape(*out) == in;
}

std::string HashHex(std::string_view key_hash) { return absl::BytesToHexString(Sv(key_hash)); }

absl::Status CheckVerifierArgs(std::string_view key_name, std::string_view public_key) {
  if (!IsValidNoteKeyName(key_name)) {
    return absl::InvalidArgumentError("key_name is not a valid note key name");
  }
  if (public_key.size() != kEd25519PublicKeySize) {
    return absl::InvalidArgumentError(
        absl::StrCat("public_key must be 32 bytes, got ", public_key.size()));
  }
  return absl::OkStatus();
}

absl::Status Malformed(std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("malformed note: ", Sv(why)));
}

absl::Status MalformedBody(std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("malformed checkpoint: ", Sv(why)));
}

}  // namespace

bool IsValidNoteKeyName(std::string_view name) {
  if (name.empty()) return false;
  while (!name.empty()) {
    char32_t cp = 0;
    size_t len = DecodeUtf8(name, &cp);
    if (len == 0 || cp < 0x20 || cp == '+' || IsUnicodeSpace(cp)) return false;
    name.remove_prefix(len);
  }
  return true;
}

std::string NoteKeyHash(std::string_view key_name, std::string_view public_key, char algorithm) {
  std::string input =
      absl::StrCat(Sv(key_name), "\n", absl::string_view(&algorithm, 1), Sv(public_key));
  return Sha256Bytes(input).substr(0, kKeyHashSize);
}

std::string VerifierKeyString(std::string_view key_name, std::string_view public_key,
                              char algorithm) {
  std::string key = absl::StrCat(absl::string_view(&algorithm, 1), Sv(public_key));
  return absl::StrCat(Sv(key_name), "+", HashHex(NoteKeyHash(key_name, public_key, algorithm)), "+",
                      absl::Base64Escape(key));
}

absl::StatusOr<std::pair<std::string, std::string>> ParseVerifierKeyString(std::string_view vkey,
                                                                         char algorithm) {
  // The name and hash cannot contain '+', but the base64 key can: split at the first two only.
  size_t plus1 = vkey.find('+');
  if (plus1 == std::string_view::npos) {
    return absl::InvalidArgumentError("verifier key: expected <name>+<hash>+<key>");
  }
  std::string_view name = vkey.substr(0, plus1);
  std::string_view rest = vkey.substr(plus1 + 1);
  size_t plus2 = rest.find('+');
  if (plus2 == std::string_view::npos) {
    return absl::InvalidArgumentError("verifier key: expected <name>+<hash>+<key>");
  }
  std::string_view hash_hex = rest.substr(0, plus2);
  std::string_view key64 = rest.substr(plus2 + 1);
  if (!IsValidNoteKeyName(name)) {
    return absl::InvalidArgumentError("verifier key: invalid key name");
  }
  if (hash_hex.size() != 2 * kKeyHashSize) {
    return absl::InvalidArgumentError("verifier key: key hash must be 8 hex digits");
  }
  for (char c : hash_hex) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError("verifier key: key hash must be 8 hex digits");
    }
  }
  std::string key;
  if (!DecodeBase64Strict(key64, &key)) {
    return absl::InvalidArgumentError("verifier key: key is not canonical base64");
  }
  if (key.empty() || key[0] != algorithm) {
    return absl::InvalidArgumentError(absl::StrCat(
        "verifier key: unsupported algorithm (want ",
        algorithm == kAlgEd25519 ? "Ed25519, 0x01" : "an Ed25519 cosigner, 0x04", ")"));
  }
  if (key.size() != 1 + kEd25519PublicKeySize) {
    return absl::InvalidArgumentError("verifier key: Ed25519 key must be 32 bytes");
  }
  std::string public_key = key.substr(1);
  if (HashHex(NoteKeyHash(name, public_key, algorithm)) != absl::AsciiStrToLower(Sv(hash_hex))) {
    return absl::InvalidArgumentError("verifier key: key hash does not match name and key");
  }
  return std::make_pair(std::string(name), std::move(public_key));
}

absl::StatusOr<std::string> SignNote(std::string_view text, std::string_view key_name,
                                     const Ed25519PrivateKey& key) {
  if (!IsValidNoteKeyName(key_name)) {
    return absl::InvalidArgumentError("key_name is not a valid note key name");
  }
  if (text.empty() || text.back() != '\n') {
    return absl::InvalidArgumentError("note text must be non-empty and end in a newline");
  }
  RETURN_IF_ERROR(CheckNoteChars(text, /*allow_newline=*/true, "note text"));
  if (key.PublicKey().size() != kEd25519PublicKeySize) {
    return absl::FailedPreconditionError("empty (moved-from) private key");
  }
  ASSIGN_OR_RETURN(std::string signature, key.Sign(text));
  std::string note = absl::StrCat(
      Sv(text), "\n", Sv(kSigPrefix), Sv(key_name), " ",
      absl::Base64Escape(absl::StrCat(NoteKeyHash(key_name, key.PublicKey()), signature)), "\n");
  // Refuse to produce what OpenNote would refuse to read.
  if (note.size() > kMaxNoteSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("signed note would exceed ", kMaxNoteSize, " bytes"));
  }
  return note;
}

absl::StatusOr<SplitNoteResult> SplitNote(std::string_view note) {
  if (note.size() > kMaxNoteSize) {
    return Malformed(absl::StrCat("larger than ", kMaxNoteSize, " bytes"));
  }
  RETURN_IF_ERROR(CheckNoteChars(note, /*allow_newline=*/true, "note"));
  // The text may itself contain blank lines; the last one separates it from the signatures.
  size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) return Malformed("no blank line before signatures");
  SplitNoteResult result;
  result.text = std::string(note.substr(0, split + 1));
  std::string_view sigs = note.substr(split + 2);
  if (sigs.empty()) return Malformed("no signature lines");
  if (sigs.back() != '\n') return Malformed("does not end in a newline");
  while (!sigs.empty()) {
    size_t eol = sigs.find('\n');  // Found: sigs ends in '\n'.
    std::string_view line = sigs.substr(0, eol);
    sigs.remove_prefix(eol + 1);
    if (result.signatures.size() >= kMaxNoteSignatures) {
      return Malformed(absl::StrCat("more than ", kMaxNoteSignatures, " signature lines"));
    }
    if (line.substr(0, kSigPrefix.size()) != kSigPrefix) {
      return Malformed("signature line does not start with an em dash and a space");
    }
    line.remove_prefix(kSigPrefix.size());
    size_t space = line.find(' ');
    if (space == std::string_view::npos) return Malformed("signature line has no signature");
    std::string_view name = line.substr(0, space);
    std::string raw;
    if (!IsValidNoteKeyName(name)) return Malformed("invalid key name in signature line");
    if (!DecodeBase64Strict(line.substr(space + 1), &raw) || raw.size() <= kKeyHashSize) {
      return Malformed("signature is not canonical base64 of a key hash and signature");
    }
    result.signatures.push_back(
        {std::string(name), raw.substr(0, kKeyHashSize), raw.substr(kKeyHashSize)});
  }
  return result;
}

absl::StatusOr<std::string> OpenNote(std::string_view note, std::string_view key_name,
                                     std::string_view public_key) {
  RETURN_IF_ERROR(CheckVerifierArgs(key_name, public_key));
  ASSIGN_OR_RETURN(SplitNoteResult split, SplitNote(note));
  const std::string want_hash = NoteKeyHash(key_name, public_key);
  size_t verified = 0;
  for (const NoteSignature& line : split.signatures) {
    // Lines by other keys (different name or hash) are someone else's business: cosigners,
    // rotated keys. Only the configured key's lines are checked.
    if (line.name != key_name || line.key_hash != want_hash) continue;
    if (!VerifyEd25519(public_key, split.text, line.signature).ok()) {
      return absl::UnauthenticatedError(
          absl::StrCat("invalid signature for key ", Sv(key_name), "+", HashHex(want_hash)));
    }
    ++verified;
  }
  if (verified == 0) {
    return absl::UnauthenticatedError(
        absl::StrCat("note has no signature by key ", Sv(key_name), "+", HashHex(want_hash)));
  }
  return std::move(split.text);
}

std::string CheckpointBody(const Checkpoint& c) {
  std::string body =
      absl::StrCat(c.origin, "\n", c.tree_size, "\n",
                   absl::Base64Escape(absl::string_view(
                       reinterpret_cast<const char*>(c.root_hash.data()), c.root_hash.size())),
                   "\n");
  for (const std::string& extension : c.extensions) absl::StrAppend(&body, extension, "\n");
  return body;
}

absl::Status ValidateCheckpoint(const Checkpoint& c) {
  if (c.origin.empty()) return MalformedBody("empty origin");
  RETURN_IF_ERROR(CheckNoteChars(c.origin, /*allow_newline=*/false, "origin"));
  for (const std::string& extension : c.extensions) {
    if (extension.empty()) return MalformedBody("empty extension line");
    RETURN_IF_ERROR(CheckNoteChars(extension, /*allow_newline=*/false, "extension line"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Checkpoint> ParseCheckpointBody(std::string_view text) {
  RETURN_IF_ERROR(CheckNoteChars(text, /*allow_newline=*/true, "checkpoint"));
  if (text.empty() || text.back() != '\n') return MalformedBody("does not end in a newline");
  std::vector<std::string_view> lines;
  for (std::string_view rest = text; !rest.empty();) {
    size_t eol = rest.find('\n');
    lines.push_back(rest.substr(0, eol));
    rest.remove_prefix(eol + 1);
  }
  if (lines.size() < 3) return MalformedBody("fewer than three lines");

  Checkpoint c;
  if (lines[0].empty()) return MalformedBody("empty origin");
  c.origin = std::string(lines[0]);

  std::string_view size = lines[1];
  if (size.empty() || size.size() > 20 || (size.size() > 1 && size[0] == '0')) {
    return MalformedBody("tree size is not canonical decimal");
  }
  for (char ch : size) {
    if (ch < '0' || ch > '9') return MalformedBody("tree size is not canonical decimal");
    const uint64_t digit = static_cast<uint64_t>(ch - '0');
    if (c.tree_size > (UINT64_MAX - digit) / 10) {
      return MalformedBody("tree size does not fit in 64 bits");
    }
    c.tree_size = c.tree_size * 10 + digit;
  }

  std::string root;
  if (!DecodeBase64Strict(lines[2], &root) || root.size() != c.root_hash.size()) {
    return MalformedBody("root hash is not canonical base64 of 32 bytes");
  }
  std::copy(root.begin(), root.end(), c.root_hash.begin());

  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) return MalformedBody("empty extension line");
    c.extensions.emplace_back(lines[i]);
  }
  return c;
}

absl::StatusOr<std::string> SignCheckpoint(const Checkpoint& c, std::string_view key_name,
                                           const Ed25519PrivateKey& key) {
  RETURN_IF_ERROR(ValidateCheckpoint(c));
  return SignNote(CheckpointBody(c), key_name, key);
}

absl::StatusOr<Checkpoint> OpenCheckpoint(std::string_view note, std::string_view key_name,
                                          std::string_view public_key,
                                          std::string_view expected_origin) {
  // Verify before interpreting: the body of an unauthenticated note must not be trusted.
  ASSIGN_OR_RETURN(std::string text, OpenNote(note, key_name, public_key));
  ASSIGN_OR_RETURN(Checkpoint c, ParseCheckpointBody(text));
  if (!expected_origin.empty() && c.origin != expected_origin) {
    return absl::FailedPreconditionError(absl::StrCat(
        "checkpoint origin \"", c.origin, "\" is not the expected \"", Sv(expected_origin), "\""));
  }
  return c;
}

absl::StatusOr<Checkpoint> PeekCheckpoint(std::string_view note) {
  // As OpenNote: the last blank line separates the text from the signatures.
  const size_t blank = note.rfind("\n\n");
  if (blank == std::string_view::npos) {
    return absl::InvalidArgumentError("note: no blank line before the signatures");
  }
  return ParseCheckpointBody(note.substr(0, blank + 1));
}

}  // namespace booo::ledger
