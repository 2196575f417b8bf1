/*
 * sequantlock.h - per-key lock files shared by cooperating processes.
 *
 * A lock for key K is the file <locks dir>/K.lock holding a JSON record of
 * its holder (pid, host name, start time, command). Two processes can never
 * hold the same key at once, and a lock whose holder has died or expired is
 * recovered by the next process that asks for it.
 *
 * Conventions
 *
 *  1. Ownership. Every object returned through an `**out` parameter belongs
 *     to the caller and is released with the matching `_free` function,
 *     which accepts NULL. Strings and objects returned by an accessor
 *     (`sequantlock_holder_command`, `sequantlock_lock_list_at`, ...) are
 *     borrowed: they live as long as the object they came from. Strings
 *     returned through `char **out` are released with
 *     sequantlock_string_free(). All strings are NUL-terminated UTF-8.
 *
 *  2. Errors. Functions that can fail return `int`: SEQUANTLOCK_OK (0) on
 *     success or a negative SEQUANTLOCK_ERR_* code. On failure every `**out`
 *     parameter is set to NULL and no lock file has been changed, unless the
 *     function's documentation says otherwise. The failure's details (code,
 *     message, OS errno, path) stay readable through
 *     sequantlock_last_error_*() on the same thread until that thread's next
 *     call into the library. A held key, a refused clear, nothing to release
 *     and a corrupt lock file are results, not errors.
 *
 *  3. Threads. A manager may be used by several threads at once. An options
 *     object may be read by several threads but must not be changed while
 *     another thread reads it. Callbacks run synchronously on the thread
 *     that made the call which needs them.
 *
 *  4. Stability. Every function and constant declared here is part of the
 *     stable ABI of the shared library's SONAME. Functions are added, never
 *     changed: a changed signature gets a new name and the old one stays.
 *     Enum values are never renumbered.
 *
 * The header needs only <stddef.h> and <stdint.h>, and compiles as C99 and
 * as C++.
 */
#ifndef SEQUANTLOCK_H
#define SEQUANTLOCK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Version
 * ---------------------------------------------------------------------- */

/* The version of this header. CMake reads these three lines to set the
 * project version, so they are the one place the version is kept. */
#define SEQUANTLOCK_VERSION_MAJOR 0
#define SEQUANTLOCK_VERSION_MINOR 1
#define SEQUANTLOCK_VERSION_PATCH 0

/** Version of the header as one number: major * 10000 + minor * 100 + patch. */
#define SEQUANTLOCK_VERSION_NUMBER                                   \
  (SEQUANTLOCK_VERSION_MAJOR * 10000 + SEQUANTLOCK_VERSION_MINOR * 100 + \
   SEQUANTLOCK_VERSION_PATCH)

/* ------------------------------------------------------------------------
 * Export macro
 * ---------------------------------------------------------------------- */

#if defined(SEQUANTLOCK_BUILDING) && defined(__GNUC__)
#define SEQUANTLOCK_API __attribute__((visibility("default")))
#else
#define SEQUANTLOCK_API
#endif

/** Returns the library's version as a string such as "0.1.0". */
SEQUANTLOCK_API const char *sequantlock_version(void);

/** Returns the library's version in the form of SEQUANTLOCK_VERSION_NUMBER. */
SEQUANTLOCK_API int sequantlock_version_number(void);

/* ------------------------------------------------------------------------
 * Defaults
 * ---------------------------------------------------------------------- */

/** Age after which a lock held on another host is stale: 2 hours. */
#define SEQUANTLOCK_DEFAULT_STALE_AGE_MS 7200000
/** Age after which a skip-PID-check lock is stale: 6 hours. */
#define SEQUANTLOCK_DEFAULT_SKILL_LOCK_TTL_MS 21600000
/** Age after which any lock is stale unless its holder is proved alive:
 * 24 hours. */
#define SEQUANTLOCK_DEFAULT_MAX_LOCK_AGE_MS 86400000
/** Age of a corrupt lock file's mtime after which it is stale: 2 seconds. */
#define SEQUANTLOCK_CORRUPT_GRACE_MS 2000
/** Largest lock record read, in bytes. A larger file is corrupt. */
#define SEQUANTLOCK_MAX_RECORD_BYTES 65536
/** The directory, relative to a repository root, that holds the locks. */
#define SEQUANTLOCK_DEFAULT_LOCKS_DIR ".sequant/locks"
/** Schema version written to the record's `schemaVersion` field. */
#define SEQUANTLOCK_SCHEMA_VERSION 1

/* ------------------------------------------------------------------------
 * Error codes
 *
 * One table feeds the enum, sequantlock_error_name() and
 * sequantlock_error_string(). Each row is X(NAME, value, "text").
 * ---------------------------------------------------------------------- */

