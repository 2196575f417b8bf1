// What identifies a process and its machine: host name, boot id, machine
// id, PID namespace and process start time, and the probes and signals that
// use them.
//
// On Linux start times come from /proc/<pid>/stat and signals go through a
// pidfd, so a process is pinned before it is verified and signalled. On
// other systems the start time is unknown and signals use kill().
// Thread safety: every function is safe to call from any thread.
#ifndef SEQUANTLOCK_PROCESS_IDENTITY_H_
#define SEQUANTLOCK_PROCESS_IDENTITY_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace sequantlock {

// The host name as gethostname() reports it (Node's os.hostname() agrees).
std::string ReadHostName();

// The kernel's boot id, or "" when the system does not expose one.
std::string ReadBootId();

// The machine id from /etc/machine-id, or "" when there is none.
std::string ReadMachineId();

// The inode number of this process's PID namespace, or 0 when unknown.
uint64_t ReadPidNamespace();

// kill(pid, 0): true when the process exists (EPERM counts as existing).
// False for pid <= 0 and for values that are not a pid_t.
bool IsPidAlive(int64_t pid);

// The start time of process `pid` as the kernel counts it (on Linux, clock
// ticks since boot), or -1 when it is not known.
int64_t ReadProcessStartTime(int64_t pid);

// What /proc/<pid>/stat tells about a process.
struct ProcessStat {
  bool found = false;
  // Exited but not yet reaped by its parent: a zombie whose every thread
  // has ended. kill(pid, 0) still succeeds on it.
  bool exited = false;
  int64_t start_time = -1;
};

// Reads /proc/<pid>/stat; `found` is false where it cannot be read.
ProcessStat ReadProcessStat(int64_t pid);

// Converts a start time from ReadProcessStartTime() to milliseconds since
// the epoch, or nothing when unknown. Accurate to about a second: the boot
// time it is computed from is kept in whole seconds.
std::optional<int64_t> StartTimeToWallMs(int64_t start_time);

// This process's id, cached and refreshed in the child after fork().
int64_t CurrentPid();

// The parent of this process.
int64_t ParentPid();

// A fresh owner token: 32 hexadecimal digits, never repeated within a
// process, drawn from a per-process seed from the kernel's random source.
std::string NewToken();

// ReadProcessStartTime() of this process, read once per process.
int64_t OwnProcessStartTime();

enum class SignalOutcome {
  kSent,
  kNoProcess,     // The process is gone.
  kStartChanged,  // The pid now names a process with another start time.
  kFailed,        // The kernel refused the signal.
};

// Sends `signal` to `pid` only while `is_holder` accepts the start time of
// the process it names (-1 when unknown). On Linux the process is pinned
// with a pidfd before its start time is read, so it cannot be replaced
// between the check and the signal.
SignalOutcome SignalVerifiedProcess(
    int64_t pid, const std::function<bool(int64_t start_time)>& is_holder,
    int signal);

}  // namespace sequantlock

#endif  // SEQUANTLOCK_PROCESS_IDENTITY_H_
