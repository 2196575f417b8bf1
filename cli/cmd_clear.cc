// `sequantlock clear`: remove a lock, refusing a fresh one unless forced.
#include <unistd.h>

#include <climits>
#include <string>

#include "command.h"
#include "library.h"
#include "output.h"

namespace sequantlock_cli {
namespace {

std::string ThisHostname() {
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof name) != 0) return "";
  return name;
}

// Says why the lock still counts as fresh, in the terms of the rule that
// keeps it.
std::string FreshReason(const sequantlock_lock_info* info) {
  const sequantlock_holder* holder = sequantlock_lock_info_holder(info);
  if (holder == nullptr) {
    return "an unreadable lock record, still within its " +
           std::to_string(SEQUANTLOCK_CORRUPT_GRACE_MS / 1000) +
           " s grace time";
  }
  const std::string pid = "PID " + std::to_string(sequantlock_holder_pid(holder));
  const std::string host = sequantlock_holder_hostname(holder);
  if (host != ThisHostname()) {
    return pid + " on host '" + OneLine(host) +
           "', not yet past the cross-host age limit";
  }
  if (sequantlock_holder_skip_pid_check(holder)) {
    return pid + ", taken with --skip-pid-check and not yet past its age "
                 "limit";
  }
  return pid + " appears alive on this host";
}

class ClearCommand : public Command {
 public:
  explicit ClearCommand(CLI::App& parent)
      : Command(parent, "clear",
                "Remove a lock; a fresh lock is refused unless --force is "
                "given",
                "0 cleared or nothing to clear, 1 refused (--json "
                "included).") {
    app_->add_option("key", key_,
                     "Issue number (604) or named key (checkout)")
        ->required();
    app_->add_flag("-f,--force", force_,
                   "Remove the lock even when its holder is alive");
  }

  ExitCode Run(const GlobalOptions& global) override {
    if (!ValidateKeys({key_})) return ExitCode::kInvalidArguments;
    if (sequantlock_orchestrator_mode_from_env()) {
      if (json_) {
        Json output = KeyObject(key_);
        output["cleared"] = false;
        output["reason"] = "orchestrator-mode";
        output["orchestratorMode"] = true;
        PrintJson(output);
      } else {
        PrintOut(kOrchestratorDisabledLine);
      }
      return ExitCode::kOk;
    }

    ManagerPtr manager = MakeManager(global);
    sequantlock_clear_result* raw_result = nullptr;
    Check(sequantlock_manager_clear(manager.get(), key_.c_str(), force_ ? 1 : 0,
                                    &raw_result));
    ClearResultPtr result(raw_result);
    const bool cleared = sequantlock_clear_result_cleared(result.get()) != 0;
    const int reason = sequantlock_clear_result_reason(result.get());
    const sequantlock_lock_info* info =
        sequantlock_clear_result_info(result.get());
    const bool refused = !cleared && reason == SEQUANTLOCK_CLEAR_FRESH;

    if (json_) {
      Json output = KeyObject(key_);
      output["cleared"] = cleared;
      output["reason"] = sequantlock_clear_reason_name(reason);
      if (info != nullptr) {
        output["holder"] = HolderJson(sequantlock_lock_info_holder(info));
      }
      PrintJson(output);
    } else if (cleared) {
      PrintOut("✓ Cleared lock for " + KeyLabel(key_), Colour::kGreen);
    } else if (refused) {
      std::string detail = info != nullptr ? " (" + FreshReason(info) + ")" : "";
      PrintErr("Refusing to clear fresh lock on " + KeyLabel(key_) + detail +
                   ". Re-run with --force if you really want to clear it.",
               Colour::kYellow);
    } else {
      PrintOut("No lock found for " + KeyLabel(key_));
    }
    return refused ? ExitCode::kHeld : ExitCode::kOk;
  }

 private:
  std::string key_;
  bool force_ = false;
};

}  // namespace

std::unique_ptr<Command> MakeClearCommand(CLI::App& parent) {
  return std::make_unique<ClearCommand>(parent);
}

}  // namespace sequantlock_cli
