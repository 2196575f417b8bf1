#include "output.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

namespace sequantlock_cli {
namespace {

bool ColourAllowed(int fd) {
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && no_color[0] != '\0') return false;
  return isatty(STDOUT_FILENO) == 1 && isatty(fd) == 1;
}

const char* ColourCode(Colour colour) {
  switch (colour) {
    case Colour::kGreen:
      return "\x1b[32m";
    case Colour::kYellow:
      return "\x1b[33m";
    case Colour::kRed:
      return "\x1b[31m";
    case Colour::kGray:
      return "\x1b[90m";
    case Colour::kNone:
      break;
  }
  return "";
}

void PrintLine(std::ostream& stream, int fd, std::string_view text,
               Colour colour) {
  if (colour != Colour::kNone && ColourAllowed(fd)) {
    stream << ColourCode(colour) << text << "\x1b[0m\n";
  } else {
    stream << text << '\n';
  }
  stream.flush();
}

}  // namespace

void PrintOut(std::string_view text, Colour colour) {
  PrintLine(std::cout, STDOUT_FILENO, text, colour);
}

void PrintErr(std::string_view text, Colour colour) {
  PrintLine(std::cerr, STDERR_FILENO, text, colour);
}

void PrintError(std::string_view message) {
  std::string line = "sequantlock: error: ";
  line += message;
  PrintErr(line, Colour::kRed);
}

void PrintWarning(std::string_view message) {
  std::string line = "sequantlock: warning: ";
  line += message;
  PrintErr(line, Colour::kYellow);
}

void PrintJson(const Json& value, bool pretty) {
  std::cout << value.dump(pretty ? 2 : -1, ' ', false,
                          Json::error_handler_t::replace)
            << '\n';
  std::cout.flush();
}

std::string OneLine(std::string_view text) {
  std::string result;
  result.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 || byte == 0x7f) {
      result += '?';
      continue;
    }
    // C1 controls are U+0080..U+009F, encoded in UTF-8 as C2 80..C2 9F.
    if (byte == 0xc2 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9f) {
        result += '?';
        ++i;
        continue;
      }
    }
    result += text[i];
  }
  return result;
}

std::string FormatSeconds(int64_t ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2fs", static_cast<double>(ms) / 1000.0);
  return text;
}

}  // namespace sequantlock_cli
