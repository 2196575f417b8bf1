#include "command.h"

#include <cmath>
#include <exception>

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

constexpr int64_t kMaxProcessId = 2147483647;

}  // namespace

CLI::Validator ProcessIdValidator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        size_t used = 0;
        long long value = 0;
        try {
          value = std::stoll(text, &used, 10);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used == text.size() && used > 0 && text[0] != '+' &&
            value >= 1 && value <= kMaxProcessId) {
          return std::string();
        }
        return "invalid process id '" + text +
               "': expected an integer from 1 to 2147483647";
      },
      "", "ProcessId");
}

CLI::Validator SecondsValidator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (text == "inf" || text == "infinity") {
          text = "-1";
          return std::string();
        }
        size_t used = 0;
        double value = -1;
        try {
          value = std::stod(text, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used == text.size() && used > 0 && std::isfinite(value) &&
            value >= 0) {
          return std::string();
        }
        return "invalid number of seconds '" + text +
               "': expected 0 or more (fractions such as 0.5 are allowed), "
               "or 'inf' to wait without a limit";
      },
      "", "Seconds");
}

int64_t SecondsToTimeoutMs(double seconds) {
  // About 292 million years: any longer wait counts as no limit.
  constexpr double kMaxTimeoutMs = 9.2e18;
  if (seconds < 0) return -1;
  const double ms = seconds * 1000.0;
  if (ms >= kMaxTimeoutMs) return -1;
  return static_cast<int64_t>(ms);
}

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
