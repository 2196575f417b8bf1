#include "command.h"

namespace sequantlock_cli {
namespace {

struct ExitCodeRow {
  ExitCode code;
  const char* meaning;
};

constexpr ExitCodeRow kExitCodes[] = {
    {ExitCode::kOk, "success"},
    {ExitCode::kHeld, "the lock is held by someone else, or the request was "
                      "refused"},
    {ExitCode::kInvalidArguments, "invalid arguments (bad key, unknown flag)"},
    {ExitCode::kIoFailure,
     "I/O failure (the message names the path and the reason)"},
};

}  // namespace

std::string ExitCodeHelp() {
  std::string text = "Exit status:";
  for (const ExitCodeRow& row : kExitCodes) {
    text += "\n  " + std::to_string(static_cast<int>(row.code)) + "  " +
            row.meaning;
  }
  return text;
}

Command::Command(CLI::App& parent, const std::string& name,
                 const std::string& description, const std::string& exit_help)
    : app_(parent.add_subcommand(name, description)) {
  app_->add_flag("--json", json_, "Print one JSON object instead of text");
  std::string footer = exit_help.empty() ? "" : exit_help + "\n\n";
  footer += ExitCodeHelp();
  app_->footer(footer);
}

}  // namespace sequantlock_cli
