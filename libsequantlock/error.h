// Status values that carry the core's expected failures to its callers.
//
// The codes mirror the public SEQUANTLOCK_ERR_* values one for one; the C
// glue checks that at compile time. Thread safety: values, freely copied.
#ifndef SEQUANTLOCK_ERROR_H_
#define SEQUANTLOCK_ERROR_H_

#include <string>
#include <utility>

namespace sequantlock {

enum class ErrorCode : int {
  kOk = 0,
  kInvalidArgument = -1,
  kInvalidKey = -2,
  kIo = -3,
  kNoMemory = -4,
  kCallback = -5,
  kRaceLost = -6,
  kUnsupported = -7,
  kTimeout = -8,
  kInternal = -9,
};

class Status {
 public:
  Status() = default;

  static Status Error(ErrorCode code, std::string message) {
    return Status(code, std::move(message), 0, std::string());
  }

  // An I/O failure: "<what> '<path>': <strerror(os_errno)>".
  static Status Io(const std::string& what, const std::string& path,
                   int os_errno);

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  int os_errno() const { return os_errno_; }
  const std::string& path() const { return path_; }

 private:
  Status(ErrorCode code, std::string message, int os_errno, std::string path)
      : code_(code),
        message_(std::move(message)),
        os_errno_(os_errno),
        path_(std::move(path)) {}

  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
  int os_errno_ = 0;
  std::string path_;
};

// A value or the Status explaining why there is none.
template <typename T>
class StatusOr {
 public:
  StatusOr(T value) : value_(std::move(value)) {}  // NOLINT: implicit
  StatusOr(Status status) : status_(std::move(status)) {}  // NOLINT

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() { return value_; }
  const T& value() const { return value_; }
  T& operator*() { return value_; }
  T* operator->() { return &value_; }
  const T* operator->() const { return &value_; }

 private:
  Status status_;
  T value_{};
};

}  // namespace sequantlock

#endif  // SEQUANTLOCK_ERROR_H_
