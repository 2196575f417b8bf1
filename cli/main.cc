// sequantlock: take, inspect and release per-key locks from the shell.
#include <algorithm>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "command.h"
#include "library.h"
#include "output.h"
#include "sequantlock.h"

namespace sequantlock_cli {
namespace {

// Moves the words after "--" of a `run` command line into
// `global.child_argv`, because CLI11 would hand them to the key list.
// Options before the subcommand name are global; only --locks-dir takes a
// separate value.
void SplitRunCommand(std::vector<std::string>& args, GlobalOptions& global) {
  size_t index = 0;
  while (index < args.size()) {
    const std::string& word = args[index];
    if (word == "--") return;
    if (word == "--locks-dir") {
      index += 2;
    } else if (word.rfind('-', 0) == 0) {
      ++index;
    } else {
      break;
    }
  }
  if (index >= args.size() || args[index] != "run") return;

  const auto separator = std::find(args.begin() + index + 1, args.end(), "--");
  if (separator == args.end()) return;
  global.has_separator = true;
  global.child_argv.assign(separator + 1, args.end());
  args.erase(separator, args.end());
}

std::string UsageHint(const CLI::App& app) {
  std::string command = "sequantlock";
  for (const CLI::App* sub : app.get_subcommands()) {
    command += " " + sub->get_name();
  }
  return "Run '" + command + " --help' for usage.";
}

int Main(int argc, char** argv) {
  CLI::App app{"Take, inspect and release per-key lock files, so that two "
               "sessions never work on the same issue at once.",
               "sequantlock"};
  app.fallthrough();
  app.require_subcommand(1);
  app.footer(ExitCodeHelp());
  app.set_version_flag("--version",
                       std::string("sequantlock ") + sequantlock_version());

  GlobalOptions global;
  app.add_option("--locks-dir", global.locks_dir,
                 "Locks directory (default: SEQUANT_LOCKS_DIR, else "
                 ".sequant/locks in the main worktree of the enclosing git "
                 "repository, else in the current directory)")
      ->type_name("DIR")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            if (!text.empty()) return std::string();
            return "invalid locks directory '': expected a path; leave the "
                   "option out for the default";
          },
          "", "NonEmpty"));

  std::vector<std::unique_ptr<Command>> commands;
  commands.push_back(MakeListCommand(app));
  commands.push_back(MakeAcquireCommand(app));
  commands.push_back(MakeReleaseCommand(app));
  commands.push_back(MakeCheckCommand(app));
  commands.push_back(MakeCheckBatchCommand(app));
  commands.push_back(MakeClearCommand(app));
  commands.push_back(MakeRunCommand(app));

  std::vector<std::string> args(argv + 1, argv + argc);
  SplitRunCommand(args, global);
  // CLI11 consumes the vector from its back.
  std::reverse(args.begin(), args.end());
  try {
    app.parse(args);
  } catch (const CLI::ParseError& error) {
    if (error.get_exit_code() == 0) return app.exit(error);
    PrintError(error.what());
    PrintErr(UsageHint(app));
    return static_cast<int>(ExitCode::kInvalidArguments);
  }

  for (const auto& command : commands) {
    if (!command->Selected()) continue;
    try {
      return static_cast<int>(command->Run(global));
    } catch (const LibraryFailure& failure) {
      return static_cast<int>(ReportFailure(failure));
    } catch (const std::exception& error) {
      PrintError(error.what());
      return static_cast<int>(ExitCode::kIoFailure);
    }
  }
  return static_cast<int>(ExitCode::kInvalidArguments);
}

}  // namespace
}  // namespace sequantlock_cli

int main(int argc, char** argv) { return sequantlock_cli::Main(argc, argv); }
