#include "ledger/core/leaf_format.h"

#include "absl/strings/str_cat.h"

namespace booo::ledger {
namespace {

void PutBigEndian(std::string& out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

// A cursor over the encoded bytes that refuses to read past the end.
class Reader {
 public:
  explicit Reader(absl::string_view bytes) : bytes_(bytes) {}
  bool ReadBigEndian(int width, uint64_t& value) {
    if (bytes_.size() - pos_ < static_cast<size_t>(width)) return false;
    value = 0;
    for (int i = 0; i < width; ++i) value = (value << 8) | static_cast<uint8_t>(bytes_[pos_++]);
    return true;
  }
  bool ReadBytes(size_t n, absl::string_view& out) {
    if (bytes_.size() - pos_ < n) return false;
    out = bytes_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool AtEnd() const { return pos_ == bytes_.size(); }

 private:
  absl::string_view bytes_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<std::string> EncodeLeaf(const Leaf& leaf) {
  if (leaf.key_id.empty() || leaf.key_id.size() > kMaxKeyIdBytes) {
    return absl::InvalidArgumentError("leaf.key_id: must be 1..256 bytes");
  }
  if (leaf.body.empty() || leaf.body.size() > kMaxLeafBodyBytes) {
    return absl::InvalidArgumentError("leaf.body: must be 1..16 MiB");
  }
  if (leaf.signature.size() != kLeafSignatureBytes) {
    return absl::InvalidArgumentError("leaf.signature: must be 64 bytes");
  }
  std::string out;
  out.reserve(1 + 8 + 8 + 2 + leaf.key_id.size() + 4 + leaf.body.size() + 2 + 64);
  out.push_back(static_cast<char>(kLeafFormatVersion));
  PutBigEndian(out, leaf.sequence, 8);
  PutBigEndian(out, static_cast<uint64_t>(leaf.recorded_at_micros), 8);
  PutBigEndian(out, leaf.key_id.size(), 2);
  out.append(leaf.key_id);
  PutBigEndian(out, leaf.body.size(), 4);
  out.append(leaf.body);
  PutBigEndian(out, leaf.signature.size(), 2);
  out.append(leaf.signature);
  return out;
}

absl::StatusOr<LeafView> DecodeLeafView(absl::string_view bytes) {
  Reader reader(bytes);
  uint64_t version = 0, sequence = 0, recorded_at = 0, key_len = 0, body_len = 0, sig_len = 0;
  LeafView leaf;
  if (!reader.ReadBigEndian(1, version)) return absl::DataLossError("leaf: empty");
  if (version != kLeafFormatVersion) {
    return absl::DataLossError(absl::StrCat("leaf: unknown format version ", version));
  }
  if (!reader.ReadBigEndian(8, sequence) || !reader.ReadBigEndian(8, recorded_at)) {
    return absl::DataLossError("leaf: truncated header");
  }
  if (!reader.ReadBigEndian(2, key_len) || key_len == 0 || key_len > kMaxKeyIdBytes ||
      !reader.ReadBytes(key_len, leaf.key_id)) {
    return absl::DataLossError("leaf: bad key id");
  }
  if (!reader.ReadBigEndian(4, body_len) || body_len == 0 || body_len > kMaxLeafBodyBytes ||
      !reader.ReadBytes(body_len, leaf.body)) {
    return absl::DataLossError("leaf: bad body");
  }
  if (!reader.ReadBigEndian(2, sig_len) || sig_len != kLeafSignatureBytes ||
      !reader.ReadBytes(sig_len, leaf.signature)) {
    return absl::DataLossError("leaf: bad signature field");
  }
  if (!reader.AtEnd()) return absl::DataLossError("leaf: trailing bytes");
  leaf.sequence = sequence;
  leaf.recorded_at_micros = static_cast<int64_t>(recorded_at);
  leaf.encoded = bytes;
  return leaf;
}

absl::StatusOr<Leaf> DecodeLeaf(absl::string_view bytes) {
  absl::StatusOr<LeafView> view = DecodeLeafView(bytes);
  if (!view.ok()) return view.status();
  Leaf leaf;
  leaf.sequence = view->sequence;
  leaf.recorded_at_micros = view->recorded_at_micros;
  leaf.key_id = std::string(view->key_id);
  leaf.body = std::string(view->body);
  leaf.signature = std::string(view->signature);
  return leaf;
}

}  // namespace booo::ledger
