#include "fault_injection.h"

#include <unistd.h>

#include <cerrno>
#include <mutex>

namespace sequantlock {
namespace fault {
namespace {

struct PointState {
  int hits = 0;
  bool armed = false;
  Action action;
  int first_hit = 0;
  int times = 0;
};

std::mutex g_mutex;
PointState g_points[kPointCount];

PointState& StateOf(Point point) {
  return g_points[static_cast<int>(point)];
}

bool InRange(const PointState& state) {
  if (!state.armed || state.hits < state.first_hit) return false;
  return state.times < 0 || state.hits < state.first_hit + state.times;
}

}  // namespace

const char* PointName(Point point) {
  switch (point) {
    case Point::kTmpfileOpen:
      return "tmpfile-open";
    case Point::kWrite:
      return "write";
    case Point::kLinkat:
      return "linkat";
    case Point::kHandleFstat:
      return "handle-fstat";
    case Point::kMkdir:
      return "mkdir";
    case Point::kNamedOpen:
      return "named-open";
    case Point::kNamedLink:
      return "named-link";
    case Point::kNamedRename:
      return "named-rename";
    case Point::kNamedUnlink:
      return "named-unlink";
    case Point::kOpenForRead:
      return "open-for-read";
    case Point::kReadFstat:
      return "read-fstat";
    case Point::kReadLstat:
      return "read-lstat";
    case Point::kFlock:
      return "flock";
    case Point::kGuardFstat:
      return "guard-fstat";
    case Point::kGuardLstat:
      return "guard-lstat";
    case Point::kPread:
      return "pread";
    case Point::kUnlinkat:
      return "unlinkat";
    case Point::kDirectoryOpen:
      return "directory-open";
  }
  return "unknown";
}

void Arm(Point point, Action action, int first_hit, int times) {
  std::lock_guard<std::mutex> lock(g_mutex);
  PointState& state = StateOf(point);
  state.armed = true;
  state.action = action;
  state.first_hit = first_hit;
  state.times = times;
}

void Reset() {
  std::lock_guard<std::mutex> lock(g_mutex);
  for (PointState& state : g_points) state = PointState();
}

int Hits(Point point) {
  std::lock_guard<std::mutex> lock(g_mutex);
  return StateOf(point).hits;
}

bool Fire(Point point) {
  Action action;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    PointState& state = StateOf(point);
    ++state.hits;
    if (!InRange(state)) return false;
    action = state.action;
  }
  if (action.crash) _exit(kCrashExitStatus);
  errno = action.error;
  return true;
}

}  // namespace fault
}  // namespace sequantlock
