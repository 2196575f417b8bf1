#include "child_process.h"

#include <errno.h>
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
  const pid_t child = g_child_pid;
  if (child > 0) kill(child, g_signal_count > 1 ? SIGKILL : signal);
  errno = saved_errno;
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
                            const sigset_t& mask) {
  // The death signal is tied to the parent that exists now. A parent that
  // exited before prctl ran never sends it, so the child dies at once.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) {
    raise(SIGKILL);
  }
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

// Waits for `pid`. Once a signal has been forwarded, the child has
// kChildGraceSeconds to exit before it is sent SIGKILL.
int WaitForChild(pid_t pid) {
  using Clock = std::chrono::steady_clock;
  std::optional<Clock::time_point> deadline;
  bool killed = false;
  for (;;) {
    if (!deadline && !killed && g_received_signal != 0) {
      deadline = Clock::now() + std::chrono::seconds(kChildGraceSeconds);
    }
    int status = 0;
    const pid_t waited = waitpid(pid, &status, deadline ? WNOHANG : 0);
    if (waited == pid) return status;
    if (waited < 0 && errno != EINTR) {
      throw std::system_error(errno, std::generic_category(),
                              "cannot wait for the command");
    }
    if (!deadline) continue;
    if (Clock::now() >= *deadline) {
      kill(pid, SIGKILL);
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

  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    const int error = errno;
    sigprocmask(SIG_SETMASK, &previous_mask, nullptr);
    throw std::system_error(error, std::generic_category(),
                            "cannot start '" + argv.front() + "'");
  }
  if (pid == 0) {
    ExecChild(args.data(), environment.data(), parent, previous_mask);
  }
  g_child_pid = pid;
  sigprocmask(SIG_SETMASK, &previous_mask, nullptr);

  int status = 0;
  try {
    status = WaitForChild(pid);
  } catch (...) {
    g_child_pid = 0;
    throw;
  }
  g_child_pid = 0;

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
