/* Compiles sequantlock.h alone as strict C99: it must include everything it
 * uses and stay within the language. */
#include "sequantlock.h"

/* Uses a few declarations so that they are type-checked, not only parsed. */
int header_c99_uses_api(void);

int header_c99_uses_api(void) {
  sequantlock_options *options = NULL;
  int rc = sequantlock_options_new(&options);
  sequantlock_options_free(options);
  return rc == SEQUANTLOCK_OK ? SEQUANTLOCK_STALE_NONE
                              : SEQUANTLOCK_ERR_INVALID_ARGUMENT;
}
