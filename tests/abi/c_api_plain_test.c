/* A plain C99 program that drives the public API end to end: acquire, a
 * refusal, check, list, release and an error path. It prints one line per
 * failed check and a final "N passed, N failed" line, and exits non-zero
 * when any check failed. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sequantlock.h"

static int passed = 0;
static int failed = 0;

static void check(int condition, const char *what, int line) {
  if (condition) {
    ++passed;
  } else {
    ++failed;
    fprintf(stderr,
            "c_api_plain_test.c:%d: check failed: %s (last error %s: %s)\n",
            line, what, sequantlock_error_name(sequantlock_last_error_code()),
            sequantlock_last_error_message());
  }
}

#define CHECK(condition) check((condition) ? 1 : 0, #condition, __LINE__)

static int file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

static sequantlock_manager *make_manager(const char *dir, int64_t pid) {
  sequantlock_options *options = NULL;
  sequantlock_manager *manager = NULL;
  CHECK(sequantlock_options_new(&options) == SEQUANTLOCK_OK);
  CHECK(sequantlock_options_set_locks_dir(options, dir) == SEQUANTLOCK_OK);
  CHECK(sequantlock_options_set_orchestrator_mode(
            options, SEQUANTLOCK_ORCHESTRATOR_OFF) == SEQUANTLOCK_OK);
  CHECK(sequantlock_options_set_pid(options, pid) == SEQUANTLOCK_OK);
  CHECK(sequantlock_manager_new(&manager, options) == SEQUANTLOCK_OK);
  sequantlock_options_free(options);
  return manager;
}

static void run(const char *root) {
  char dir[4096];
  char lock_path[4200];
  sequantlock_manager *first;
  sequantlock_manager *second;
  sequantlock_acquire_result *taken = NULL;
  sequantlock_acquire_result *refused = NULL;
  sequantlock_acquire_result *bad = (sequantlock_acquire_result *)&passed;
  sequantlock_lock_info *info = NULL;
  sequantlock_lock_list *list = NULL;
  char *message = NULL;
  int reason = -1;

  snprintf(dir, sizeof dir, "%s/locks", root);
  snprintf(lock_path, sizeof lock_path, "%s/604.lock", dir);

  /* The second manager records the current process's parent, a live pid
   * distinct from the first manager's, so it is a different holder. */
  first = make_manager(dir, 0);
  second = make_manager(dir, (int64_t)getppid());
  CHECK(first != NULL);
  CHECK(second != NULL);
  if (first == NULL || second == NULL) {
    sequantlock_manager_free(first);
    sequantlock_manager_free(second);
    return;
  }
  CHECK(!file_exists(dir));

  /* Acquire a free key. */
  CHECK(sequantlock_manager_acquire(first, "604", "plain C test", 0, &taken) ==
        SEQUANTLOCK_OK);
  CHECK(sequantlock_acquire_result_acquired(taken) == 1);
  CHECK(strcmp(sequantlock_acquire_result_lock_path(taken), lock_path) == 0);
  CHECK(sequantlock_holder_pid(sequantlock_acquire_result_record(taken)) ==
        (int64_t)getpid());
  CHECK(file_exists(lock_path));

  /* A second holder is refused and learns who holds the key. */
  CHECK(sequantlock_manager_acquire(second, "604", "intruder", 0, &refused) ==
        SEQUANTLOCK_OK);
  CHECK(sequantlock_acquire_result_acquired(refused) == 0);
  CHECK(sequantlock_holder_pid(sequantlock_acquire_result_holder(refused)) ==
        (int64_t)getpid());
  CHECK(strcmp(sequantlock_holder_command(
                   sequantlock_acquire_result_holder(refused)),
               "plain C test") == 0);
  CHECK(sequantlock_format_locked_message(
            "604", sequantlock_acquire_result_holder(refused), &message) ==
        SEQUANTLOCK_OK);
  CHECK(message != NULL && strncmp(message, "Issue #604 ", 11) == 0);
  sequantlock_string_free(message);

  /* Check reads the lock without changing it. */
  CHECK(sequantlock_manager_check(second, "604", &info) == SEQUANTLOCK_OK);
  CHECK(info != NULL);
  CHECK(strcmp(sequantlock_lock_info_key(info), "604") == 0);
  CHECK(sequantlock_lock_info_stale(info) == 0);
  CHECK(sequantlock_lock_info_corrupt(info) == 0);
  sequantlock_lock_info_free(info);
  info = NULL;

  /* List shows the one lock. */
  CHECK(sequantlock_manager_list(second, &list) == SEQUANTLOCK_OK);
  CHECK(sequantlock_lock_list_count(list) == 1);
  CHECK(strcmp(sequantlock_lock_info_key(sequantlock_lock_list_at(list, 0)),
               "604") == 0);
  CHECK(sequantlock_lock_list_at(list, 1) == NULL);
  sequantlock_lock_list_free(list);

  /* Only the owner releases it, and a second release finds nothing. */
  CHECK(sequantlock_manager_release(second, "604", &reason) == SEQUANTLOCK_OK);
  CHECK(reason == SEQUANTLOCK_RELEASE_NOT_OWNER);
  CHECK(file_exists(lock_path));
  CHECK(sequantlock_manager_release(first, "604", &reason) == SEQUANTLOCK_OK);
  CHECK(reason == SEQUANTLOCK_RELEASE_RELEASED);
  CHECK(!file_exists(lock_path));
  CHECK(sequantlock_manager_release(first, "604", &reason) == SEQUANTLOCK_OK);
  CHECK(reason == SEQUANTLOCK_RELEASE_NO_LOCK);
  CHECK(sequantlock_manager_check(second, "604", &info) == SEQUANTLOCK_OK);
  CHECK(info == NULL);

  /* An invalid key is an error with a message naming it, and the output
   * parameter is cleared. */
  CHECK(sequantlock_manager_acquire(first, "../604", NULL, 0, &bad) ==
        SEQUANTLOCK_ERR_INVALID_KEY);
  CHECK(bad == NULL);
  CHECK(sequantlock_last_error_code() == SEQUANTLOCK_ERR_INVALID_KEY);
  CHECK(strstr(sequantlock_last_error_message(), "../604") != NULL);
  CHECK(strcmp(sequantlock_error_name(SEQUANTLOCK_ERR_INVALID_KEY),
               "INVALID_KEY") == 0);

  /* The next successful call clears the last error. */
  CHECK(sequantlock_key_validate("checkout") == SEQUANTLOCK_OK);
  CHECK(sequantlock_last_error_code() == SEQUANTLOCK_OK);
  CHECK(strcmp(sequantlock_last_error_message(), "") == 0);

  sequantlock_acquire_result_free(taken);
  sequantlock_acquire_result_free(refused);
  sequantlock_manager_free(first);
  sequantlock_manager_free(second);
}

int main(void) {
  char root[] = "/tmp/sequantlock-plain-XXXXXX";
  char lock_dir[64];

  if (mkdtemp(root) == NULL) {
    perror("c_api_plain_test: mkdtemp");
    return 2;
  }
  run(root);

  /* Every lock was released, so only the empty locks directory is left. */
  snprintf(lock_dir, sizeof lock_dir, "%s/locks", root);
  rmdir(lock_dir);
  if (rmdir(root) != 0) perror("c_api_plain_test: rmdir");

  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
