// RocksDB's own diagnostics, as JSON lines on stderr beside the server's log, instead of the
// LOG file RocksDB keeps in the data directory by default. On a full disk that file fails to
// grow, and Debian's RocksDB then aborts the whole process on its next log line (an assertion
// in its file writer, seen under disk_full_test): a log line must never cost the ledger its
// availability. Warnings and errors only; RocksDB's routine chatter is dropped.
#ifndef BOOO_LEDGER_STORAGE_STORE_LOG_H_
#define BOOO_LEDGER_STORAGE_STORE_LOG_H_

#include <memory>

namespace rocksdb {
class Logger;
}  // namespace rocksdb

namespace booo::ledger {

std::shared_ptr<rocksdb::Logger> NewStderrRocksDbLogger();

}  // namespace booo::ledger

#endif  // BOOO_LEDGER_STORAGE_STORE_LOG_H_
