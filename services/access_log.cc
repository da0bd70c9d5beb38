#include "services/access_log.h"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "ledger/core/field_checks.h"
#include "ledger/storage/store.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "services/grpc_status.h"
#include "services/log.h"

namespace booo::services {
namespace {

constexpr uint32_t kDefaultPage = 1000;
constexpr uint32_t kMaxPage = 10000;
constexpr char kEveryMunicipality[] = "*";

int64_t NowMillis() { return absl::ToUnixMillis(absl::Now()); }

// Keys sort by start time, then operation id (fixed width, so bytes compare as the pair).
std::string TimeKey(int64_t start_ms, absl::string_view operation_id) {
  return absl::StrCat(ledger::EncodeBigEndian64(static_cast<uint64_t>(start_ms)), operation_id);
}
std::string MunicipalityPrefix(absl::string_view code) {
  return absl::StrCat(code, absl::string_view("\0", 1));
}

absl::Status FromRocks(const rocksdb::Status& status, absl::string_view what) {
  if (status.ok()) return absl::OkStatus();
  const std::string message = absl::StrCat("access log: ", what, ": ", status.ToString());
  return status.IsNoSpace() ? absl::ResourceExhaustedError(message)
                            : absl::UnavailableError(message);
}

// A page token: "<start_ms>:<operation_id>:<to_ms>": the last record handed out, and the end
// of the range the first page fixed (so that reads recorded while paging, the pager's own
// among them, do not make the listing endless).
struct Resume {
  int64_t start_ms = 0;
  std::string operation_id;
  int64_t to_ms = 0;
};
absl::StatusOr<std::optional<Resume>> ParsePageToken(absl::string_view token) {
  if (token.empty()) return std::nullopt;
  std::vector<absl::string_view> parts = absl::StrSplit(token, ':');
  Resume resume;
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &resume.start_ms) ||
      parts[1].size() != 16 || !absl::SimpleAtoi(parts[2], &resume.to_ms) ||
      resume.to_ms <= resume.start_ms) {
    return absl::InvalidArgumentError("page_token: was not issued by this server");
  }
  resume.operation_id = std::string(parts[1]);
  return resume;
}

}  // namespace

absl::Status ParseProcessingActivities(absl::string_view text,
                                       absl::flat_hash_map<std::string, std::string>& activities) {
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    std::vector<absl::string_view> words = absl::StrSplit(line, ' ', absl::SkipWhitespace());
    if (words.size() != 2 || words[0].find('/') == absl::string_view::npos ||
        words[1].find(':') == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "processing activities: line ", number,
          ": expected \"<service>/<method> <uri>\", e.g. \"booo.v1.Grants/GetGrant "
          "https://register.example/activities/42\""));
    }
    activities[std::string(words[0])] = std::string(words[1]);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<AccessLog>> AccessLog::Open(const std::string& dir,
                                                           AccessLogOptions options) {
  std::unique_ptr<AccessLog> log(new AccessLog(std::move(options)));
  log->dir_ = dir;
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  {
    absl::MutexLock lock(&log->db_mutex_);
    if (absl::Status opened = log->OpenStoreLocked(); !opened.ok()) {
      return absl::FailedPreconditionError(absl::StrCat("access_log_dir: ", opened.message()));
    }
  }
  absl::StatusOr<size_t> swept = log->Sweep();
  if (!swept.ok()) return swept.status();
  log->sweeper_ = std::thread([raw_log = log.get()] { raw_log->SweepLoop(); });
  return log;
}

absl::Status AccessLog::OpenStoreLocked() {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.keep_log_file_num = 2;
  // Every record is in the synced write-ahead log: closing need not flush (which a full disk
  // would refuse anyway).
  db_options.avoid_flush_during_shutdown = true;
  // After a failed write the store stays failed until it is reopened (below): RocksDB's own
  // resumption would write on to the failed log's writer.
  db_options.max_bgerror_resume_count = 0;
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {"by_time", rocksdb::ColumnFamilyOptions()},
      {"by_municipality", rocksdb::ColumnFamilyOptions()}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status opened = rocksdb::DB::Open(db_options, dir_, families, &handles, &raw);
  if (!opened.ok()) return FromRocks(opened, absl::StrCat("cannot open ", dir_));
  db_.reset(raw);
  default_ = handles[0];
  by_time_ = handles[1];
  by_municipality_ = handles[2];
  broken_.store(false);
  return absl::OkStatus();
}

