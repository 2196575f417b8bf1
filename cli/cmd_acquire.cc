// `sequantlock acquire`: claim a key, or print its current holder.
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <string>

#include "command.h"
#include "library.h"
#include "output.h"

namespace sequantlock_cli {
namespace {

class AcquireCommand : public Command {
 public:
  explicit AcquireCommand(CLI::App& parent)
      : Command(parent, "acquire",
                "Claim the lock for a key; print the holder and exit 1 when "
                "someone else holds it",
                "0 acquired, 1 held by someone else.") {
    app_->add_option("key", key_,
                     "Issue number (604) or named key (checkout)")
        ->required();
    app_->add_option("--command", command_,
                     "What the holder is running, recorded for people to "
                     "read")
        ->capture_default_str();
    app_->add_flag("--skip-pid-check", skip_pid_check_,
                   "The recorded process exits right after this call (a "
                   "shell step): judge staleness by age alone");
    app_->add_option("--pid", pid_,
                     "Record process N (for example the calling script's "
                     "$$) as the holder instead of this short-lived one")
        ->type_name("N")
        ->check(ProcessIdValidator());
    CLI::Option* wait =
        app_->add_option("--wait", wait_seconds_,
                         "While the key is held, wait up to SECONDS for it to "
                         "become free (woken when the lock is released or its "
                         "holder exits); fractions are allowed, 'inf' waits "
                         "without a limit")
            ->type_name("SECONDS")
            ->check(SecondsValidator());
    CLI::Option* force =
        app_->add_flag("--force", force_, "Take the lock whatever holds it");
    force->excludes(wait);
    app_->add_flag("--signal-other", signal_other_,
                   "With --force: send SIGTERM to the previous holder when it "
                   "is alive on this host and provably the process that took "
                   "the lock")
        ->needs(force);
  }

  ExitCode Run(const GlobalOptions& global) override {
    if (!ValidateKeys({key_})) return ExitCode::kInvalidArguments;
    if (sequantlock_orchestrator_mode_from_env()) {
      if (json_) {
        PrintJson({{"acquired", true}, {"orchestratorMode", true}});
      } else {
        PrintOut(kOrchestratorDisabledLine);
      }
      return ExitCode::kOk;
    }

    ManagerPtr manager = MakeManager(global, pid_);
    const unsigned flags =
        skip_pid_check_ ? static_cast<unsigned>(SEQUANTLOCK_ACQUIRE_SKIP_PID_CHECK) : 0u;
    sequantlock_acquire_result* raw_result = nullptr;
    if (force_) {
      Check(sequantlock_manager_force_acquire(
          manager.get(), key_.c_str(), command_.c_str(), flags, &raw_result));
    } else if (wait_seconds_ != 0) {
      const int64_t timeout_ms = SecondsToTimeoutMs(wait_seconds_);
      Check(sequantlock_manager_acquire_wait(manager.get(), key_.c_str(),
                                             command_.c_str(), flags,
                                             timeout_ms, &raw_result));
    } else {
      Check(sequantlock_manager_acquire(manager.get(), key_.c_str(),
                                        command_.c_str(), flags, &raw_result));
    }
    AcquireResultPtr result(raw_result);

    if (!sequantlock_acquire_result_acquired(result.get())) {
      if (wait_seconds_ != 0 && !json_) {
        PrintWarning("still held after waiting " +
                     FormatSeconds(
                         sequantlock_acquire_result_waited_ms(result.get())));
      }
      ReportHeld(result.get());
      return ExitCode::kHeld;
    }
    ReportAcquired(manager.get(), result.get());
    return ExitCode::kOk;
  }

 private:
  void ReportHeld(const sequantlock_acquire_result* result) const {
    const sequantlock_holder* holder =
        sequantlock_acquire_result_holder(result);
    if (json_) {
      Json output = KeyObject(key_);
      output["acquired"] = false;
      output["holder"] = HolderJson(holder);
      output["corrupt"] = sequantlock_acquire_result_corrupt(result) != 0;
      output["lockPath"] = sequantlock_acquire_result_lock_path(result);
      if (wait_seconds_ != 0) {
        output["waitedMs"] = sequantlock_acquire_result_waited_ms(result);
      }
      PrintJson(output);
      return;
    }
    PrintErr(LockedMessage(key_, holder), Colour::kYellow);
  }

  void ReportAcquired(sequantlock_manager* manager,
                      const sequantlock_acquire_result* result) const {
    const sequantlock_holder* previous =
        sequantlock_acquire_result_previous(result);
    const int stale_reason = sequantlock_acquire_result_stale_reason(result);

    Json signal_reason = nullptr;
    if (force_ && signal_other_ && previous != nullptr) {
      int reason = 0;
      Check(sequantlock_manager_signal_other(manager, previous, SIGTERM,
                                             &reason));
      signal_reason = sequantlock_signal_reason_name(reason);
      if (!json_) {
        PrintOut(SignalOutcomeLine(reason, sequantlock_holder_pid(previous),
                                   key_),
                 Colour::kGray);
      }
    }

    if (json_) {
      Json output = KeyObject(key_);
      output["acquired"] = true;
      output["lockPath"] = sequantlock_acquire_result_lock_path(result);
      output["token"] = sequantlock_acquire_result_token(result);
      if (wait_seconds_ != 0) {
        output["waitedMs"] = sequantlock_acquire_result_waited_ms(result);
      }
      output["forced"] = sequantlock_acquire_result_forced(result) != 0;
      output["previousHolder"] = HolderJson(previous);
      output["stale"] = stale_reason != SEQUANTLOCK_STALE_NONE;
      output["staleReason"] = StaleReasonJson(stale_reason);
      if (!signal_reason.is_null()) output["signalReason"] = signal_reason;
      PrintJson(output);
      return;
    }

    if (force_) {
      PrintOut("✓ Acquired lock for " + KeyLabel(key_) + " (forced)",
               Colour::kGreen);
      return;
    }
    const int64_t waited_ms = sequantlock_acquire_result_waited_ms(result);
    PrintOut("✓ Acquired lock for " + KeyLabel(key_) +
                 (waited_ms > 0 ? " after waiting " + FormatSeconds(waited_ms)
                                : std::string()),
             Colour::kGreen);
    WarnIfStaleReplaced(key_, result);
    if (pid_ == 0 && !skip_pid_check_) {
      PrintWarning("the lock names this sequantlock process (PID " +
                   std::to_string(getpid()) +
                   ") as its holder, so it is stale once sequantlock exits. "
                   "Pass --pid $$ to name the calling shell, --skip-pid-check "
                   "to judge it by age, or use 'sequantlock run'");
    }
  }

  std::string key_;
  std::string command_ = "unknown";
  bool skip_pid_check_ = false;
  int64_t pid_ = 0;
  bool force_ = false;
  bool signal_other_ = false;
  double wait_seconds_ = 0;
};

}  // namespace

std::unique_ptr<Command> MakeAcquireCommand(CLI::App& parent) {
  return std::make_unique<AcquireCommand>(parent);
}

}  // namespace sequantlock_cli
