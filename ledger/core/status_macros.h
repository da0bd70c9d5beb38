// Status plumbing shared by every layer. abseil 20220623 ships neither ASSIGN_OR_RETURN nor
// RETURN_IF_ERROR, so the project defines them once, here.
#ifndef BOOO_LEDGER_CORE_STATUS_MACROS_H_
#define BOOO_LEDGER_CORE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define BOOO_STATUS_CONCAT_INNER(a, b) a##b
#define BOOO_STATUS_CONCAT(a, b) BOOO_STATUS_CONCAT_INNER(a, b)

// Returns from the enclosing function if `expr` (an absl::Status) is not OK.
#define RETURN_IF_ERROR(expr)                    \
  do {                                           \
    ::absl::Status booo_status_ = (expr);        \
    if (!booo_status_.ok()) return booo_status_; \
  } while (0)

// `lhs = *expr;` when `expr` (an absl::StatusOr<T>) holds a value, else returns its status.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(BOOO_STATUS_CONCAT(booo_statusor_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(*tmp)

#endif  // BOOO_LEDGER_CORE_STATUS_MACROS_H_