#define SEQUANTLOCK_ERROR_TABLE(X)                                        \
  X(INVALID_ARGUMENT, -1, "invalid argument")                            \
  X(INVALID_KEY, -2, "invalid lock key")                                 \
  X(IO, -3, "I/O error")                                                 \
  X(NO_MEMORY, -4, "out of memory")                                      \
  X(CALLBACK, -5, "a callback reported failure")                         \
  X(RACE_LOST, -6, "another process took the lock at the same moment")   \
  X(UNSUPPORTED, -7, "not supported on this system")                     \
  X(TIMEOUT, -8, "timed out")                                            \
  X(INTERNAL, -9, "internal error")

#define SEQUANTLOCK_X_ERROR_ENUM(name, value, text) \
  SEQUANTLOCK_ERR_##name = value,

/** Return codes. Every failure is negative. */
typedef enum sequantlock_error {
  SEQUANTLOCK_OK = 0,
  SEQUANTLOCK_ERROR_TABLE(SEQUANTLOCK_X_ERROR_ENUM)
  SEQUANTLOCK_ERR_LAST_ = -10
} sequantlock_error;

#undef SEQUANTLOCK_X_ERROR_ENUM

/** Returns the constant's name without prefix ("IO", "INVALID_KEY", "OK"),
 * or "UNKNOWN" for a value not in the table. Never NULL. */
SEQUANTLOCK_API const char *sequantlock_error_name(int code);

/** Returns a short English description of the code. Never NULL. */
SEQUANTLOCK_API const char *sequantlock_error_string(int code);

/** Returns the code of the calling thread's last failed call, or
 * SEQUANTLOCK_OK when its last call succeeded. */
SEQUANTLOCK_API int sequantlock_last_error_code(void);

/** Returns the message of the calling thread's last failure, subject first
 * and value quoted ("cannot create lock directory '/x': Permission denied"),
 * or "" after a success. Never NULL. */
SEQUANTLOCK_API const char *sequantlock_last_error_message(void);

/** Returns the OS errno behind the last failure, or 0 when none was. */
SEQUANTLOCK_API int sequantlock_last_error_os_errno(void);

/** Returns the path the last failure concerns, or "" when none does. */
SEQUANTLOCK_API const char *sequantlock_last_error_path(void);

/** Releases a string returned through a `char **out` parameter. */
SEQUANTLOCK_API void sequantlock_string_free(char *string);

/* ------------------------------------------------------------------------
 * Logging
 * ---------------------------------------------------------------------- */

/** Log levels passed to the log callback. */
typedef enum sequantlock_log_level {
  SEQUANTLOCK_LOG_DEBUG = 10,
  SEQUANTLOCK_LOG_INFO = 20,
  SEQUANTLOCK_LOG_WARNING = 30
} sequantlock_log_level;

/** Receives one log message: a decision the library made, such as
 * "cleared stale lock 604: pid-dead". `message` is valid only during the
 * call. The callback may run on any thread that calls the library, and must
 * not call back into the library. */
typedef void (*sequantlock_log_fn)(void *user_data, int level,
                                   const char *message);

/** Installs the process-wide log callback, or removes it when `callback` is
 * NULL (the default, in which case nothing is logged). Not synchronised with
 * calls in flight on other threads: install it before using the library. */
SEQUANTLOCK_API void sequantlock_set_log_callback(sequantlock_log_fn callback,
                                                  void *user_data);

/* ------------------------------------------------------------------------
 * Reasons
 *
 * Each table is X(NAME, value, "name"), where "name" is the string used in
 * JSON output and by the bindings.
 * ---------------------------------------------------------------------- */

/** Why a lock is stale. */
#define SEQUANTLOCK_STALE_REASON_TABLE(X)                 \
  X(NONE, 0, "")                                          \
  X(PID_DEAD, 1, "pid-dead")                              \
  X(AGE_EXCEEDED, 2, "age-exceeded")                      \
  X(MAX_AGE_EXCEEDED, 3, "max-age-exceeded")              \
  X(CORRUPT, 4, "corrupt")                                \
  X(PID_REUSED, 5, "pid-reused")                          \
  X(HOST_REBOOTED, 6, "host-rebooted")

