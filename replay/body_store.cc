#include "replay/body_store.h"

#include <sys/mman.h>

#include <cstdlib>
#include <cstring>

namespace booo::replay {
namespace {
constexpr size_t kHugePage = 2 << 20;
}  // namespace

void BodyStore::Free::operator()(char* block) const { std::free(block); }

std::unique_ptr<char, BodyStore::Free> BodyStore::Allocate(size_t size) {
  const size_t rounded = (size + kHugePage - 1) / kHugePage * kHugePage;
  char* block = static_cast<char*>(std::aligned_alloc(kHugePage, rounded));
  if (block == nullptr) throw std::bad_alloc();
  ::madvise(block, rounded, MADV_HUGEPAGE);  // advice only: fine if refused
  return std::unique_ptr<char, Free>(block);
}

absl::string_view BodyStore::Store(absl::string_view bytes) {
  if (bytes.empty()) return absl::string_view();
  if (bytes.size() > kBlockSize / 4) {
    // A large body gets a block of its own rather than wasting a shared block's tail. It goes
    // before the current block so the current block's tail stays usable.
    auto block = Allocate(bytes.size());
    capacity_ += bytes.size();
    std::memcpy(block.get(), bytes.data(), bytes.size());
    absl::string_view view(block.get(), bytes.size());
    blocks_.insert(blocks_.empty() ? blocks_.end() : blocks_.end() - 1, std::move(block));
    return view;
  }
  if (kBlockSize - used_ < bytes.size()) {
    blocks_.push_back(Allocate(kBlockSize));
    capacity_ += kBlockSize;
    used_ = 0;
  }
  char* at = blocks_.back().get() + used_;
  std::memcpy(at, bytes.data(), bytes.size());
  used_ += bytes.size();
  return absl::string_view(at, bytes.size());
}

}  // namespace booo::replay
