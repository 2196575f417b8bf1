// Conversion of library results into plain Python dicts, which the
// sequantlock package turns into its frozen dataclasses. The GIL must be
// held for every function here.
#ifndef SEQUANTLOCK_PYTHON_CONVERT_H_
#define SEQUANTLOCK_PYTHON_CONVERT_H_

#include <pybind11/pybind11.h>

#include <memory>
#include <string>

#include "sequantlock.h"

namespace sequantlock_python {

namespace py = pybind11;

struct HolderDeleter {
  void operator()(sequantlock_holder* h) const { sequantlock_holder_free(h); }
};
struct AcquireResultDeleter {
  void operator()(sequantlock_acquire_result* r) const {
    sequantlock_acquire_result_free(r);
  }
};
struct LockInfoDeleter {
  void operator()(sequantlock_lock_info* i) const {
    sequantlock_lock_info_free(i);
  }
};
struct LockListDeleter {
  void operator()(sequantlock_lock_list* l) const {
    sequantlock_lock_list_free(l);
  }
};
struct ClearResultDeleter {
  void operator()(sequantlock_clear_result* r) const {
    sequantlock_clear_result_free(r);
  }
};

using HolderPtr = std::unique_ptr<sequantlock_holder, HolderDeleter>;
using AcquireResultPtr =
    std::unique_ptr<sequantlock_acquire_result, AcquireResultDeleter>;
using LockInfoPtr = std::unique_ptr<sequantlock_lock_info, LockInfoDeleter>;
using LockListPtr = std::unique_ptr<sequantlock_lock_list, LockListDeleter>;
using ClearResultPtr =
    std::unique_ptr<sequantlock_clear_result, ClearResultDeleter>;

// Parses a lock record's JSON text into a holder owned by the caller.
// Raises InvalidArgumentError when the text is not a valid record.
HolderPtr ParseHolder(const std::string& json);

// Serialises a holder with sequantlock_holder_to_json() flags.
std::string HolderJson(const sequantlock_holder* holder, unsigned flags);

// A holder's fields, plus "record": its JSON text, which lets the package
// hand the same holder back to the library. None for a NULL holder.
py::object HolderToDict(const sequantlock_holder* holder);

py::object LockInfoToDict(const sequantlock_lock_info* info);
py::dict AcquireResultToDict(const sequantlock_acquire_result* result);
py::dict ClearResultToDict(const sequantlock_clear_result* result);

}  // namespace sequantlock_python

#endif  // SEQUANTLOCK_PYTHON_CONVERT_H_