/** The outcome of sequantlock_manager_signal_other(). */
#define SEQUANTLOCK_SIGNAL_REASON_TABLE(X)                \
  X(SENT, 0, "sent")                                      \
  X(ORCHESTRATOR, 1, "orchestrator")                      \
  X(CROSS_HOST, 2, "cross-host")                          \
  X(SELF_OR_PARENT, 3, "self-or-parent")                  \
  X(PID_DEAD, 4, "pid-dead")                              \
  X(STALE_PID_UNTRUSTED, 5, "stale-pid-untrusted")        \
  X(KILL_FAILED, 6, "kill-failed")                        \
  X(SKIP_PID_CHECK, 7, "skip-pid-check")                  \
  X(INVALID_PID, 8, "invalid-pid")                        \
  X(OTHER_NAMESPACE, 9, "other-namespace")                \
  X(PID_REUSED, 10, "pid-reused")

/** The outcome of sequantlock_manager_clear(). */
#define SEQUANTLOCK_CLEAR_REASON_TABLE(X)                 \
  X(CLEARED, 0, "cleared")                                \
  X(NO_LOCK, 1, "no-lock")                                \
  X(FRESH, 2, "fresh-same-host-alive")                    \
  X(ORCHESTRATOR, 3, "orchestrator-mode")

/** The outcome of the release functions. */
#define SEQUANTLOCK_RELEASE_REASON_TABLE(X)               \
  X(RELEASED, 0, "released")                              \
  X(NO_LOCK, 1, "no-lock")                                \
  X(NOT_OWNER, 2, "not-owner")                            \
  X(CROSS_HOST, 3, "cross-host")                          \
  X(TOKEN_MISMATCH, 4, "token-mismatch")                  \
  X(CORRUPT, 5, "corrupt")                                \
  X(ORCHESTRATOR, 6, "orchestrator-mode")

#define SEQUANTLOCK_X_STALE_ENUM(name, value, text) \
  SEQUANTLOCK_STALE_##name = value,
#define SEQUANTLOCK_X_SIGNAL_ENUM(name, value, text) \
  SEQUANTLOCK_SIGNAL_##name = value,
#define SEQUANTLOCK_X_CLEAR_ENUM(name, value, text) \
  SEQUANTLOCK_CLEAR_##name = value,
#define SEQUANTLOCK_X_RELEASE_ENUM(name, value, text) \
  SEQUANTLOCK_RELEASE_##name = value,

typedef enum sequantlock_stale_reason {
  SEQUANTLOCK_STALE_REASON_TABLE(SEQUANTLOCK_X_STALE_ENUM)
  SEQUANTLOCK_STALE_LAST_
} sequantlock_stale_reason;

typedef enum sequantlock_signal_reason {
  SEQUANTLOCK_SIGNAL_REASON_TABLE(SEQUANTLOCK_X_SIGNAL_ENUM)
  SEQUANTLOCK_SIGNAL_LAST_
} sequantlock_signal_reason;

typedef enum sequantlock_clear_reason {
  SEQUANTLOCK_CLEAR_REASON_TABLE(SEQUANTLOCK_X_CLEAR_ENUM)
  SEQUANTLOCK_CLEAR_LAST_
} sequantlock_clear_reason;

typedef enum sequantlock_release_reason {
  SEQUANTLOCK_RELEASE_REASON_TABLE(SEQUANTLOCK_X_RELEASE_ENUM)
  SEQUANTLOCK_RELEASE_LAST_
} sequantlock_release_reason;

#undef SEQUANTLOCK_X_STALE_ENUM
#undef SEQUANTLOCK_X_SIGNAL_ENUM
#undef SEQUANTLOCK_X_CLEAR_ENUM
#undef SEQUANTLOCK_X_RELEASE_ENUM

/** Returns the reason's name ("pid-dead"; "" for SEQUANTLOCK_STALE_NONE), or
 * "unknown" for a value not in the table. Never NULL. */
SEQUANTLOCK_API const char *sequantlock_stale_reason_name(int reason);
/** Returns the reason's name ("sent", "cross-host", ...). Never NULL. */
SEQUANTLOCK_API const char *sequantlock_signal_reason_name(int reason);
/** Returns the reason's name ("cleared", "no-lock", ...). Never NULL. */
SEQUANTLOCK_API const char *sequantlock_clear_reason_name(int reason);
/** Returns the reason's name ("released", "not-owner", ...). Never NULL. */
SEQUANTLOCK_API const char *sequantlock_release_reason_name(int reason);

/* ------------------------------------------------------------------------
 * Keys, directories and messages
 * ---------------------------------------------------------------------- */

/** Checks a key. An issue key is a positive decimal integer without sign,
 * spaces or leading zeros ("604"). A named key matches
 * [A-Za-z0-9][A-Za-z0-9._-]{0,127} and does not end in ".lock".
 *
 * Returns SEQUANTLOCK_OK, SEQUANTLOCK_ERR_INVALID_KEY with a message naming
 * the key, or SEQUANTLOCK_ERR_INVALID_ARGUMENT when `key` is NULL. */
