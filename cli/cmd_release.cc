// `sequantlock release`: drop a lock taken by a shell step. Idempotent.
#include <unistd.h>

#include <cstdint>
#include <string>

#include "command.h"
#include "library.h"
#include "output.h"

namespace sequantlock_cli {
namespace {

class ReleaseCommand : public Command {
 public:
  explicit ReleaseCommand(CLI::App& parent)
      : Command(parent, "release",
                "Release a lock held on this host that was taken with "
                "--skip-pid-check, with --pid N, or with the owner token; "
                "says why when nothing was released",
                "Always 0 once the arguments are valid, released or not.") {
    app_->add_option("key", key_,
                     "Issue number (604) or named key (checkout)")
        ->required();
    app_->add_option("--pid", pid_,
                     "The holder process recorded with 'acquire --pid N'")
        ->type_name("N")
        ->check(ProcessIdValidator());
    app_->add_option("--token", token_,
                     "Release only when the lock's owner token is T (printed "
                     "by 'acquire --json')");
  }

  ExitCode Run(const GlobalOptions& global) override {
    if (!ValidateKeys({key_})) return ExitCode::kInvalidArguments;
    if (sequantlock_orchestrator_mode_from_env()) {
      if (json_) {
        Json output = KeyObject(key_);
        output["released"] = false;
        output["orchestratorMode"] = true;
        PrintJson(output);
      } else {
        PrintOut(kOrchestratorDisabledLine);
      }
      return ExitCode::kOk;
    }

    ManagerPtr manager = MakeManager(global, pid_);
    int reason = SEQUANTLOCK_RELEASE_NO_LOCK;
    if (app_->count("--token") > 0) {
      Check(sequantlock_manager_release_token(manager.get(), key_.c_str(),
                                              token_.c_str(), &reason));
    } else {
      Check(sequantlock_manager_release_external(manager.get(), key_.c_str(),
                                                 &reason));
    }
    const bool released = reason == SEQUANTLOCK_RELEASE_RELEASED;

    if (json_) {
      Json output = KeyObject(key_);
      output["released"] = released;
      output["reason"] = sequantlock_release_reason_name(reason);
      PrintJson(output);
      return ExitCode::kOk;
    }
    if (released) {
      PrintOut("✓ Released lock for " + KeyLabel(key_), Colour::kGreen);
    } else {
      PrintOut("No releasable lock for " + KeyLabel(key_) + ": " +
               Explain(manager.get(), reason));
    }
    return ExitCode::kOk;
  }

 private:
  // Describes why nothing was released, naming the holder when the lock
  // file can still be read.
  std::string Explain(sequantlock_manager* manager, int reason) const {
    switch (reason) {
      case SEQUANTLOCK_RELEASE_NO_LOCK:
        return "no lock is held.";
      case SEQUANTLOCK_RELEASE_TOKEN_MISMATCH:
        return "its owner token is not the one given with --token.";
      case SEQUANTLOCK_RELEASE_CORRUPT:
        return "the lock file is unreadable; 'sequantlock clear --force " +
               key_ + "' removes it.";
      default:
        break;
    }

    sequantlock_lock_info* raw_info = nullptr;
    Check(sequantlock_manager_check(manager, key_.c_str(), &raw_info));
    LockInfoPtr info(raw_info);
    const sequantlock_holder* holder =
        info ? sequantlock_lock_info_holder(info.get()) : nullptr;
    if (holder == nullptr) {
      return std::string("not released (") +
             sequantlock_release_reason_name(reason) + ").";
    }
    const std::string holder_pid =
        std::to_string(sequantlock_holder_pid(holder));
    if (reason == SEQUANTLOCK_RELEASE_CROSS_HOST) {
      return "it is held by PID " + holder_pid + " on host '" +
             OneLine(sequantlock_holder_hostname(holder)) +
             "', not on this host.";
    }
    const std::string claimant =
        pid_ > 0 ? "PID " + std::to_string(pid_)
                 : "this sequantlock process (PID " +
                       std::to_string(getpid()) + ")";
    return "it is held by PID " + holder_pid + ", not by " + claimant +
           ", and was not taken with --skip-pid-check; pass the holder's "
           "--pid or --token.";
  }

  std::string key_;
  int64_t pid_ = 0;
  std::string token_;
};

}  // namespace

std::unique_ptr<Command> MakeReleaseCommand(CLI::App& parent) {
  return std::make_unique<ReleaseCommand>(parent);
}

}  // namespace sequantlock_cli