void AccessLog::CloseStoreLocked() {
  if (!db_) return;
  for (rocksdb::ColumnFamilyHandle* handle : {default_, by_time_, by_municipality_}) {
    if (handle != nullptr) db_->DestroyColumnFamilyHandle(handle);
  }
  default_ = by_time_ = by_municipality_ = nullptr;
  db_->Close();
  db_.reset();
}

AccessLog::AccessLog(AccessLogOptions options) : options_(std::move(options)) {}

AccessLog::~AccessLog() {
  {
    absl::MutexLock lock(&stop_mutex_);
    stopping_ = true;
  }
  if (sweeper_.joinable()) sweeper_.join();
  absl::MutexLock lock(&db_mutex_);
  CloseStoreLocked();
}

std::string AccessLog::ActivityFor(absl::string_view rpc) const {
  if (auto it = options_.activities.find(rpc); it != options_.activities.end()) return it->second;
  return absl::StrCat(options_.activity_base, rpc);
}

absl::Status AccessLog::Write(const booo::v1::AccessRecord& record) {
  absl::Status written = WriteDurably(record);
  if (options_.metrics != nullptr) options_.metrics->AccessRecorded(written.ok());
  return written;
}

absl::Status AccessLog::WriteDurably(const booo::v1::AccessRecord& record) {
  // After a failed write RocksDB 7.8 may write on to the failed log's writer once it thinks it
  // has recovered (an assertion in Debian's build): the store is closed and opened afresh
  // instead, with a new write-ahead log, before the next record. While that fails too (the disk
  // still full), reads go on being refused.
  if (broken_.load()) {
    absl::MutexLock lock(&db_mutex_);
    if (broken_.load()) {
      // At most one reopen a second: while the disk stays full, reads fail at once with the
      // last reason instead of queueing behind one recovery after another.
      const absl::Time now = absl::Now();
      if (now - last_reopen_ < absl::Seconds(1)) {
        absl::MutexLock failure(&failure_mutex_);
        return last_failure_;
      }
      last_reopen_ = now;
      CloseStoreLocked();
      if (absl::Status reopened = OpenStoreLocked(); !reopened.ok()) {
        absl::MutexLock failure(&failure_mutex_);
        last_failure_ = reopened;
        return reopened;
      }
      Log("info", "access log: reopened after a failed write", {{"dir", dir_}});
    }
  }
  absl::ReaderMutexLock lock(&db_mutex_);
  if (!db_) return absl::UnavailableError("access log: not open (a reopen failed)");
  // Another record's write may have failed since the check above: never write on after it.
  if (broken_.load()) {
    return absl::UnavailableError("access log: a record's write just failed; retry");
  }
  const std::string value = record.SerializeAsString();
  const std::string key = TimeKey(record.start_time_unix_millis(), record.operation_id());
  rocksdb::WriteBatch batch;
  batch.Put(by_time_, key, value);
  batch.Put(by_municipality_, absl::StrCat(MunicipalityPrefix(record.municipality_code()), key),
            value);
  rocksdb::WriteOptions durable;
  durable.sync = true;
  absl::Status written = FromRocks(db_->Write(durable, &batch), "writing a record");
  if (!written.ok()) {
    broken_.store(true);
    absl::MutexLock failure(&failure_mutex_);
    last_failure_ = written;
  }
  return written;
}

