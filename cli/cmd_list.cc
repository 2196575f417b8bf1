// `sequantlock list`: every lock in the directory, issue and named keys.
#include <algorithm>
#include <string>

#include "command.h"
#include "library.h"
#include "output.h"

namespace sequantlock_cli {
namespace {

Json EntryJson(const sequantlock_lock_info* info) {
  Json entry = KeyObject(sequantlock_lock_info_key(info));
  entry["holder"] = HolderJson(sequantlock_lock_info_holder(info));
  entry["corrupt"] = sequantlock_lock_info_corrupt(info) != 0;
  entry["ageMs"] = sequantlock_lock_info_age_ms(info);
  entry["stale"] = sequantlock_lock_info_stale(info) != 0;
  entry["staleReason"] =
      StaleReasonJson(sequantlock_lock_info_stale_reason(info));
  entry["lockPath"] = sequantlock_lock_info_lock_path(info);
  return entry;
}

void PrintEntry(const sequantlock_lock_info* info) {
  const std::string label = KeyLabel(sequantlock_lock_info_key(info));
  const int64_t age_minutes =
      std::max<int64_t>(0, sequantlock_lock_info_age_ms(info) / 60000);
  std::string stale_tag;
  if (sequantlock_lock_info_stale(info)) {
    stale_tag = std::string("  (stale: ") +
                sequantlock_stale_reason_name(
                    sequantlock_lock_info_stale_reason(info)) +
                ")";
  }

  const sequantlock_holder* holder = sequantlock_lock_info_holder(info);
  if (holder == nullptr) {
    PrintOut("  " + label + "  unreadable lock record  age=" +
             std::to_string(age_minutes) + "m" + stale_tag);
    PrintOut("    path: " + OneLine(sequantlock_lock_info_lock_path(info)));
    return;
  }
  PrintOut("  " + label + "  pid=" +
           std::to_string(sequantlock_holder_pid(holder)) + "  host=" +
           OneLine(sequantlock_holder_hostname(holder)) + "  age=" +
           std::to_string(age_minutes) + "m  started=" +
           OneLine(sequantlock_holder_started_at(holder)) + stale_tag);
  PrintOut("    command: " + OneLine(sequantlock_holder_command(holder)));
}

class ListCommand : public Command {
 public:
  explicit ListCommand(CLI::App& parent)
      : Command(parent, "list",
                "Show every lock with its holder's pid, host, age, start "
                "time and command, and whether it is stale") {}

  ExitCode Run(const GlobalOptions& global) override {
    if (sequantlock_orchestrator_mode_from_env()) {
      if (json_) {
        PrintJson({{"locks", Json::array()}, {"orchestratorMode", true}},
                  true);
      } else {
        PrintOut(kOrchestratorDisabledLine);
      }
      return ExitCode::kOk;
    }

    ManagerPtr manager = MakeManager(global);
    sequantlock_lock_list* raw_list = nullptr;
    Check(sequantlock_manager_list(manager.get(), &raw_list));
    LockListPtr list(raw_list);
    const size_t count = sequantlock_lock_list_count(list.get());

    if (json_) {
      Json locks = Json::array();
      for (size_t i = 0; i < count; ++i) {
        locks.push_back(EntryJson(sequantlock_lock_list_at(list.get(), i)));
      }
      PrintJson({{"locks", locks}}, true);
      return ExitCode::kOk;
    }

    if (count == 0) {
      PrintOut("No active locks.");
      return ExitCode::kOk;
    }
    PrintOut("Active locks (" + std::to_string(count) + "):");
    PrintOut("");
    for (size_t i = 0; i < count; ++i) {
      PrintEntry(sequantlock_lock_list_at(list.get(), i));
    }
    return ExitCode::kOk;
  }
};

}  // namespace

std::unique_ptr<Command> MakeListCommand(CLI::App& parent) {
  return std::make_unique<ListCommand>(parent);
}

}  // namespace sequantlock_cli
