// `sequantlock check`: read-only probe of one key.
#include <string>

#include "command.h"
#include "library.h"
#include "output.h"

namespace sequantlock_cli {
namespace {

class CheckCommand : public Command {
 public:
  explicit CheckCommand(CLI::App& parent)
      : Command(parent, "check",
                "Report whether a key is held, without changing anything. A "
                "stale leftover that the next acquire would clear counts as "
                "free",
                "0 free (or only a stale leftover), 1 held.") {
    app_->add_option("key", key_,
                     "Issue number (604) or named key (checkout)")
        ->required();
  }

  ExitCode Run(const GlobalOptions& global) override {
    if (!ValidateKeys({key_})) return ExitCode::kInvalidArguments;
    if (sequantlock_orchestrator_mode_from_env()) {
      if (json_) {
        PrintJson({{"locked", false}, {"orchestratorMode", true}});
      } else {
        PrintOut(kOrchestratorDisabledLine);
      }
      return ExitCode::kOk;
    }

    ManagerPtr manager = MakeManager(global);
    sequantlock_lock_info* raw_info = nullptr;
    Check(sequantlock_manager_check(manager.get(), key_.c_str(), &raw_info));
    LockInfoPtr info(raw_info);

    if (!info) {
      ReportFree();
      return ExitCode::kOk;
    }
    if (sequantlock_lock_info_stale(info.get())) {
      ReportStale(info.get());
      return ExitCode::kOk;
    }
    ReportHeld(info.get());
    return ExitCode::kHeld;
  }

 private:
  void ReportFree() const {
    if (json_) {
      Json output = KeyObject(key_);
      output["locked"] = false;
      PrintJson(output);
      return;
    }
    PrintOut(KeyLabel(key_) + " is not locked");
  }

  void ReportStale(const sequantlock_lock_info* info) const {
    const sequantlock_holder* holder = sequantlock_lock_info_holder(info);
    const int reason = sequantlock_lock_info_stale_reason(info);
    if (json_) {
      Json output = KeyObject(key_);
      output["locked"] = false;
      output["stale"] = true;
      output["staleReason"] = StaleReasonJson(reason);
      output["holder"] = HolderJson(holder);
      output["lockPath"] = sequantlock_lock_info_lock_path(info);
      PrintJson(output);
      return;
    }
    std::string left_by = "an unreadable lock record";
    if (holder != nullptr) {
      left_by = "PID " + std::to_string(sequantlock_holder_pid(holder));
    }
    PrintOut(KeyLabel(key_) + " is not locked (stale lock left by " +
             left_by + ": " + sequantlock_stale_reason_name(reason) +
             "; the next acquire clears it)");
  }

  void ReportHeld(const sequantlock_lock_info* info) const {
    const sequantlock_holder* holder = sequantlock_lock_info_holder(info);
    if (json_) {
      Json output = KeyObject(key_);
      output["locked"] = true;
      output["stale"] = false;
      output["holder"] = HolderJson(holder);
      output["corrupt"] = sequantlock_lock_info_corrupt(info) != 0;
      output["lockPath"] = sequantlock_lock_info_lock_path(info);
      PrintJson(output);
      return;
    }
    PrintOut(LockedMessage(key_, holder), Colour::kYellow);
  }

  std::string key_;
};

}  // namespace

std::unique_ptr<Command> MakeCheckCommand(CLI::App& parent) {
  return std::make_unique<CheckCommand>(parent);
}

}  // namespace sequantlock_cli