SEQUANTLOCK_API int sequantlock_key_validate(const char *key);

/** Returns 1 when `key` is a valid issue key (a positive decimal integer),
 * otherwise 0. Sets no error. */
SEQUANTLOCK_API int sequantlock_key_is_issue(const char *key);

/** Resolves the locks directory as a manager without an explicit directory
 * would: `explicit_dir` when not NULL or empty, else SEQUANT_LOCKS_DIR when
 * set and not empty, else `.sequant/locks` under the root shared by every
 * worktree of the git repository enclosing the current directory, else
 * `.sequant/locks` under the current directory. The result is absolute and
 * normalised. git is never spawned, and nothing is created.
 *
 * Errors: SEQUANTLOCK_ERR_IO when the current directory cannot be read. */
SEQUANTLOCK_API int sequantlock_resolve_locks_dir(const char *explicit_dir,
                                                  char **out);

/** Returns 1 when SEQUANT_ORCHESTRATOR is set to a non-empty value, else 0. */
SEQUANTLOCK_API int sequantlock_orchestrator_mode_from_env(void);

/** Probes a process with kill(pid, 0): returns 1 when it exists (EPERM
 * counts as existing), 0 when it does not or when `pid` is not a positive
 * process id. */
SEQUANTLOCK_API int sequantlock_default_is_pid_alive(int64_t pid);

/* ------------------------------------------------------------------------
 * Holder: the record in a lock file
 * ---------------------------------------------------------------------- */

/** A lock record: who holds a key. Immutable once made. */
typedef struct sequantlock_holder sequantlock_holder;

/** The holder's process id. */
SEQUANTLOCK_API int64_t sequantlock_holder_pid(const sequantlock_holder *h);
/** The holder's host name. */
SEQUANTLOCK_API const char *sequantlock_holder_hostname(
    const sequantlock_holder *h);
/** When the lock was taken, as recorded (normally ISO-8601 UTC with
 * milliseconds, "2026-05-10T14:32:00.000Z"; other forms are kept as read). */
SEQUANTLOCK_API const char *sequantlock_holder_started_at(
    const sequantlock_holder *h);
/** What the holder is running, for people to read. */
SEQUANTLOCK_API const char *sequantlock_holder_command(
    const sequantlock_holder *h);
/** 1 when the holder cannot vouch for its PID (a shell that exits right
 * after acquiring), else 0. */
SEQUANTLOCK_API int sequantlock_holder_skip_pid_check(
    const sequantlock_holder *h);
/** The random owner token, or "" when the record has none (records written
 * by the TypeScript original). */
SEQUANTLOCK_API const char *sequantlock_holder_token(
    const sequantlock_holder *h);
/** The holder process's start time as the kernel counts it (on Linux, clock
 * ticks since boot), or -1 when not recorded. */
SEQUANTLOCK_API int64_t sequantlock_holder_process_start_time(
    const sequantlock_holder *h);
/** The boot id of the holder's kernel, or "" when not recorded. */
SEQUANTLOCK_API const char *sequantlock_holder_boot_id(
    const sequantlock_holder *h);
/** The machine id of the holder's machine, or "" when not recorded. */
SEQUANTLOCK_API const char *sequantlock_holder_machine_id(
    const sequantlock_holder *h);
/** The inode number of the holder's PID namespace, or 0 when not recorded. */
SEQUANTLOCK_API uint64_t sequantlock_holder_pid_namespace(
    const sequantlock_holder *h);
/** The record's schema version, or 0 for records without one. */
SEQUANTLOCK_API int sequantlock_holder_schema_version(
    const sequantlock_holder *h);

/** Flags for sequantlock_holder_to_json(). */
enum {
  /** One line without spaces, instead of the file's 2-space indentation. */
  SEQUANTLOCK_JSON_COMPACT = 1u << 0,
  /** Only the five fields the TypeScript original knows. */
  SEQUANTLOCK_JSON_ORIGINAL_FIELDS = 1u << 1
};

/** Serialises a holder as JSON, fields in record order. Without flags the
 * result is byte for byte what a lock file holds: `pid`, `hostname`,
 * `startedAt`, `command`, `skipPidCheck` (only when true), then the
 * identity fields when set: `token`, `processStartTime`, `bootId`,
 * `machineId`, `pidNamespace`, `schemaVersion`.
 *
 * Errors: SEQUANTLOCK_ERR_INVALID_ARGUMENT, SEQUANTLOCK_ERR_NO_MEMORY. */
SEQUANTLOCK_API int sequantlock_holder_to_json(const sequantlock_holder *h,
                                               unsigned flags, char **out);

