// Terminal output of the sequantlock tool: human text on stdout, errors,
// warnings and refusals on stderr, JSON on stdout.
#ifndef SEQUANTLOCK_CLI_OUTPUT_H_
#define SEQUANTLOCK_CLI_OUTPUT_H_

#include <cstdio>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sequantlock_cli {

using Json = nlohmann::ordered_json;

enum class Colour { kNone, kGreen, kYellow, kRed, kGray };

// The line printed instead of doing anything in orchestrator mode.
inline constexpr const char* kOrchestratorDisabledLine =
    "Lock operations are disabled (SEQUANT_ORCHESTRATOR set).";

// Writes `text` and a newline to stdout, in `colour` when stdout is a
// terminal and NO_COLOR is unset or empty.
void PrintOut(std::string_view text, Colour colour = Colour::kNone);

// Writes `text` and a newline to stderr; coloured under the same rule,
// applied to stderr and stdout both.
void PrintErr(std::string_view text, Colour colour = Colour::kNone);

// Writes "sequantlock: error: <message>" to stderr.
void PrintError(std::string_view message);

// Writes "sequantlock: warning: <message>" to stderr.
void PrintWarning(std::string_view message);

// Formats a duration in milliseconds as seconds: "1.25s".
std::string FormatSeconds(int64_t ms);

// Writes `value` to stdout on one line, or indented by 2 spaces when
// `pretty`. Invalid UTF-8 in strings is replaced, never fatal.
void PrintJson(const Json& value, bool pretty = false);

// Returns `text` with control characters (C0, DEL and C1) replaced by '?',
// so a field read from a lock file cannot break a line or steer the
// terminal.
std::string OneLine(std::string_view text);

}  // namespace sequantlock_cli

#endif  // SEQUANTLOCK_CLI_OUTPUT_H_
