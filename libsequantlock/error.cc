#include "error.h"

#include <cstring>

namespace sequantlock {

Status Status::Io(const std::string& what, const std::string& path,
                  int os_errno) {
  std::string message = what + " '" + path + "': " + std::strerror(os_errno);
  return Status(ErrorCode::kIo, std::move(message), os_errno, path);
}

}  // namespace sequantlock
