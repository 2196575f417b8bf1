// The sequantlock tool's thin layer over the public C API: owning handles,
// library failures as exceptions, and the text and JSON forms of keys,
// holders and outcomes that several commands print.
#ifndef SEQUANTLOCK_CLI_LIBRARY_H_
#define SEQUANTLOCK_CLI_LIBRARY_H_

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "command.h"
#include "output.h"
#include "sequantlock.h"

namespace sequantlock_cli {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* pointer) const { Free(pointer); }
};

template <typename T, void (*Free)(T*)>
using Handle = std::unique_ptr<T, Deleter<T, Free>>;

using OptionsPtr = Handle<sequantlock_options, sequantlock_options_free>;
using ManagerPtr = Handle<sequantlock_manager, sequantlock_manager_free>;
using AcquireResultPtr =
    Handle<sequantlock_acquire_result, sequantlock_acquire_result_free>;
using LockInfoPtr = Handle<sequantlock_lock_info, sequantlock_lock_info_free>;
using LockListPtr = Handle<sequantlock_lock_list, sequantlock_lock_list_free>;
using ClearResultPtr =
    Handle<sequantlock_clear_result, sequantlock_clear_result_free>;
using LibraryString = Handle<char, sequantlock_string_free>;

// A failed library call, with the thread's last error copied at the moment
// of failure.
class LibraryFailure : public std::runtime_error {
 public:
  explicit LibraryFailure(int code);

  int code() const { return code_; }
  const std::string& path() const { return path_; }

 private:
  int code_;
  std::string path_;
};

// Throws LibraryFailure when `rc` is not SEQUANTLOCK_OK.
void Check(int rc);

// Prints the failure on stderr and returns its exit code: invalid arguments
// 2, a lost race 1, anything else (I/O above all) 3.
ExitCode ReportFailure(const LibraryFailure& failure);

// Makes a manager for the directory chosen by --locks-dir, the environment
// or the enclosing git repository. A positive `pid` is recorded as the
// holder's instead of this process's.
ManagerPtr MakeManager(const GlobalOptions& global, int64_t pid = 0);

// Checks every key with the library's rules, and also rejects keys of
// digits and dots such as "1.5". Reports the first invalid one on stderr.
// Nothing is read or written before this passes.
bool ValidateKeys(const std::vector<std::string>& keys);

// "#604" for an issue key, "'checkout'" for a named key.
std::string KeyLabel(const std::string& key);

// A JSON object that starts with "key" and, for an issue key, "issue" as a
// number, the field the TypeScript original prints.
Json KeyObject(const std::string& key);

// The holder as the record's JSON object, or null for a corrupt file.
Json HolderJson(const sequantlock_holder* holder);

// The reason name, or null for SEQUANTLOCK_STALE_NONE.
Json StaleReasonJson(int reason);

// Returns the canonical refusal: the holder of `key`, since when, and how to
// take over.
std::string LockedMessage(const std::string& key,
                          const sequantlock_holder* holder);

// The line that reports the outcome of signalling a previous holder.
// Prints a warning naming the stale lock an acquire replaced, if any. A
// lock replaced by force while fresh gets no warning.
void WarnIfStaleReplaced(const std::string& key,
                         const sequantlock_acquire_result* result);

std::string SignalOutcomeLine(int reason, int64_t pid,
                              const std::string& key);

}  // namespace sequantlock_cli

#endif  // SEQUANTLOCK_CLI_LIBRARY_H_
