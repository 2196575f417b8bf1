// The pieces every subcommand of the sequantlock tool shares: exit codes,
// the global options and the interface main.cc dispatches through.
#ifndef SEQUANTLOCK_CLI_COMMAND_H_
#define SEQUANTLOCK_CLI_COMMAND_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace sequantlock_cli {

// Process exit statuses. `run` also passes on its commands' own statuses.
enum class ExitCode : int {
  kOk = 0,
  kHeld = 1,
  kInvalidArguments = 2,
  kIoFailure = 3,
};

// The exit status table as it appears at the end of every --help.
std::string ExitCodeHelp();

// Options given before or after the subcommand name.
struct GlobalOptions {
  std::string locks_dir;
  // The words after "--" on a `run` command line: the command to run.
  std::vector<std::string> child_argv;
  bool has_separator = false;
};

// One subcommand: it registers its options with CLI11 and runs once parsed.
class Command {
 public:
  virtual ~Command() = default;

  // True when this subcommand was the one on the command line.
  bool Selected() const { return app_->parsed(); }

  virtual ExitCode Run(const GlobalOptions& global) = 0;

 protected:
  // Adds the subcommand `name` to `parent`, with --json and the exit status
  // table in its help.
  Command(CLI::App& parent, const std::string& name,
          const std::string& description, const std::string& exit_help = "");

  CLI::App* app_;
  bool json_ = false;
};

// Accepts a process id of this host: an integer from 1 to 2147483647, the
// range of pid_t. The error names the value and the range.
CLI::Validator ProcessIdValidator();

// Accepts a number of seconds: 0 or more, fractions allowed, or "inf" for
// no limit. The error names the value and the accepted forms.
CLI::Validator SecondsValidator();

// Converts seconds accepted by SecondsValidator() to the C API's timeout:
// milliseconds rounded down, or -1 for no limit.
int64_t SecondsToTimeoutMs(double seconds);

std::unique_ptr<Command> MakeListCommand(CLI::App& parent);
std::unique_ptr<Command> MakeAcquireCommand(CLI::App& parent);
std::unique_ptr<Command> MakeReleaseCommand(CLI::App& parent);
std::unique_ptr<Command> MakeCheckCommand(CLI::App& parent);
std::unique_ptr<Command> MakeCheckBatchCommand(CLI::App& parent);
std::unique_ptr<Command> MakeClearCommand(CLI::App& parent);
std::unique_ptr<Command> MakeRunCommand(CLI::App& parent);

}  // namespace sequantlock_cli

#endif  // SEQUANTLOCK_CLI_COMMAND_H_