/** Parses a record with the rules used for lock files, so a binding can pass
 * a holder it received from its caller (to signal_other or classify).
 *
 * Errors: SEQUANTLOCK_ERR_INVALID_ARGUMENT when the text is not a valid
 * record, with a message naming the field. */
SEQUANTLOCK_API int sequantlock_holder_parse(sequantlock_holder **out,
                                             const char *json, size_t length);

/** Copies a holder, for keeping it past the life of its result. */
SEQUANTLOCK_API int sequantlock_holder_copy(sequantlock_holder **out,
                                            const sequantlock_holder *h);

/** Frees a holder made by sequantlock_holder_parse() or _copy(). Holders
 * borrowed from a result must not be passed here. */
SEQUANTLOCK_API void sequantlock_holder_free(sequantlock_holder *h);

/** Formats the canonical refusal for `key` held by `h`:
 * "Issue #604 is being worked on by PID 12345 since 2026-05-10T14:32:00.000Z
 * (npx sequant fullsolve 604). Use --force to take over, or wait for the
 * other session." A named key reads "Lock 'checkout' is being worked on by
 * ...". Control characters in the holder's fields are replaced so the
 * message stays on one line. A NULL holder (a corrupt lock file) is
 * described as an unreadable lock. */
SEQUANTLOCK_API int sequantlock_format_locked_message(
    const char *key, const sequantlock_holder *h, char **out);

/* ------------------------------------------------------------------------
 * Options
 * ---------------------------------------------------------------------- */

/** Settings for a manager. Unset values take their defaults. */
typedef struct sequantlock_options sequantlock_options;

/** Reports whether process `pid` is alive by setting `*alive` to 1 or 0.
 * Returns 0 on success. Any other return value aborts the library call that
 * needed the answer with SEQUANTLOCK_ERR_CALLBACK before any file is
 * changed, so a binding can re-raise its own exception. */
typedef int (*sequantlock_pid_alive_fn)(void *user_data, int64_t pid,
                                        int *alive);

/** Stores the current time, in milliseconds since the Unix epoch, in
 * `*now_ms`. Returns 0 on success; any other value aborts the call as for
 * sequantlock_pid_alive_fn. */
typedef int (*sequantlock_clock_fn)(void *user_data, int64_t *now_ms);

/** Values for sequantlock_options_set_orchestrator_mode(). */
enum {
  /** Decide from SEQUANT_ORCHESTRATOR when the manager is made (default). */
  SEQUANTLOCK_ORCHESTRATOR_FROM_ENV = -1,
  SEQUANTLOCK_ORCHESTRATOR_OFF = 0,
  SEQUANTLOCK_ORCHESTRATOR_ON = 1
};

SEQUANTLOCK_API int sequantlock_options_new(sequantlock_options **out);
SEQUANTLOCK_API void sequantlock_options_free(sequantlock_options *options);

/** Sets the locks directory. A relative path is resolved against the current
 * directory when the manager is made. NULL or "" restores resolution from
 * the environment and the git repository. */
SEQUANTLOCK_API int sequantlock_options_set_locks_dir(
    sequantlock_options *options, const char *dir);

/** Sets the age in milliseconds after which a lock taken on another host is
 * stale. Must be positive. Default SEQUANTLOCK_DEFAULT_STALE_AGE_MS. */
SEQUANTLOCK_API int sequantlock_options_set_stale_age_ms(
    sequantlock_options *options, int64_t ms);

/** Sets the age in milliseconds after which a skip-PID-check lock is stale.
 * Must be positive. Default: SEQUANT_SKILL_LOCK_TTL_MS when it holds a
 * positive integer, else SEQUANTLOCK_DEFAULT_SKILL_LOCK_TTL_MS. */
SEQUANTLOCK_API int sequantlock_options_set_skill_lock_ttl_ms(
    sequantlock_options *options, int64_t ms);

/** Sets the age in milliseconds after which any lock is stale unless its
 * holder is proved alive. Must be positive. Default:
 * SEQUANT_MAX_LOCK_AGE_MS when it holds a positive integer, else
 * SEQUANTLOCK_DEFAULT_MAX_LOCK_AGE_MS. */
SEQUANTLOCK_API int sequantlock_options_set_max_lock_age_ms(
    sequantlock_options *options, int64_t ms);

/** Sets orchestrator mode: one of SEQUANTLOCK_ORCHESTRATOR_*. In
 * orchestrator mode every operation is a no-op that touches no file. */
SEQUANTLOCK_API int sequantlock_options_set_orchestrator_mode(
    sequantlock_options *options, int mode);

/** Sets the host name recorded and compared (test seam). NULL restores the
 * real host name. */
SEQUANTLOCK_API int sequantlock_options_set_hostname(
    sequantlock_options *options, const char *hostname);

