#include "file_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <system_error>
#include <thread>

#include "fault_injection.h"
#include "key.h"
#include "process_identity.h"

namespace sequantlock {
namespace {

constexpr int kReadFlags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
constexpr int kReadWriteFlags = O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
constexpr int kMaxRemovalAttempts = 64;
// How long a removal waits for another process's guard before giving up.
// Guards are held for a read, a decision and an unlink, so only a stopped
// or badly stalled process holds one this long.
constexpr std::chrono::seconds kGuardTimeout{10};
constexpr int64_t kTemporaryMaxAgeMs = 10 * 60 * 1000;
constexpr const char* kTemporaryPrefix = ".sequantlock-";
constexpr const char* kTemporarySuffix = ".tmp";

class FileHandle : public LockHandle {
 public:
  FileHandle(int fd, dev_t dev, ino_t ino) : fd_(fd), dev_(dev), ino_(ino) {}
  ~FileHandle() override { close(fd_); }

  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;

  int fd() const { return fd_; }
  bool Names(const struct stat& st) const {
    return st.st_dev == dev_ && st.st_ino == ino_;
  }

 private:
  int fd_;
  dev_t dev_;
  ino_t ino_;
};

// Closes a descriptor when it goes out of scope.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) close(fd_);
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;

  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  // Takes ownership of `fd`, closing the descriptor held before.
  void reset(int fd) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

int64_t MtimeMs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 +
         st.st_mtim.tv_nsec / 1000000;
}

int64_t WallClockMs() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

bool SameFile(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// Entries that open() refuses with O_NOFOLLOW | O_NONBLOCK: symlinks
// (ELOOP), sockets (ENXIO) and the like.
bool IsUnopenableErrno(int err) {
  return err == ELOOP || err == ENXIO || err == EOPNOTSUPP || err == ENODEV;
}

// Errors from linking that mean the filesystem cannot do it at all.
bool IsLinkUnsupportedErrno(int err) {
  return err == EPERM || err == EOPNOTSUPP || err == EXDEV || err == EMLINK ||
         err == ENOSYS || err == EINVAL;
}

Status WriteAll(int fd, const std::string& content, const std::string& path) {
  size_t written = 0;
  while (written < content.size()) {
    const ssize_t n =
        SEQUANTLOCK_FAULT(kWrite)
            ? -1
            : write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Io("cannot write lock file", path, errno);
    if (n == 0) return Status::Io("cannot write lock file", path, EIO);
    written += static_cast<size_t>(n);
  }
  return Status();
}

// Takes the exclusive guard on `fd`, waiting with growing pauses instead of
// blocking in the kernel so that a stalled holder yields a timeout.
Status TakeGuard(int fd, const std::string& path) {
  const auto deadline = std::chrono::steady_clock::now() + kGuardTimeout;
  auto pause = std::chrono::microseconds(50);
  for (;;) {
    const int rc =
        SEQUANTLOCK_FAULT(kFlock) ? -1 : flock(fd, LOCK_EX | LOCK_NB);
    if (rc == 0) return Status();
    if (errno == EINTR) continue;
    if (errno != EWOULDBLOCK) {
      return Status::Io("cannot lock lock file", path, errno);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::Error(ErrorCode::kTimeout,
                           "timed out waiting for another process to finish "
                           "with lock file '" +
                               path + "'");
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(20000));
  }
}

// Reads the open lock file `fd` described by `st`.
StoredLock ReadOpenFile(int fd, const struct stat& st, const std::string& key,
                        const std::string& path, Status* status) {
  StoredLock lock;
  lock.key = key;
  lock.path = path;
  lock.mtime_ms = MtimeMs(st);
  lock.kind = StoredLock::Kind::kCorrupt;
  if (!S_ISREG(st.st_mode) ||
      st.st_size > static_cast<off_t>(kMaxRecordBytes)) {
    return lock;
  }
  // One byte more than the limit tells an oversized file from a full one,
  // and the file may still be growing under a writer that writes late.
  std::string content(static_cast<size_t>(st.st_size) + 1, '\0');
  size_t filled = 0;
  while (filled < content.size()) {
    const ssize_t n =
        SEQUANTLOCK_FAULT(kPread)
            ? -1
            : pread(fd, &content[filled], content.size() - filled,
                    static_cast<off_t>(filled));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *status = Status::Io("cannot read lock file", path, errno);
      return lock;
    }
    if (n == 0) break;
    const size_t requested = content.size() - filled;
    filled += static_cast<size_t>(n);
    // A short read of a regular file ends at its end of file, so a file no
    // larger than its fstat size costs one pread.
    if (static_cast<size_t>(n) < requested) break;
    if (filled == content.size() && content.size() <= kMaxRecordBytes) {
      content.resize(std::min(content.size() * 2, kMaxRecordBytes + 1));
    }
  }
  content.resize(filled);
  StatusOr<Record> record = ParseRecord(content);
  if (record.ok()) {
    lock.kind = StoredLock::Kind::kRecord;
    lock.record = std::move(*record);
  }
  return lock;
}

StoredLock UnopenableLock(const struct stat& st, const std::string& key,
                          const std::string& path) {
  StoredLock lock;
  lock.kind = StoredLock::Kind::kCorrupt;
  lock.key = key;
  lock.path = path;
  lock.mtime_ms = MtimeMs(st);
  return lock;
}

std::string TemporaryPath(const std::string& dir) {
  char name[128];
  std::snprintf(name, sizeof name, "%s%ld-%ld-%s%s", kTemporaryPrefix,
                static_cast<long>(getpid()),
#if defined(SYS_gettid)
                static_cast<long>(syscall(SYS_gettid)),
#else
                0L,
#endif
                NewToken().substr(0, 12).c_str(), kTemporarySuffix);
  return dir + "/" + name;
}

int RenameNoReplace(const char* from, const char* to) {
#if defined(SYS_renameat2)
  return static_cast<int>(
      syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, 1 /* NOREPLACE */));
#else
  errno = ENOSYS;
  return -1;
#endif
}