absl::StatusOr<booo::v1::ListAccessRecordsResponse> AccessLog::List(
    const booo::v1::ListAccessRecordsRequest& request) const {
  const std::string& code = request.municipality_code();
  if (!code.empty() && code != kEveryMunicipality) {
    if (absl::Status valid = ledger::CheckMunicipality(code, "municipality_code"); !valid.ok()) {
      return valid;
    }
  }
  if (request.from_unix_millis() < 0) {
    return absl::InvalidArgumentError(absl::StrCat("from_unix_millis: must be 0 or more, got ",
                                                   request.from_unix_millis()));
  }
  std::optional<Resume> resume;
  {
    absl::StatusOr<std::optional<Resume>> parsed = ParsePageToken(request.page_token());
    if (!parsed.ok()) return parsed.status();
    resume = *parsed;
  }
  // The first page fixes the end of an open range; later pages keep it (in their token).
  const int64_t to = request.to_unix_millis() != 0 ? request.to_unix_millis()
                     : resume                      ? resume->to_ms
                                                   : NowMillis() + 1;
  if (to <= request.from_unix_millis()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "to_unix_millis: must be after from_unix_millis (", request.from_unix_millis(),
        "); the range is [from, to)"));
  }
  const uint32_t limit =
      request.max_records() == 0 ? kDefaultPage : std::min(request.max_records(), kMaxPage);
  // Records past the retention may not be swept yet; they are never handed out, whatever a
  // page token says.
  const int64_t from = std::max(request.from_unix_millis(),
                                NowMillis() - absl::ToInt64Milliseconds(options_.retention));
  const std::string floor_key = TimeKey(std::max<int64_t>(from, 0), "");
  std::string from_key = resume ? TimeKey(resume->start_ms, resume->operation_id) : floor_key;
  if (from_key < floor_key) from_key = floor_key;
  const std::string to_key = TimeKey(to, "");

  absl::ReaderMutexLock lock(&db_mutex_);
  if (!db_) return absl::UnavailableError("access log: not open (a reopen failed); retry");
  // One ordered source per index range: all records, or the municipality's and every
  // municipality's; merged by key, a page (and one more, to know whether a page follows).
  std::vector<std::pair<rocksdb::ColumnFamilyHandle*, std::string>> sources;
  if (code.empty()) {
    sources.push_back({by_time_, ""});
  } else {
    sources.push_back({by_municipality_, MunicipalityPrefix(code)});
    if (code != kEveryMunicipality) {
      sources.push_back({by_municipality_, MunicipalityPrefix(kEveryMunicipality)});
    }
  }
  std::vector<std::pair<std::string, std::string>> found;  // time key, record bytes
  rocksdb::ReadOptions options;
  for (const auto& [family, prefix] : sources) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, family));
    size_t taken = 0;
    for (it->Seek(absl::StrCat(prefix, from_key)); it->Valid() && taken <= limit; it->Next()) {
      absl::string_view key(it->key().data(), it->key().size());
      if (!absl::ConsumePrefix(&key, prefix)) break;
      if (key >= to_key) break;
      if (resume && key == from_key) continue;  // the last record of the previous page
      found.emplace_back(std::string(key), it->value().ToString());
      ++taken;
    }
    if (!it->status().ok()) return FromRocks(it->status(), "reading records");
  }
  std::sort(found.begin(), found.end());
  booo::v1::ListAccessRecordsResponse response;
  for (size_t i = 0; i < found.size() && i < limit; ++i) {
    if (!response.add_records()->ParseFromString(found[i].second)) {
      return absl::DataLossError(absl::StrCat("access log: a record does not parse"));
    }
  }
  if (found.size() > limit) {
    const booo::v1::AccessRecord& last = response.records(static_cast<int>(limit) - 1);
    response.set_next_page_token(
        absl::StrCat(last.start_time_unix_millis(), ":", last.operation_id(), ":", to));
  }
  return response;
}

