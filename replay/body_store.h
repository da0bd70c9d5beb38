// BodyStore: the serialized event bodies a projection keeps, in large append-only blocks.
//
// A view handed out stays valid for the store's lifetime: blocks never move or shrink. Blocks
// of 4 MiB are asked for as transparent huge pages (a replay fills each byte once; first-touch
// faults on 4 KiB pages were a fifth of its time).
//
// Thread safety: Store() from one thread at a time (the projection's catch-up); views may be
// read from any thread once handed over under a lock.
#ifndef BOOO_REPLAY_BODY_STORE_H_
#define BOOO_REPLAY_BODY_STORE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <vector>

#include "absl/strings/string_view.h"

namespace booo::replay {

class BodyStore {
 public:
  BodyStore() = default;
  BodyStore(const BodyStore&) = delete;
  BodyStore& operator=(const BodyStore&) = delete;

  // A stable copy of `bytes`.
  absl::string_view Store(absl::string_view bytes);
  // Bytes held, blocks' unused tails included.
  size_t capacity() const { return capacity_; }

 private:
  static constexpr size_t kBlockSize = 4 << 20;
  struct Free {
    void operator()(char* block) const;
  };
  static std::unique_ptr<char, Free> Allocate(size_t size);
  std::vector<std::unique_ptr<char, Free>> blocks_;
  size_t used_ = kBlockSize;  // in the last block; full before the first
  size_t capacity_ = 0;
};

}  // namespace booo::replay

#endif  // BOOO_REPLAY_BODY_STORE_H_