StatusOr<std::unique_ptr<LockHandle>> MakeHandle(ScopedFd* fd,
                                                 const std::string& path) {
  struct stat st;
  if (SEQUANTLOCK_FAULT(kHandleFstat) || fstat(fd->get(), &st) != 0) {
    return Status::Io("cannot inspect lock file", path, errno);
  }
  return std::unique_ptr<LockHandle>(
      new FileHandle(fd->release(), st.st_dev, st.st_ino));
}

}  // namespace

FileStore::FileStore(std::string dir, FileStoreOptions options)
    : dir_(std::move(dir)), options_(options) {
  tmpfile_usable_ = options_.use_tmpfile;
}

std::string FileStore::PathFor(const std::string& key) const {
  return dir_ + "/" + key + std::string(kLockSuffix);
}

bool FileStore::IsTemporaryName(const std::string& name) {
  const std::string prefix = kTemporaryPrefix;
  const std::string suffix = kTemporarySuffix;
  return name.size() > prefix.size() + suffix.size() &&
         name.compare(0, prefix.size(), prefix) == 0 &&
         name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Status FileStore::EnsureDirectory() {
  if (SEQUANTLOCK_FAULT(kMkdir)) {
    return Status::Io("cannot create lock directory", dir_, errno);
  }
  std::error_code error;
  std::filesystem::create_directories(dir_, error);
  if (error) {
    return Status::Io("cannot create lock directory", dir_, error.value());
  }
  return Status();
}

StatusOr<PublishOutcome> FileStore::Publish(const std::string& key,
                                            const std::string& content,
                                            bool want_handle) {
  const std::string path = PathFor(key);
  if (tmpfile_usable_.load(std::memory_order_relaxed)) {
    bool unsupported = false;
    StatusOr<PublishOutcome> outcome =
        PublishWithTmpfile(path, content, want_handle, &unsupported);
    if (!unsupported) return outcome;
  }
  return PublishWithNamedFile(path, content, want_handle);
}

StatusOr<PublishOutcome> FileStore::PublishWithTmpfile(
    const std::string& path, const std::string& content, bool want_handle,
    bool* unsupported) {
#if defined(O_TMPFILE)
  int raw_fd = SEQUANTLOCK_FAULT(kTmpfileOpen)
                   ? -1
                   : open(dir_.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
  if (raw_fd < 0 && errno == ENOENT) {
    Status status = EnsureDirectory();
    if (!status.ok()) return status;
    raw_fd = SEQUANTLOCK_FAULT(kTmpfileOpen)
                 ? -1
                 : open(dir_.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
  }
  if (raw_fd < 0) {
    if (errno == EISDIR || errno == EOPNOTSUPP || errno == EINVAL) {
      tmpfile_usable_ = false;
      *unsupported = true;
      return PublishOutcome();
    }
    return Status::Io("cannot create lock file in", dir_, errno);
  }
  ScopedFd fd(raw_fd);
  Status status = WriteAll(fd.get(), content, path);
  if (!status.ok()) return status;

  // Linking through /proc needs no privilege; AT_EMPTY_PATH needs
  // CAP_DAC_READ_SEARCH but works where /proc is not mounted.
  char proc_path[64];
  std::snprintf(proc_path, sizeof proc_path, "/proc/self/fd/%d", fd.get());
  int rc = SEQUANTLOCK_FAULT(kLinkat)
               ? -1
               : linkat(AT_FDCWD, proc_path, AT_FDCWD, path.c_str(),
                        AT_SYMLINK_FOLLOW);
  if (rc != 0 && errno == ENOENT) {
    rc = SEQUANTLOCK_FAULT(kLinkat)
             ? -1
             : linkat(fd.get(), "", AT_FDCWD, path.c_str(), AT_EMPTY_PATH);
    if (rc != 0 && errno == ENOENT) {
      // No /proc and no privilege, or the directory just vanished: the
      // named-file path handles both.
      *unsupported = true;
      return PublishOutcome();
    }
  }
  PublishOutcome outcome;
  if (rc != 0) {
    if (errno == EEXIST) return outcome;
    if (IsLinkUnsupportedErrno(errno)) {
      tmpfile_usable_ = false;
      *unsupported = true;
      return outcome;
    }
    return Status::Io("cannot create lock file", path, errno);
  }
  outcome.created = true;
  if (want_handle) {
    StatusOr<std::unique_ptr<LockHandle>> handle = MakeHandle(&fd, path);
    if (handle.ok()) outcome.handle = std::move(*handle);
  }
  return outcome;
#else
  (void)path;
  (void)content;
  (void)want_handle;
  *unsupported = true;
  return PublishOutcome();
#endif
}

StatusOr<PublishOutcome> FileStore::PublishWithNamedFile(
    const std::string& path, const std::string& content, bool want_handle) {
  const std::string temporary = TemporaryPath(dir_);
  const int kCreateFlags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  int raw_fd = SEQUANTLOCK_FAULT(kNamedOpen)
                   ? -1
                   : open(temporary.c_str(), kCreateFlags, 0644);
  if (raw_fd < 0 && errno == ENOENT) {
    Status status = EnsureDirectory();
    if (!status.ok()) return status;
    raw_fd = SEQUANTLOCK_FAULT(kNamedOpen)
                 ? -1
                 : open(temporary.c_str(), kCreateFlags, 0644);
  }
  if (raw_fd < 0) {
    return Status::Io("cannot create temporary lock file", temporary, errno);
  }
  ScopedFd fd(raw_fd);
  Status status = WriteAll(fd.get(), content, temporary);
  if (!status.ok()) {
    if (!SEQUANTLOCK_FAULT(kNamedUnlink)) unlink(temporary.c_str());
    return status;
  }

  PublishOutcome outcome;
  bool renamed = false;
  int rc = SEQUANTLOCK_FAULT(kNamedLink)
               ? -1
               : link(temporary.c_str(), path.c_str());
  if (rc != 0 && IsLinkUnsupportedErrno(errno)) {
    rc = SEQUANTLOCK_FAULT(kNamedRename)
             ? -1
             : RenameNoReplace(temporary.c_str(), path.c_str());
    renamed = rc == 0;
    if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {
      if (!SEQUANTLOCK_FAULT(kNamedUnlink)) unlink(temporary.c_str());
      return Status::Error(ErrorCode::kUnsupported,
                           "cannot publish lock file '" + path +
                               "' atomically: the filesystem supports neither "
                               "hard links nor RENAME_NOREPLACE");
    }
  }
  const int link_errno = errno;
  if (!renamed && !SEQUANTLOCK_FAULT(kNamedUnlink)) {
    unlink(temporary.c_str());
  }
  if (rc != 0) {
    if (link_errno == EEXIST) return outcome;
    return Status::Io("cannot create lock file", path, link_errno);
  }
  outcome.created = true;
  if (want_handle) {
    StatusOr<std::unique_ptr<LockHandle>> handle = MakeHandle(&fd, path);
    if (handle.ok()) outcome.handle = std::move(*handle);
  }
  return outcome;
}

StatusOr<StoredLock> FileStore::Read(const std::string& key) {
  const std::string path = PathFor(key);
  StoredLock missing;
  missing.key = key;
  missing.path = path;

  ScopedFd fd(SEQUANTLOCK_FAULT(kOpenForRead) ? -1
                                              : open(path.c_str(), kReadFlags));
  if (fd.get() < 0) {
    const int err = errno;
    if (err == ENOENT) return missing;
    if (IsUnopenableErrno(err)) {
      struct stat st;
      if (SEQUANTLOCK_FAULT(kReadLstat) || lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return missing;
        return Status::Io("cannot inspect lock file", path, errno);
      }
      return UnopenableLock(st, key, path);
    }
    return Status::Io("cannot read lock file", path, err);
  }
  struct stat st;
  if (SEQUANTLOCK_FAULT(kReadFstat) || fstat(fd.get(), &st) != 0) {
    return Status::Io("cannot inspect lock file", path, errno);
  }
  Status status;
  StoredLock lock = ReadOpenFile(fd.get(), st, key, path, &status);
  if (!status.ok()) return status;
  return lock;
}

StatusOr<RemovalOutcome> FileStore::RemoveIf(const std::string& key,
                                             const RemovalDecision& decide) {
  const std::string path = PathFor(key);
  for (int attempt = 0; attempt < kMaxRemovalAttempts; ++attempt) {
    ScopedFd fd(SEQUANTLOCK_FAULT(kOpenForRead)
                    ? -1
                    : open(path.c_str(), kReadFlags));
    if (fd.get() < 0) {
      const int err = errno;
      if (err == ENOENT) return RemovalOutcome();
      if (IsUnopenableErrno(err)) {
        bool retry = false;
        StatusOr<RemovalOutcome> outcome =
            RemoveUnopenable(key, decide, &retry);
        if (retry) continue;
        return outcome;
      }
      return Status::Io("cannot open lock file", path, err);
    }
    Status status = TakeGuard(fd.get(), path);
    if (!status.ok() && status.os_errno() == EBADF) {
      // NFS clients emulate flock with POSIX record locks, whose exclusive
      // form needs a descriptor open for writing. The file reopened for
      // writing is checked against the first one, as the name may have
      // been replaced in between.
      ScopedFd writable(open(path.c_str(), kReadWriteFlags));
      if (writable.get() < 0) return status;
      struct stat first;
      struct stat second;
      if (fstat(fd.get(), &first) != 0 || fstat(writable.get(), &second) != 0) {
        return Status::Io("cannot inspect lock file", path, errno);
      }
      if (!SameFile(first, second)) continue;
      fd.reset(writable.release());
      status = TakeGuard(fd.get(), path);
    }
    if (!status.ok()) return status;

    // Under the guard nobody else removes this file, so once the name is
    // seen to refer to it, it keeps referring to it until we unlink it.
    struct stat opened;
    struct stat current;
    if (SEQUANTLOCK_FAULT(kGuardFstat) || fstat(fd.get(), &opened) != 0) {
      return Status::Io("cannot inspect lock file", path, errno);
    }
    if (SEQUANTLOCK_FAULT(kGuardLstat) || lstat(path.c_str(), &current) != 0) {
      if (errno == ENOENT) return RemovalOutcome();
      return Status::Io("cannot inspect lock file", path, errno);
    }
    if (!SameFile(opened, current)) continue;

    RemovalOutcome outcome;
    outcome.lock = ReadOpenFile(fd.get(), opened, key, path, &status);
    if (!status.ok()) return status;
    StatusOr<bool> remove = decide(outcome.lock);
    if (!remove.ok()) return remove.status();
    if (!*remove) {
      outcome.kind = RemovalOutcome::Kind::kKept;
      return outcome;
    }
    const int flags = S_ISDIR(opened.st_mode) ? AT_REMOVEDIR : 0;
    if (SEQUANTLOCK_FAULT(kUnlinkat) ||
        unlinkat(AT_FDCWD, path.c_str(), flags) != 0) {
      return Status::Io("cannot remove lock file", path, errno);
    }
    outcome.kind = RemovalOutcome::Kind::kRemoved;
    return outcome;
  }
  return Status::Error(ErrorCode::kRaceLost,
                       "lock file '" + path +
                           "' kept being replaced while it was being removed");
}

StatusOr<RemovalOutcome> FileStore::RemoveUnopenable(
    const std::string& key, const RemovalDecision& decide, bool* retry) {
  const std::string path = PathFor(key);
  ScopedFd dir_fd(SEQUANTLOCK_FAULT(kDirectoryOpen)
                      ? -1
                      : open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() < 0) {
    return Status::Io("cannot open lock directory", dir_, errno);
  }
  Status status = TakeGuard(dir_fd.get(), dir_);
  if (!status.ok()) return status;

  struct stat st;
  if (SEQUANTLOCK_FAULT(kGuardLstat) || lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return RemovalOutcome();
    return Status::Io("cannot inspect lock file", path, errno);
  }
  if (!S_ISLNK(st.st_mode) && !S_ISSOCK(st.st_mode)) {
    *retry = true;
    return RemovalOutcome();
  }
  RemovalOutcome outcome;
  outcome.lock = UnopenableLock(st, key, path);
  StatusOr<bool> remove = decide(outcome.lock);
  if (!remove.ok()) return remove.status();
  if (!*remove) {
    outcome.kind = RemovalOutcome::Kind::kKept;
    return outcome;
  }
  // unlink() removes the symlink itself; its target is never touched.
  if (SEQUANTLOCK_FAULT(kUnlinkat) ||
      unlinkat(AT_FDCWD, path.c_str(), 0) != 0) {
    return Status::Io("cannot remove lock file", path, errno);
  }
  outcome.kind = RemovalOutcome::Kind::kRemoved;
  return outcome;
}

StatusOr<bool> FileStore::RemoveHeld(const std::string& key,
                                     std::unique_ptr<LockHandle> handle) {
  const std::string path = PathFor(key);
  auto* held = static_cast<FileHandle*>(handle.get());
  Status status = TakeGuard(held->fd(), path);
  if (!status.ok()) return status;
  struct stat current;
  if (SEQUANTLOCK_FAULT(kGuardLstat) || lstat(path.c_str(), &current) != 0) {
    if (errno == ENOENT) return false;
    return Status::Io("cannot inspect lock file", path, errno);
  }
  if (!held->Names(current)) return false;
  if (SEQUANTLOCK_FAULT(kUnlinkat) ||
      unlinkat(AT_FDCWD, path.c_str(), 0) != 0) {
    return Status::Io("cannot remove lock file", path, errno);
  }
  return true;
}

StatusOr<std::vector<StoredLock>> FileStore::ReadAll() {
  std::vector<StoredLock> locks;
  const int raw_dir_fd = open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (raw_dir_fd < 0) {
    if (errno == ENOENT) return locks;
    return Status::Io("cannot list locks in", dir_, errno);
  }
  DIR* dir = fdopendir(raw_dir_fd);
  if (dir == nullptr) {
    close(raw_dir_fd);
    return Status::Io("cannot list locks in", dir_, errno);
  }
  const int dir_fd = dirfd(dir);
  const int64_t now_ms = WallClockMs();
  Status status;
  for (;;) {
    errno = 0;
    struct dirent* entry = readdir(dir);
    if (entry == nullptr) {
      if (errno != 0) status = Status::Io("cannot list locks in", dir_, errno);
      break;
    }
    const std::string name = entry->d_name;
    const bool steal_orphan = name.find(".lock.steal.") != std::string::npos;
    if (IsTemporaryName(name) || steal_orphan) {
      // Leftovers of a writer that died between writing and linking, ours
      // or the TypeScript original's. They block no key; remove the old
      // ones and ignore failures.
      struct stat st;
      if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISREG(st.st_mode) && now_ms - MtimeMs(st) > kTemporaryMaxAgeMs) {
        unlinkat(dir_fd, name.c_str(), 0);
      }
      continue;
    }
    std::optional<std::string> key = KeyFromFileName(name);
    if (!key) continue;
    const std::string path = PathFor(*key);
    ScopedFd fd(openat(dir_fd, name.c_str(), kReadFlags));
    if (fd.get() < 0) {
      const int err = errno;
      struct stat st;
      if (IsUnopenableErrno(err) &&
          fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        locks.push_back(UnopenableLock(st, *key, path));
      } else if (err != ENOENT) {
        StoredLock lock;
        lock.kind = StoredLock::Kind::kCorrupt;
        lock.key = *key;
        lock.path = path;
        locks.push_back(std::move(lock));
      }
      continue;
    }
    struct stat st;
    if (fstat(fd.get(), &st) != 0) continue;
    Status read_status;
    StoredLock lock = ReadOpenFile(fd.get(), st, *key, path, &read_status);
    locks.push_back(std::move(lock));
  }
  closedir(dir);
  if (!status.ok()) return status;
  return locks;
}

}  // namespace sequantlock
