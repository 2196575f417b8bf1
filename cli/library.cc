#include "library.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace sequantlock_cli {
namespace {

std::string LastErrorText(int code) {
  std::string message = sequantlock_last_error_message();
  if (message.empty()) message = sequantlock_error_string(code);
  return message;
}

// True for a key such as "1.5": digits and dots only. The library takes it
// for a named key, but on a command line it is a mistyped issue number.
bool LooksLikeFraction(const std::string& key) {
  return !key.empty() && key.find('.') != std::string::npos &&
         key.find_first_not_of("0123456789.") == std::string::npos;
}

}  // namespace

LibraryFailure::LibraryFailure(int code)
    : std::runtime_error(LastErrorText(code)),
      code_(code),
      path_(sequantlock_last_error_path()) {}

void Check(int rc) {
  if (rc != SEQUANTLOCK_OK) throw LibraryFailure(rc);
}

ExitCode ReportFailure(const LibraryFailure& failure) {
  std::string message = OneLine(failure.what());
  if (!failure.path().empty() &&
      message.find(failure.path()) == std::string::npos) {
    message += " (path '" + OneLine(failure.path()) + "')";
  }
  PrintError(message);

  switch (failure.code()) {
    case SEQUANTLOCK_ERR_INVALID_ARGUMENT:
    case SEQUANTLOCK_ERR_INVALID_KEY:
      return ExitCode::kInvalidArguments;
    case SEQUANTLOCK_ERR_RACE_LOST:
      return ExitCode::kHeld;
    default:
      return ExitCode::kIoFailure;
  }
}

ManagerPtr MakeManager(const GlobalOptions& global, int64_t pid) {
  sequantlock_options* raw_options = nullptr;
  Check(sequantlock_options_new(&raw_options));
  OptionsPtr options(raw_options);
  if (!global.locks_dir.empty()) {
    Check(sequantlock_options_set_locks_dir(options.get(),
                                            global.locks_dir.c_str()));
  }
  if (pid > 0) Check(sequantlock_options_set_pid(options.get(), pid));

  sequantlock_manager* raw_manager = nullptr;
  Check(sequantlock_manager_new(&raw_manager, options.get()));
  return ManagerPtr(raw_manager);
}

bool ValidateKeys(const std::vector<std::string>& keys) {
  for (const std::string& key : keys) {
    if (sequantlock_key_validate(key.c_str()) == SEQUANTLOCK_OK &&
        !LooksLikeFraction(key)) {
      continue;
    }
    PrintError("invalid key '" + OneLine(key) +
               "': expected an issue number (a positive integer without "
               "sign or leading zeros) or a name matching "
               "[A-Za-z0-9][A-Za-z0-9._-]{0,127} that does not end in "
               "'.lock'");
    return false;
  }
  return true;
}

std::string KeyLabel(const std::string& key) {
  if (sequantlock_key_is_issue(key.c_str())) return "#" + key;
  return "'" + key + "'";
}

Json KeyObject(const std::string& key) {
  Json object = Json::object();
  object["key"] = key;
  if (sequantlock_key_is_issue(key.c_str())) {
    errno = 0;
    char* end = nullptr;
    const long long issue = std::strtoll(key.c_str(), &end, 10);
    if (errno == 0 && *end == '\0') object["issue"] = issue;
  }
  return object;
}

Json HolderJson(const sequantlock_holder* holder) {
  if (holder == nullptr) return nullptr;
  char* raw = nullptr;
  Check(sequantlock_holder_to_json(holder, SEQUANTLOCK_JSON_COMPACT, &raw));
  LibraryString text(raw);
  return Json::parse(text.get());
}

Json StaleReasonJson(int reason) {
  if (reason == SEQUANTLOCK_STALE_NONE) return nullptr;
  return sequantlock_stale_reason_name(reason);
}

std::string LockedMessage(const std::string& key,
                          const sequantlock_holder* holder) {
  char* raw = nullptr;
  Check(sequantlock_format_locked_message(key.c_str(), holder, &raw));
  LibraryString text(raw);
  return text.get();
}

std::string SignalOutcomeLine(int reason, int64_t pid,
                              const std::string& key) {
  const std::string who = "PID " + std::to_string(pid);
  const std::string label = KeyLabel(key);
  switch (reason) {
    case SEQUANTLOCK_SIGNAL_SENT:
      return "Signaled " + who + " (SIGTERM) for " + label;
    case SEQUANTLOCK_SIGNAL_ORCHESTRATOR:
      return "Skipped signal for " + label + " (orchestrator mode)";
    case SEQUANTLOCK_SIGNAL_CROSS_HOST:
      return "Could not signal " + who + " for " + label +
             " (cross-host holder)";
    case SEQUANTLOCK_SIGNAL_SELF_OR_PARENT:
      return "Refused to signal " + who + " for " + label +
             " (matches this process or its parent)";
    case SEQUANTLOCK_SIGNAL_PID_DEAD:
      return "Could not signal " + who + " for " + label +
             " (already exited)";
    case SEQUANTLOCK_SIGNAL_STALE_PID_UNTRUSTED:
      return "Refused to signal " + who + " for " + label +
             " (lock is past the age ceiling; that PID has likely been "
             "recycled onto an unrelated process)";
    case SEQUANTLOCK_SIGNAL_KILL_FAILED:
      return "Could not signal " + who + " for " + label +
             " (kill syscall failed)";
    case SEQUANTLOCK_SIGNAL_SKIP_PID_CHECK:
      return "Refused to signal " + who + " for " + label +
             " (skip-PID-check lock; that PID belonged to a shell that "
             "exited after acquiring)";
    case SEQUANTLOCK_SIGNAL_INVALID_PID:
      return "Could not signal " + who + " for " + label +
             " (not a valid process id)";
    case SEQUANTLOCK_SIGNAL_OTHER_NAMESPACE:
      return "Refused to signal " + who + " for " + label +
             " (holder is in another PID namespace)";
    case SEQUANTLOCK_SIGNAL_PID_REUSED:
      return "Refused to signal " + who + " for " + label +
             " (that PID now belongs to a different process)";
    default:
      return "Did not signal " + who + " for " + label + " (" +
             sequantlock_signal_reason_name(reason) + ")";
  }
}

void WarnIfStaleReplaced(const std::string& key,
                         const sequantlock_acquire_result* result) {
  if (!sequantlock_acquire_result_replaced(result)) return;
  const int stale_reason = sequantlock_acquire_result_stale_reason(result);
  if (stale_reason == SEQUANTLOCK_STALE_NONE) return;
  const std::string reason = sequantlock_stale_reason_name(stale_reason);
  const sequantlock_holder* previous =
      sequantlock_acquire_result_previous(result);
  if (previous == nullptr) {
    PrintWarning("cleared an unreadable lock record for " + KeyLabel(key) +
                 " (" + reason + ")");
    return;
  }
  PrintWarning("cleared stale lock for " + KeyLabel(key) + " held by PID " +
               std::to_string(sequantlock_holder_pid(previous)) + " (" +
               reason + ")");
}

}  // namespace sequantlock_cli