/** Sets the process id recorded as the holder, for example the calling
 * shell's, instead of this process's. Must be positive; 0 restores
 * getpid(). */
SEQUANTLOCK_API int sequantlock_options_set_pid(sequantlock_options *options,
                                                int64_t pid);

/** Replaces the PID liveness probe (test seam). With a callback set, its
 * answer is final: no process start time is compared. NULL restores the
 * default probe. */
SEQUANTLOCK_API int sequantlock_options_set_pid_alive_callback(
    sequantlock_options *options, sequantlock_pid_alive_fn callback,
    void *user_data);

/** Replaces the clock (test seam). NULL restores the system clock. */
SEQUANTLOCK_API int sequantlock_options_set_clock_callback(
    sequantlock_options *options, sequantlock_clock_fn callback,
    void *user_data);

/** Sets the boot id recorded and compared (test seam). NULL restores the
 * kernel's boot id. */
SEQUANTLOCK_API int sequantlock_options_set_boot_id(
    sequantlock_options *options, const char *boot_id);

/** Sets the machine id recorded and compared (test seam). NULL restores the
 * system's machine id. */
SEQUANTLOCK_API int sequantlock_options_set_machine_id(
    sequantlock_options *options, const char *machine_id);

/* ------------------------------------------------------------------------
 * Results
 * ---------------------------------------------------------------------- */

/** The outcome of an acquire. */
typedef struct sequantlock_acquire_result sequantlock_acquire_result;

/** 1 when this call took the lock, 0 when the key is held. */
SEQUANTLOCK_API int sequantlock_acquire_result_acquired(
    const sequantlock_acquire_result *r);
/** The lock file's absolute path; "" in orchestrator mode. */
SEQUANTLOCK_API const char *sequantlock_acquire_result_lock_path(
    const sequantlock_acquire_result *r);
/** The holder that kept the lock when not acquired; NULL when acquired or
 * when the key is occupied by a corrupt file still inside its grace time. */
SEQUANTLOCK_API const sequantlock_holder *sequantlock_acquire_result_holder(
    const sequantlock_acquire_result *r);
/** 1 when not acquired because a corrupt lock file occupies the key. */
SEQUANTLOCK_API int sequantlock_acquire_result_corrupt(
    const sequantlock_acquire_result *r);
/** The record this call wrote when acquired, else NULL. */
SEQUANTLOCK_API const sequantlock_holder *sequantlock_acquire_result_record(
    const sequantlock_acquire_result *r);
/** The owner token of the record written, or "" when not acquired. */
SEQUANTLOCK_API const char *sequantlock_acquire_result_token(
    const sequantlock_acquire_result *r);
/** 1 when a previous lock was removed to take this one: a stale lock, or
 * any lock under force. */
SEQUANTLOCK_API int sequantlock_acquire_result_replaced(
    const sequantlock_acquire_result *r);
/** The removed lock's holder; NULL when none was removed or it was corrupt. */
SEQUANTLOCK_API const sequantlock_holder *sequantlock_acquire_result_previous(
    const sequantlock_acquire_result *r);
/** Why the removed lock was stale: a sequantlock_stale_reason, NONE when
 * nothing was removed or a fresh lock was forced away. */
SEQUANTLOCK_API int sequantlock_acquire_result_stale_reason(
    const sequantlock_acquire_result *r);
/** How long sequantlock_manager_acquire_wait() waited, in milliseconds; 0
 * for the other acquire functions. */
SEQUANTLOCK_API int64_t sequantlock_acquire_result_waited_ms(
    const sequantlock_acquire_result *r);
/** 1 when the result came from a force acquire. */
SEQUANTLOCK_API int sequantlock_acquire_result_forced(
    const sequantlock_acquire_result *r);
SEQUANTLOCK_API void sequantlock_acquire_result_free(
    sequantlock_acquire_result *r);

/** One lock file as seen by check or list. */
typedef struct sequantlock_lock_info sequantlock_lock_info;

/** The key ("604", "checkout"). */
SEQUANTLOCK_API const char *sequantlock_lock_info_key(
    const sequantlock_lock_info *i);
/** The lock file's absolute path. */
SEQUANTLOCK_API const char *sequantlock_lock_info_lock_path(
    const sequantlock_lock_info *i);
/** The holder, or NULL when the file is corrupt. */
SEQUANTLOCK_API const sequantlock_holder *sequantlock_lock_info_holder(
    const sequantlock_lock_info *i);
/** 1 when the file cannot be read as a lock record. */
SEQUANTLOCK_API int sequantlock_lock_info_corrupt(
    const sequantlock_lock_info *i);
