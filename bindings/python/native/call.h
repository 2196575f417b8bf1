// Calls into libsequantlock from Python: GIL handling around each call, the
// one funnel from return codes to Python exceptions, and the per-thread
// record of an exception raised inside a callback.
//
// Thread safety: every function here expects the GIL to be held by the
// caller, except where a comment states otherwise.
#ifndef SEQUANTLOCK_PYTHON_CALL_H_
#define SEQUANTLOCK_PYTHON_CALL_H_

#include <pybind11/pybind11.h>

#include <optional>
#include <string>
#include <utility>

#include "sequantlock.h"

namespace sequantlock_python {

namespace py = pybind11;

// The details of a failed call, read on the calling thread before anything
// else can call the library and overwrite them.
struct LibraryError {
  int code = SEQUANTLOCK_OK;
  std::string message;
  int os_errno = 0;
  std::string path;
};

// Reads the calling thread's last error. Does not touch Python objects, so
// it may run without the GIL.
LibraryError CaptureLastError(int code);

// Raises the Python exception for `error`, built by
// sequantlock._errors.error_from_code. Never returns.
[[noreturn]] void ThrowLibraryError(const LibraryError& error);

// Raises for a failed call made with the GIL held.
inline void Check(int code) {
  if (code != SEQUANTLOCK_OK) ThrowLibraryError(CaptureLastError(code));
}

// Raises the library exception for `code` with a message of the binding's
// own, for input rejected before it reaches the library.
[[noreturn]] void ThrowBindingError(int code, const std::string& message);

// One library call in flight on this thread. Callback trampolines store the
// exception their Python callable raised in the innermost frame, so that it
// is re-raised unchanged once the call returns.
class CallFrame {
 public:
  CallFrame();
  ~CallFrame();
  CallFrame(const CallFrame&) = delete;
  CallFrame& operator=(const CallFrame&) = delete;

  // The innermost frame of the calling thread, or nullptr outside any call.
  // Safe without the GIL.
  static CallFrame* Current();

  // Stores the Python error currently set (the GIL must be held), keeping
  // the first one when several callbacks fail during one call.
  void StorePythonError(py::error_already_set error);

  // Re-raises a stored callback exception, if any.
  void RethrowCallbackError();

 private:
  CallFrame* previous_;
  std::optional<py::error_already_set> callback_error_;
};

// Runs `fn`, which calls the library and returns its code, with the GIL
// released. A callback exception is re-raised as it was; any other failure
// goes through ThrowLibraryError. Returns the code on success.
template <typename Fn>
int CallLibrary(Fn&& fn) {
  CallFrame frame;
  int code;
  LibraryError error;
  {
    py::gil_scoped_release release;
    code = std::forward<Fn>(fn)();
    if (code != SEQUANTLOCK_OK) error = CaptureLastError(code);
  }
  frame.RethrowCallbackError();
  if (code != SEQUANTLOCK_OK) ThrowLibraryError(error);
  return code;
}

// Rejects text with an embedded NUL, which C would silently cut short.
// `code` is the error raised: SEQUANTLOCK_ERR_INVALID_KEY for keys,
// SEQUANTLOCK_ERR_INVALID_ARGUMENT for everything else.
void RequireNoNul(const std::string& text, const char* parameter, int code);

// Decodes UTF-8 from the library, replacing invalid bytes instead of
// failing, because lock files may hold anything.
py::str Text(const char* text);

}  // namespace sequantlock_python

#endif  // SEQUANTLOCK_PYTHON_CALL_H_
