// `sequantlock check-batch`: one warning line per held key, for dashboards
// that paste the output as it is.
#include <string>
#include <vector>

#include "command.h"
#include "library.h"
#include "output.h"

namespace sequantlock_cli {
namespace {

std::string WarningLine(const std::string& key,
                        const sequantlock_holder* holder) {
  if (holder == nullptr) {
    return "⚠ " + KeyLabel(key) + " held by an unreadable lock record";
  }
  return "⚠ " + KeyLabel(key) + " held by PID " +
         std::to_string(sequantlock_holder_pid(holder)) + " on " +
         OneLine(sequantlock_holder_hostname(holder)) + " since " +
         OneLine(sequantlock_holder_started_at(holder)) + " (" +
         OneLine(sequantlock_holder_command(holder)) + ")";
}

class CheckBatchCommand : public Command {
 public:
  explicit CheckBatchCommand(CLI::App& parent)
      : Command(parent, "check-batch",
                "Print one warning line per held key, in argument order, and "
                "nothing for free keys or stale leftovers",
                "0 whether or not keys are held.") {
    app_->add_option("keys", keys_,
                     "Issue numbers (604) or named keys (checkout)")
        ->required();
  }

  ExitCode Run(const GlobalOptions& global) override {
    if (!ValidateKeys(keys_)) return ExitCode::kInvalidArguments;
    if (sequantlock_orchestrator_mode_from_env()) {
      if (json_) {
        PrintJson({{"warnings", Json::array()},
                   {"orchestratorMode", true},
                   {"checked", 0}},
                  true);
      }
      return ExitCode::kOk;
    }

    ManagerPtr manager = MakeManager(global);
    Json warnings = Json::array();
    for (const std::string& key : keys_) {
      sequantlock_lock_info* raw_info = nullptr;
      Check(sequantlock_manager_check(manager.get(), key.c_str(), &raw_info));
      LockInfoPtr info(raw_info);
      if (!info || sequantlock_lock_info_stale(info.get())) continue;

      const sequantlock_holder* holder =
          sequantlock_lock_info_holder(info.get());
      if (json_) {
        Json warning = KeyObject(key);
        warning["holder"] = HolderJson(holder);
        warnings.push_back(warning);
      } else {
        PrintOut(WarningLine(key, holder), Colour::kYellow);
      }
    }

    if (json_) {
      PrintJson({{"warnings", warnings}, {"checked", keys_.size()}}, true);
    }
    return ExitCode::kOk;
  }

 private:
  std::vector<std::string> keys_;
};

}  // namespace

std::unique_ptr<Command> MakeCheckBatchCommand(CLI::App& parent) {
  return std::make_unique<CheckBatchCommand>(parent);
}

}  // namespace sequantlock_cli