/** The lock's age in milliseconds: from `startedAt`, or from the file's
 * mtime when `startedAt` is not a date or is more than 5 minutes ahead. */
SEQUANTLOCK_API int64_t sequantlock_lock_info_age_ms(
    const sequantlock_lock_info *i);
/** 1 when the next acquire would remove this lock. */
SEQUANTLOCK_API int sequantlock_lock_info_stale(const sequantlock_lock_info *i);
/** Why it is stale: a sequantlock_stale_reason. */
SEQUANTLOCK_API int sequantlock_lock_info_stale_reason(
    const sequantlock_lock_info *i);
SEQUANTLOCK_API void sequantlock_lock_info_free(sequantlock_lock_info *i);

/** Every lock in a directory, sorted by key: issue numbers in numeric order,
 * then named keys in byte order. */
typedef struct sequantlock_lock_list sequantlock_lock_list;

SEQUANTLOCK_API size_t sequantlock_lock_list_count(
    const sequantlock_lock_list *list);
/** The entry at `index`, or NULL when `index` is out of range. */
SEQUANTLOCK_API const sequantlock_lock_info *sequantlock_lock_list_at(
    const sequantlock_lock_list *list, size_t index);
SEQUANTLOCK_API void sequantlock_lock_list_free(sequantlock_lock_list *list);

/** The outcome of a clear. */
typedef struct sequantlock_clear_result sequantlock_clear_result;

/** 1 when the lock file was removed. */
SEQUANTLOCK_API int sequantlock_clear_result_cleared(
    const sequantlock_clear_result *r);
/** A sequantlock_clear_reason. */
SEQUANTLOCK_API int sequantlock_clear_result_reason(
    const sequantlock_clear_result *r);
/** The lock that was found (cleared or refused), or NULL when none was. */
SEQUANTLOCK_API const sequantlock_lock_info *sequantlock_clear_result_info(
    const sequantlock_clear_result *r);
SEQUANTLOCK_API void sequantlock_clear_result_free(sequantlock_clear_result *r);

/* ------------------------------------------------------------------------
 * Manager
 * ---------------------------------------------------------------------- */

/** Takes and releases locks in one directory, and remembers which locks it
 * took so that it can release them. */
typedef struct sequantlock_manager sequantlock_manager;

/** Makes a manager. `options` may be NULL for all defaults; it is copied, so
 * it may be freed afterwards. The locks directory is resolved now and is not
 * created until the first lock is written.
 *
 * Errors: SEQUANTLOCK_ERR_IO when the current directory cannot be read. */
SEQUANTLOCK_API int sequantlock_manager_new(sequantlock_manager **out,
                                            const sequantlock_options *options);

/** Frees a manager. Locks it holds stay on disk: call
 * sequantlock_manager_release_all() first to drop them. */
SEQUANTLOCK_API void sequantlock_manager_free(sequantlock_manager *manager);

/** The absolute locks directory. */
SEQUANTLOCK_API const char *sequantlock_manager_locks_dir(
    const sequantlock_manager *manager);

/** 1 in orchestrator mode, where every operation is a no-op. */
SEQUANTLOCK_API int sequantlock_manager_is_noop(
    const sequantlock_manager *manager);

/** The lock file path of `key`.
 *
 * Errors: SEQUANTLOCK_ERR_INVALID_KEY. */
SEQUANTLOCK_API int sequantlock_manager_lock_path(
    const sequantlock_manager *manager, const char *key, char **out);

/** Flags for acquire. */
enum {
  /** The holder cannot vouch for its PID: staleness is judged by age alone
   * (SEQUANTLOCK_DEFAULT_SKILL_LOCK_TTL_MS), and release_external() from any
   * process on this host may remove the lock. */
  SEQUANTLOCK_ACQUIRE_SKIP_PID_CHECK = 1u << 0
};

/** Takes the lock for `key`. When a stale lock is in the way it is removed
 * and the result says which and why; when a fresh one is, nothing changes
 * and the result carries its holder. Of any number of racing callers in any
 * number of processes exactly one acquires. `command` may be NULL for
 * "unknown". Locks are not re-entrant: a second acquire of a key this
 * process holds is refused with this process as the holder.
 *
 * Errors: SEQUANTLOCK_ERR_INVALID_KEY, SEQUANTLOCK_ERR_IO (the directory
 * cannot be created or written, or a stale lock cannot be removed),
 * SEQUANTLOCK_ERR_CALLBACK. */
SEQUANTLOCK_API int sequantlock_manager_acquire(
    sequantlock_manager *manager, const char *key, const char *command,
    unsigned flags, sequantlock_acquire_result **out);

