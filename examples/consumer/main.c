/* A minimal program built against an installed sequantlock: it takes the
 * lock for issue 604 in the directory given on the command line, shows that
 * a second manager is refused, and releases the lock.
 *
 * Usage: consumer LOCKS_DIR */
#include <stdio.h>

#include <sequantlock.h>

static int fail(const char *what) {
  fprintf(stderr, "consumer: %s failed: %s: %s\n", what,
          sequantlock_error_name(sequantlock_last_error_code()),
          sequantlock_last_error_message());
  return 1;
}

static sequantlock_manager *open_manager(const char *dir) {
  sequantlock_options *options = NULL;
  sequantlock_manager *manager = NULL;
  if (sequantlock_options_new(&options) != SEQUANTLOCK_OK) return NULL;
  if (sequantlock_options_set_locks_dir(options, dir) == SEQUANTLOCK_OK &&
      sequantlock_options_set_orchestrator_mode(
          options, SEQUANTLOCK_ORCHESTRATOR_OFF) == SEQUANTLOCK_OK) {
    sequantlock_manager_new(&manager, options);
  }
  sequantlock_options_free(options);
  return manager;
}

int main(int argc, char **argv) {
  sequantlock_manager *manager = NULL;
  sequantlock_manager *other = NULL;
  sequantlock_acquire_result *taken = NULL;
  sequantlock_acquire_result *refused = NULL;
  char *message = NULL;
  int reason = -1;
  int status = 1;

  if (argc != 2) {
    fprintf(stderr, "usage: consumer LOCKS_DIR\n");
    return 2;
  }
  if (sequantlock_version_number() != SEQUANTLOCK_VERSION_NUMBER) {
    fprintf(stderr,
            "consumer: header version %d does not match library version %s\n",
            SEQUANTLOCK_VERSION_NUMBER, sequantlock_version());
    return 1;
  }

  /* Two managers act as two sessions. The second finds the lock held by a
   * live process (this one), so its acquire returns "not acquired". */
  manager = open_manager(argv[1]);
  other = open_manager(argv[1]);
  if (manager == NULL || other == NULL) {
    status = fail("sequantlock_manager_new");
    goto done;
  }
  if (sequantlock_manager_acquire(manager, "604", "consumer example", 0,
                                  &taken) != SEQUANTLOCK_OK) {
    status = fail("sequantlock_manager_acquire");
    goto done;
  }
  if (!sequantlock_acquire_result_acquired(taken)) {
    fprintf(stderr, "consumer: issue 604 is already locked in '%s'\n",
            argv[1]);
    goto done;
  }
  if (sequantlock_manager_acquire(other, "604", "second session", 0,
                                  &refused) != SEQUANTLOCK_OK) {
    status = fail("second sequantlock_manager_acquire");
    goto done;
  }
  if (sequantlock_acquire_result_acquired(refused)) {
    fprintf(stderr, "consumer: a second manager took a held lock\n");
    goto done;
  }
  if (sequantlock_format_locked_message(
          "604", sequantlock_acquire_result_holder(refused), &message) !=
      SEQUANTLOCK_OK) {
    status = fail("sequantlock_format_locked_message");
    goto done;
  }
  if (sequantlock_manager_release(manager, "604", &reason) != SEQUANTLOCK_OK) {
    status = fail("sequantlock_manager_release");
    goto done;
  }
  if (reason != SEQUANTLOCK_RELEASE_RELEASED) {
    fprintf(stderr, "consumer: release reported '%s'\n",
            sequantlock_release_reason_name(reason));
    goto done;
  }
  printf("consumer: sequantlock %s took and released issue 604 in '%s'\n",
         sequantlock_version(), argv[1]);
  printf("consumer: a second session was told: %s\n", message);
  status = 0;

done:
  sequantlock_string_free(message);
  sequantlock_acquire_result_free(refused);
  sequantlock_acquire_result_free(taken);
  sequantlock_manager_free(other);
  sequantlock_manager_free(manager);
  return status;
}
