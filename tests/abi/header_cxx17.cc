// Compiles sequantlock.h alone as strict C++17: the C header must also be
// valid C++ and declare its functions with C linkage.
#include "sequantlock.h"

int HeaderCxx17UsesApi();

int HeaderCxx17UsesApi() {
  sequantlock_options* options = nullptr;
  const int rc = sequantlock_options_new(&options);
  sequantlock_options_free(options);
  return rc == SEQUANTLOCK_OK ? static_cast<int>(SEQUANTLOCK_CLEAR_CLEARED)
                              : static_cast<int>(SEQUANTLOCK_ERR_INTERNAL);
}