/** Takes the lock for `key` like sequantlock_manager_acquire(), waiting up
 * to `timeout_ms` milliseconds (forever when negative, not at all when 0)
 * while it is held. The wait is woken by events, not by polling: the lock
 * file's removal (inotify) and, for a holder on this host, the holder's
 * exit (pidfd). It re-checks every second so that a lock that expires by
 * age is noticed, and polls every 50 ms on network filesystems, whose
 * remote changes raise no local events. When the time runs out the result
 * is a refusal carrying the holder, as from acquire; a timeout is not an
 * error. sequantlock_acquire_result_waited_ms() reports the time waited.
 * The calling thread blocks: bindings call this off their main thread.
 *
 * Errors: as for acquire. */
SEQUANTLOCK_API int sequantlock_manager_acquire_wait(
    sequantlock_manager *manager, const char *key, const char *command,
    unsigned flags, int64_t timeout_ms, sequantlock_acquire_result **out);

/** Takes the lock for `key` whatever holds it, and reports the previous
 * holder. Never signals anyone.
 *
 * Errors: as for acquire, and SEQUANTLOCK_ERR_RACE_LOST when other
 * processes kept taking the key faster than this call could replace it. */
SEQUANTLOCK_API int sequantlock_manager_force_acquire(
    sequantlock_manager *manager, const char *key, const char *command,
    unsigned flags, sequantlock_acquire_result **out);

/** Sends `signal` (normally SIGTERM) to a previous holder, only when it is on
 * this host and in this PID namespace, alive, not this process or its
 * parent, not a skip-PID-check holder, and provably the process that took
 * the lock. Stores a sequantlock_signal_reason in `*reason`. */
SEQUANTLOCK_API int sequantlock_manager_signal_other(
    sequantlock_manager *manager, const sequantlock_holder *holder,
    int signal, int *reason);

/** Removes the lock for `key` when this manager took it and still holds it,
 * or when it was written without a token by this pid on this host.
 * Idempotent. Stores a sequantlock_release_reason in `*reason` when `reason`
 * is not NULL. */
SEQUANTLOCK_API int sequantlock_manager_release(sequantlock_manager *manager,
                                                const char *key, int *reason);

/** Removes the lock for `key` only when its owner token is `token`. */
SEQUANTLOCK_API int sequantlock_manager_release_token(
    sequantlock_manager *manager, const char *key, const char *token,
    int *reason);

/** Removes a lock held on this host when it is a skip-PID-check lock or its
 * pid is this manager's pid: the release used by shells that acquired with
 * SEQUANTLOCK_ACQUIRE_SKIP_PID_CHECK and have since exited. */
SEQUANTLOCK_API int sequantlock_manager_release_external(
    sequantlock_manager *manager, const char *key, int *reason);

/** Releases every lock this manager took and still holds. Stores how many
 * files were removed in `*released` when it is not NULL. Carries on past a
 * failure and returns the first error. */
SEQUANTLOCK_API int sequantlock_manager_release_all(
    sequantlock_manager *manager, size_t *released);

/** Reads the lock for `key` without changing anything. Sets `*out` to NULL
 * when there is no lock file. */
SEQUANTLOCK_API int sequantlock_manager_check(sequantlock_manager *manager,
                                              const char *key,
                                              sequantlock_lock_info **out);

/** Reads the lock file of `key` as it is, without judging it: neither the
 * clock nor the PID probe is used. Sets `*out` to NULL when there is no
 * lock file; the info's staleness accessors then report fresh, and its age
 * is 0. */
SEQUANTLOCK_API int sequantlock_manager_read(sequantlock_manager *manager,
                                             const char *key,
                                             sequantlock_lock_info **out);

/** Lists every lock in the directory. A missing directory gives an empty
 * list. Files that are not locks are skipped.
 *
 * Errors: SEQUANTLOCK_ERR_IO when the directory cannot be read or is not a
 * directory. */
SEQUANTLOCK_API int sequantlock_manager_list(sequantlock_manager *manager,
                                             sequantlock_lock_list **out);

/** Removes the lock for `key`. Without `force` a fresh lock is refused. */
SEQUANTLOCK_API int sequantlock_manager_clear(sequantlock_manager *manager,
                                              const char *key, int force,
                                              sequantlock_clear_result **out);

/** Decides whether `holder` would be stale with this manager's rules, and
 * stores a sequantlock_stale_reason in `*reason`. With no file to read, an
 * unknown age (a `startedAt` that is not a date) is never stale by age. */
SEQUANTLOCK_API int sequantlock_manager_classify(
    sequantlock_manager *manager, const sequantlock_holder *holder,
    int *reason);

#ifdef __cplusplus
}
#endif

#endif /* SEQUANTLOCK_H */
