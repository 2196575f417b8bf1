// Compiles sequantlock.hpp alone as strict C++17: the C++ layer must
// include everything it uses.
#include "sequantlock.hpp"

bool HppCxx17UsesApi(sequantlock_manager* manager);

bool HppCxx17UsesApi(sequantlock_manager* manager) {
  sequantlock::ScopedLock lock(manager, "checkout", "header test");
  return lock.owns_lock();
}