absl::StatusOr<size_t> AccessLog::Sweep() {
  const int64_t cutoff = NowMillis() - absl::ToInt64Milliseconds(options_.retention);
  const std::string cutoff_key = TimeKey(std::max<int64_t>(cutoff, 0), "");
  size_t deleted = 0;
  absl::ReaderMutexLock lock(&db_mutex_);
  if (!db_) return absl::UnavailableError("access log: not open (a reopen failed)");
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), by_time_));
  rocksdb::WriteBatch batch;
  for (it->SeekToFirst(); it->Valid() && it->key().ToString() < cutoff_key; it->Next()) {
    booo::v1::AccessRecord record;
    if (record.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      batch.Delete(by_municipality_,
                   absl::StrCat(MunicipalityPrefix(record.municipality_code()), it->key().ToString()));
    }
    batch.Delete(by_time_, it->key());
    if (++deleted % 1000 == 0) {
      absl::Status written = FromRocks(db_->Write(rocksdb::WriteOptions(), &batch), "sweeping");
      if (!written.ok()) {
        broken_.store(true);
        return written;
      }
      batch.Clear();
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), "sweeping");
  if (batch.Count() > 0) {
    absl::Status written = FromRocks(db_->Write(rocksdb::WriteOptions(), &batch), "sweeping");
    if (!written.ok()) {
      broken_.store(true);
      return written;
    }
  }
  if (deleted > 0) {
    Log("info", "access log: records past their retention deleted",
        {{"deleted", deleted}, {"retention_days", absl::ToInt64Hours(options_.retention) / 24}});
  }
  return deleted;
}

void AccessLog::SweepLoop() {
  absl::MutexLock lock(&stop_mutex_);
  while (!stopping_) {
    stop_mutex_.AwaitWithTimeout(absl::Condition(&stopping_), options_.sweep_interval);
    if (stopping_) break;
    stop_mutex_.Unlock();
    absl::StatusOr<size_t> swept = Sweep();
    if (!swept.ok()) {
      Log("warning", "access log: sweep failed", {{"reason", swept.status().ToString()}});
    }
    stop_mutex_.Lock();
  }
}

std::string MunicipalityOfStream(absl::string_view stream) {
  return absl::ConsumePrefix(&stream, "municipality/") ? std::string(stream) : std::string();
}

std::string ConcernedMunicipality(const Caller& caller, absl::string_view stream) {
  if (!stream.empty()) return MunicipalityOfStream(stream);
  return caller.is_municipality() ? caller.municipality_code : kEveryMunicipality;
}

booo::v1::AccessRecord AccessLog::NewRecord(const TraceContext& trace, const Caller& caller,
                                            absl::string_view rpc) const {
  booo::v1::AccessRecord record;
  record.set_trace_id(trace.trace_id);
  record.set_operation_id(trace.span_id);
  record.set_parent_operation_id(trace.parent_span_id);
  record.set_name(std::string(rpc));
  record.set_start_time_unix_millis(NowMillis());
  record.set_processing_activity_id(ActivityFor(rpc));
  record.set_caller_key_id(caller.development ? absl::StrCat("development:", caller.limit_key)
                                              : caller.key_id);
  record.set_caller_role(caller.role);
  record.set_service_instance(options_.instance);
  return record;
}

RecordedRead::RecordedRead(AccessLog* log, const grpc::ServerContextBase& context,
                           const Caller& caller, absl::string_view rpc)
    : log_(log) {
  if (log_ != nullptr) record_ = log_->NewRecord(CallTrace(context), caller, rpc);
}

grpc::Status RecordedRead::Begin() {
  if (log_ == nullptr) return grpc::Status::OK;
  record_.set_status_code(booo::v1::AccessRecord::STATUS_CODE_UNKNOWN);
  record_.set_end_time_unix_millis(0);
  if (absl::Status written = log_->Write(record_); !written.ok()) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        absl::StrCat("access log: this read could not be recorded, so nothing "
                                     "is served (",
                                     written.message(), ")"));
  }
  return grpc::Status::OK;
}

grpc::Status RecordedRead::Close(const grpc::Status& status) {
  if (log_ == nullptr) return status;
  record_.set_status_code(status.ok() ? booo::v1::AccessRecord::STATUS_CODE_OK
                                      : booo::v1::AccessRecord::STATUS_CODE_ERROR);
  record_.set_grpc_code(static_cast<int32_t>(status.error_code()));
  record_.set_end_time_unix_millis(NowMillis());
  if (absl::Status written = log_->Write(record_); !written.ok()) {
    Log("error", "access log: a read could not be recorded and was refused",
        {{"rpc", record_.name()}, {"reason", std::string(written.message())}});
    if (!status.ok()) return status;  // nothing was to be served anyway
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        absl::StrCat("access log: this read could not be recorded, so nothing "
                                     "is served (",
                                     written.message(), ")"));
  }
  return status;
}

}  // namespace booo::services
