// Test-only fault points at the system calls of FileStore.
//
// Built into the core only when the CMake option SEQUANTLOCK_FAULT_INJECTION
// is ON. FileStore evaluates SEQUANTLOCK_FAULT(point) just before the system
// call that the point names, and skips the call as if it had failed when the
// macro is true. With the option OFF the macro is the constant false, so the
// compiler drops every hook and fault_injection.cc is not compiled.
//
// Each point counts its hits from the last Reset(). An armed point fires on
// a chosen range of hits: it either fails the call with an errno, or ends
// the process with _exit(kCrashExitStatus) right there, as SIGKILL between
// two steps would. Thread safety: every function may be called from several
// threads at once.
#ifndef SEQUANTLOCK_FAULT_INJECTION_H_
#define SEQUANTLOCK_FAULT_INJECTION_H_

namespace sequantlock {
namespace fault {

enum class Point : int {
  kTmpfileOpen,   // open(dir, O_TMPFILE) in Publish.
  kWrite,         // write() of the record, on either publish path.
  kLinkat,        // linkat() of the O_TMPFILE file into place.
  kHandleFstat,   // fstat() of a published file for its release handle.
  kMkdir,         // Creation of the locks directory.
  kNamedOpen,     // open(O_CREAT | O_EXCL) of the named temporary file.
  kNamedLink,     // link() of the named temporary file into place.
  kNamedRename,   // renameat2(RENAME_NOREPLACE) when link() is unsupported.
  kNamedUnlink,   // unlink() of the named temporary file.
  kOpenForRead,   // open() of a lock file by Read and RemoveIf.
  kReadFstat,     // fstat() of a lock file opened by Read.
  kReadLstat,     // lstat() of a lock file that cannot be opened.
  kFlock,         // flock() of the guard.
  kGuardFstat,    // fstat() of the guarded file.
  kGuardLstat,    // lstat() of the lock path under the guard.
  kPread,         // pread() of a lock file.
  kUnlinkat,      // unlinkat() of a lock file under the guard.
  kDirectoryOpen, // open() of the locks directory as a guard.
};

inline constexpr int kPointCount = static_cast<int>(Point::kDirectoryOpen) + 1;

// Exit status of a process that an armed crash point ended.
inline constexpr int kCrashExitStatus = 86;

// The point's name in lower-case words joined by hyphens, for test output.
const char* PointName(Point point);

// The effect of an armed point that fires: failure with `error`, or a crash.
struct Action {
  int error = 0;
  bool crash = false;
};

// Arms `point` to fire on hits first_hit .. first_hit + times - 1, counted
// from 1 since the last Reset(). A negative `times` fires on every hit from
// first_hit on. Arming a point again replaces its earlier setting.
void Arm(Point point, Action action, int first_hit = 1, int times = 1);

// Disarms every point and sets every hit count to zero.
void Reset();

// Number of hits of `point` since the last Reset().
int Hits(Point point);

// Counts a hit of `point`. Returns true, with errno set, when the call must
// fail, and ends the process when the point is armed to crash.
bool Fire(Point point);

}  // namespace fault
}  // namespace sequantlock

#if defined(SEQUANTLOCK_FAULT_INJECTION)
#define SEQUANTLOCK_FAULT(point) \
  (::sequantlock::fault::Fire(::sequantlock::fault::Point::point))
#else
#define SEQUANTLOCK_FAULT(point) false
#endif

#endif  // SEQUANTLOCK_FAULT_INJECTION_H_
