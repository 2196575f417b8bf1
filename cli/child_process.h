// Child processes of `sequantlock run`: started one at a time in a process
// group of their own, forwarded SIGINT and SIGTERM, and killed with their
// group if `run` dies first.
#ifndef SEQUANTLOCK_CLI_CHILD_PROCESS_H_
#define SEQUANTLOCK_CLI_CHILD_PROCESS_H_

#include <signal.h>

#include <optional>
#include <string>
#include <vector>

namespace sequantlock_cli {

// The end of a child process.
struct ChildOutcome {
  // What a shell reports as $?: the exit code, or 128 + the signal number.
  int status = 0;
  // The signal that killed the child, or 0 when it exited.
  int signal = 0;
};

// While alive, catches SIGINT and SIGTERM: the first one is recorded and
// forwarded to the running child, a second one kills the child with
// SIGKILL. A signal that was ignored when this was made stays ignored, and
// so is ignored by the children too. Only one may exist at a time.
class SignalForwarding {
 public:
  SignalForwarding();
  ~SignalForwarding();
  SignalForwarding(const SignalForwarding&) = delete;
  SignalForwarding& operator=(const SignalForwarding&) = delete;

  // The first SIGINT or SIGTERM received, or 0 when none was.
  static int ReceivedSignal();
};

// Seconds a child has to exit after a forwarded signal before SIGKILL.
inline constexpr int kChildGraceSeconds = 10;

// Runs `argv` (searched in PATH) with SEQUANT_ISSUE=`issue` added to the
// environment and waits for it. The child leads a process group of its
// own, which gets the terminal while the child runs when this process had
// it. Forwarded signals go to the whole group. When the child ends, the
// rest of its group is sent SIGKILL, and a watcher process sends the group
// SIGKILL if this process dies first. Processes that leave the group
// (setsid, or job control in a shell) escape both. Returns nothing,
// without starting the child, when SIGINT or SIGTERM has already been
// received. Throws std::system_error when fork fails; a command that
// cannot be executed ends with status 127 (not found) or 126.
std::optional<ChildOutcome> RunChild(const std::vector<std::string>& argv,
                                     const std::string& issue);

// "SIGTERM" for 15, or the number for a signal without a name.
std::string SignalName(int signal);

}  // namespace sequantlock_cli

#endif  // SEQUANTLOCK_CLI_CHILD_PROCESS_H_
