#include "child_process.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <system_error>

extern char** environ;

namespace sequantlock_cli {
namespace {

constexpr int kForwardedSignals[] = {SIGINT, SIGTERM};

volatile sig_atomic_t g_child_pid = 0;
volatile sig_atomic_t g_received_signal = 0;
volatile sig_atomic_t g_signal_count = 0;
// Whether a handler is installed for kForwardedSignals[i].
bool g_installed[2] = {false, false};
struct sigaction g_previous[2];

void ForwardSignal(int signal) {
  const int saved_errno = errno;
  if (g_received_signal == 0) g_received_signal = signal;
  g_signal_count = g_signal_count + 1;
  // The command leads its own process group, so the signal reaches every
  // process it started that stayed in the group.
  const pid_t child = g_child_pid;
  if (child > 0) kill(-child, g_signal_count > 1 ? SIGKILL : signal);
  errno = saved_errno;
}

// Whether this process is the foreground process group of the terminal on
// standard input. The command is then given the terminal while it runs, so
// that it can read from it and Ctrl-C reaches it.
bool OwnsTerminal() {
  if (!isatty(STDIN_FILENO)) return false;
  return tcgetpgrp(STDIN_FILENO) == getpgrp();
}

// Makes `group` the terminal's foreground process group. SIGTTOU is
// blocked, as a background process that calls tcsetpgrp receives it.
void SetTerminalGroup(pid_t group) {
  sigset_t ttou;
  sigset_t previous;
  sigemptyset(&ttou);
  sigaddset(&ttou, SIGTTOU);
  sigprocmask(SIG_BLOCK, &ttou, &previous);
  tcsetpgrp(STDIN_FILENO, group);
  sigprocmask(SIG_SETMASK, &previous, nullptr);
}

// Starts a process that sends SIGKILL to process group `group` when this
// process dies before StopGroupWatcher() writes to `write_fd`. The watcher
// reads `read_fd`, and end-of-file there means that this process, the only
// holder of the write end, is gone. Returns its pid, or -1 when it could
// not be started.
pid_t StartGroupWatcher(pid_t group, int read_fd, int write_fd) {
  const pid_t pid = fork();
  if (pid != 0) return pid;

  close(write_fd);
  for (int signal : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP}) {
    ::signal(signal, SIG_IGN);
  }
  const int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd >= 0) {
    dup2(null_fd, STDIN_FILENO);
    dup2(null_fd, STDOUT_FILENO);
    dup2(null_fd, STDERR_FILENO);
  }
  char byte = 0;
  ssize_t n;
  do {
    n = read(read_fd, &byte, 1);
  } while (n < 0 && errno == EINTR);
  if (n == 0) kill(-group, SIGKILL);
  _exit(0);
}

// Tells the watcher that the command has ended and reaps it.
void StopGroupWatcher(pid_t watcher, int write_fd) {
  const char byte = 1;
  (void)!write(write_fd, &byte, 1);
  close(write_fd);
  if (watcher <= 0) return;
  while (waitpid(watcher, nullptr, 0) < 0 && errno == EINTR) {
  }
}

std::vector<std::string> ChildEnvironment(const std::string& issue) {
  static const std::string kIssueVariable = "SEQUANT_ISSUE=";
  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (std::strncmp(*entry, kIssueVariable.c_str(), kIssueVariable.size()) ==
        0) {
      continue;
    }
    environment.emplace_back(*entry);
  }
  environment.push_back(kIssueVariable + issue);
  return environment;
}

std::vector<char*> PointerArray(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (std::string& text : strings) pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
}

// Runs in the forked child. Only the calling thread exists after fork, so
// the calls below are safe even where they are not async-signal-safe.
[[noreturn]] void ExecChild(char** args, char** environment, pid_t parent,
                            const sigset_t& mask, bool take_terminal) {
  // The death signal is tied to the parent that exists now. A parent that
  // exited before prctl ran never sends it, so the child dies at once.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) {
    raise(SIGKILL);
  }
  // Both the parent and the child set the group and the terminal, so
  // neither order of the two processes leaves the command without them.
  setpgid(0, 0);
  if (take_terminal) SetTerminalGroup(getpid());
  for (size_t i = 0; i < 2; ++i) {
    if (g_installed[i]) ::signal(kForwardedSignals[i], SIG_DFL);
  }
  sigprocmask(SIG_SETMASK, &mask, nullptr);

  execvpe(args[0], args, environment);
  const int error = errno;
  std::fprintf(stderr, "sequantlock: error: cannot run '%s': %s\n", args[0],
               std::strerror(error));
  _exit(error == ENOENT ? 127 : 126);
}

void SleepBriefly() {
  timespec pause = {0, 20 * 1000 * 1000};
  nanosleep(&pause, nullptr);
}

