#include "call.h"

#include <cstring>

namespace sequantlock_python {

namespace {

thread_local CallFrame* current_frame = nullptr;

// sequantlock._errors.error_from_code, imported on first use. The object is
// never released because it must outlive static destruction, which runs
// after the interpreter is gone.
py::object& ErrorFactory() {
  static py::object* factory = new py::object(
      py::module_::import("sequantlock._errors").attr("error_from_code"));
  return *factory;
}

}  // namespace

LibraryError CaptureLastError(int code) {
  LibraryError error;
  int recorded = sequantlock_last_error_code();
  // A failing return code is what the caller has to act on. The thread's
  // record normally agrees; when it does not, the message still helps.
  error.code = code;
  if (recorded == code) {
    error.message = sequantlock_last_error_message();
    error.os_errno = sequantlock_last_error_os_errno();
    error.path = sequantlock_last_error_path();
  } else {
    error.message = sequantlock_error_string(code);
  }
  return error;
}

void ThrowLibraryError(const LibraryError& error) {
  py::object os_errno =
      error.os_errno != 0 ? py::object(py::int_(error.os_errno)) : py::none();
  py::object path =
      error.path.empty() ? py::none() : py::object(Text(error.path.c_str()));
  py::object exception = ErrorFactory()(error.code, Text(error.message.c_str()),
                                        os_errno, path);
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exception.ptr())),
                  exception.ptr());
  throw py::error_already_set();
}

void ThrowBindingError(int code, const std::string& message) {
  LibraryError error;
  error.code = code;
  error.message = message;
  ThrowLibraryError(error);
}

CallFrame::CallFrame() : previous_(current_frame) { current_frame = this; }

CallFrame::~CallFrame() { current_frame = previous_; }

CallFrame* CallFrame::Current() { return current_frame; }

void CallFrame::StorePythonError(py::error_already_set error) {
  if (!callback_error_) callback_error_.emplace(std::move(error));
}

void CallFrame::RethrowCallbackError() {
  if (!callback_error_) return;
  py::error_already_set error = std::move(*callback_error_);
  callback_error_.reset();
  throw error;
}

void RequireNoNul(const std::string& text, const char* parameter, int code) {
  if (text.find('\0') == std::string::npos) return;
  std::string message = std::string("invalid ") + parameter + " " +
                        py::repr(py::str(text)).cast<std::string>() +
                        ": contains a NUL character";
  ThrowBindingError(code, message);
}

py::str Text(const char* text) {
  PyObject* decoded =
      PyUnicode_DecodeUTF8(text, static_cast<Py_ssize_t>(std::strlen(text)),
                           "replace");
  if (decoded == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(decoded);
}

}  // namespace sequantlock_python
