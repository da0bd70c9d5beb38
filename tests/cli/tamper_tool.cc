// Test-only: flips one byte of the stored leaf of one sequence, writing through RocksDB the way
// an insider with access to the data directory could. Never installed; used by end_to_end.sh.
// Usage: ledger_tamper_for_tests DATA_DIR SEQUENCE OFFSET_FROM_END
#include <cstdlib>
#include <iostream>

#include "ledger/storage/store.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: ledger_tamper_for_tests DATA_DIR SEQUENCE OFFSET_FROM_END\n";
    return 2;
  }
  const uint64_t sequence = std::strtoull(argv[2], nullptr, 10);
  const size_t offset = std::strtoull(argv[3], nullptr, 10);
  auto store = booo::ledger::LedgerStore::Open(argv[1], {});
  if (!store.ok()) {
    std::cerr << store.status() << "\n";
    return 1;
  }
  auto leaf = (*store)->GetLeaf(sequence);
  if (!leaf.ok() || offset == 0 || offset > leaf->size()) {
    std::cerr << "no such leaf or offset\n";
    return 1;
  }
  (*leaf)[leaf->size() - offset] ^= 0x01;
  auto status = (*store)->RawPutForTesting(booo::ledger::LedgerStore::kEvents,
                                           booo::ledger::LedgerStore::SequenceKey(sequence), *leaf);
  if (!status.ok()) {
    std::cerr << status << "\n";
    return 1;
  }
  std::cout << "flipped one byte of sequence " << sequence << "\n";
  return 0;
}