// Waits until `pid` exits. Once a signal has been forwarded, the child has
// kChildGraceSeconds to exit before its group is sent SIGKILL.
// The child is left unreaped (WNOWAIT): while it is a zombie its pid, and
// so the id of its process group, cannot be given to another process, and
// the caller can still signal what is left of the group.
void WaitForChildExit(pid_t pid) {
  using Clock = std::chrono::steady_clock;
  std::optional<Clock::time_point> deadline;
  bool killed = false;
  for (;;) {
    if (!deadline && !killed && g_received_signal != 0) {
      deadline = Clock::now() + std::chrono::seconds(kChildGraceSeconds);
    }
    siginfo_t info;
    info.si_pid = 0;
    const int rc = waitid(P_PID, static_cast<id_t>(pid), &info,
                          WEXITED | WNOWAIT | (deadline ? WNOHANG : 0));
    if (rc == 0 && info.si_pid == pid) return;
    if (rc != 0 && errno != EINTR) {
      throw std::system_error(errno, std::generic_category(),
                              "cannot wait for the command");
    }
    if (!deadline) continue;
    if (Clock::now() >= *deadline) {
      kill(-pid, SIGKILL);
      killed = true;
      deadline.reset();
      continue;
    }
    SleepBriefly();
  }
}

}  // namespace

SignalForwarding::SignalForwarding() {
  g_received_signal = 0;
  g_signal_count = 0;
  for (size_t i = 0; i < 2; ++i) {
    struct sigaction current;
    sigaction(kForwardedSignals[i], nullptr, &current);
    g_installed[i] = current.sa_handler != SIG_IGN;
    if (!g_installed[i]) continue;

    struct sigaction action;
    std::memset(&action, 0, sizeof action);
    action.sa_handler = ForwardSignal;
    sigemptyset(&action.sa_mask);
    // No SA_RESTART, so waitpid returns EINTR and the wait loop can start
    // the grace period.
    action.sa_flags = 0;
    sigaction(kForwardedSignals[i], &action, &g_previous[i]);
  }
}

SignalForwarding::~SignalForwarding() {
  for (size_t i = 0; i < 2; ++i) {
    if (g_installed[i]) sigaction(kForwardedSignals[i], &g_previous[i], nullptr);
    g_installed[i] = false;
  }
}

int SignalForwarding::ReceivedSignal() { return g_received_signal; }

std::optional<ChildOutcome> RunChild(const std::vector<std::string>& argv,
                                     const std::string& issue) {
  std::vector<std::string> arg_strings = argv;
  std::vector<char*> args = PointerArray(arg_strings);
  std::vector<std::string> environment_strings = ChildEnvironment(issue);
  std::vector<char*> environment = PointerArray(environment_strings);

  // Blocking both signals until the child's pid is recorded means none can
  // arrive in between and miss the child.
  sigset_t blocked;
  sigset_t previous_mask;
  sigemptyset(&blocked);
  for (int signal : kForwardedSignals) sigaddset(&blocked, signal);
  sigprocmask(SIG_BLOCK, &blocked, &previous_mask);
  if (g_received_signal != 0) {
    sigprocmask(SIG_SETMASK, &previous_mask, nullptr);
    return std::nullopt;
  }

  int watch_pipe[2];
  if (pipe2(watch_pipe, O_CLOEXEC) != 0) {
    const int error = errno;
    sigprocmask(SIG_SETMASK, &previous_mask, nullptr);
    throw std::system_error(error, std::generic_category(),
                            "cannot start '" + argv.front() + "'");
  }
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  const bool owns_terminal = OwnsTerminal();
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    const int error = errno;
    close(watch_pipe[0]);
    close(watch_pipe[1]);
    sigprocmask(SIG_SETMASK, &previous_mask, nullptr);
    throw std::system_error(error, std::generic_category(),
                            "cannot start '" + argv.front() + "'");
  }
  if (pid == 0) {
    ExecChild(args.data(), environment.data(), parent, previous_mask,
              owns_terminal);
  }
  setpgid(pid, pid);
  if (owns_terminal) SetTerminalGroup(pid);
  g_child_pid = pid;
  const pid_t watcher = StartGroupWatcher(pid, watch_pipe[0], watch_pipe[1]);
  close(watch_pipe[0]);
  sigprocmask(SIG_SETMASK, &previous_mask, nullptr);

  try {
    WaitForChildExit(pid);
  } catch (...) {
    g_child_pid = 0;
    kill(-pid, SIGKILL);
    StopGroupWatcher(watcher, watch_pipe[1]);
    if (owns_terminal) SetTerminalGroup(getpgrp());
    throw;
  }
  g_child_pid = 0;
  // Processes the command left behind in its group would go on working
  // after the lock is released.
  kill(-pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  StopGroupWatcher(watcher, watch_pipe[1]);
  if (owns_terminal) {
    SetTerminalGroup(getpgrp());
    // Ctrl-C on the terminal reached only the command's group. Ending the
    // batch as if `run` had received it matches what a shell does.
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGINT &&
        g_received_signal == 0) {
      g_received_signal = SIGINT;
    }
  }

  ChildOutcome outcome;
  if (WIFSIGNALED(status)) {
    outcome.signal = WTERMSIG(status);
    outcome.status = 128 + outcome.signal;
  } else {
    outcome.status = WEXITSTATUS(status);
  }
  return outcome;
}

std::string SignalName(int signal) {
  const char* abbreviation = sigabbrev_np(signal);
  if (abbreviation == nullptr) return "signal " + std::to_string(signal);
  return std::string("SIG") + abbreviation;
}

}  // namespace sequantlock_cli
