// The lock store on a local (or network) filesystem: one file a key,
// `<dir>/<key>.lock`.
//
// Publishing writes the record into an unnamed O_TMPFILE file and links it
// into place, so the name appears with its whole content or not at all and
// never replaces an existing lock. Where O_TMPFILE or linking it is not
// available, a uniquely named temporary file is written and linked (or
// renamed with RENAME_NOREPLACE) instead; such temporaries are dot files
// that no key maps to, and ReadAll() removes those older than ten minutes.
//
// Every removal takes the guard of the file it removes: an exclusive flock
// on the lock file itself, which the kernel drops when its holder dies. It
// then checks that the name still refers to that file and re-reads it
// before deciding. Entries that cannot be opened (symlinks, sockets) are
// guarded by an flock on the directory. Files are reached by absolute path
// on every call, so a locks directory that is removed and created again
// under a long-lived store is followed.
// Thread safety: safe to call from several threads at once.
#ifndef SEQUANTLOCK_FILE_STORE_H_
#define SEQUANTLOCK_FILE_STORE_H_

#include <atomic>
#include <string>

#include "store.h"

namespace sequantlock {

struct FileStoreOptions {
  // Use O_TMPFILE when the kernel offers it. Off forces the named-file
  // fallback, as on filesystems without O_TMPFILE.
  bool use_tmpfile = true;
};

class FileStore : public LockStore {
 public:
  explicit FileStore(std::string dir, FileStoreOptions options = {});

  const std::string& location() const override { return dir_; }
  std::string PathFor(const std::string& key) const override;
  StatusOr<PublishOutcome> Publish(const std::string& key,
                                   const std::string& content,
                                   bool want_handle) override;
  StatusOr<StoredLock> Read(const std::string& key) override;
  StatusOr<RemovalOutcome> RemoveIf(const std::string& key,
                                    const RemovalDecision& decide) override;
  StatusOr<bool> RemoveHeld(const std::string& key,
                            std::unique_ptr<LockHandle> handle) override;
  StatusOr<std::vector<StoredLock>> ReadAll() override;

  // Whether `name` is a temporary file this store writes.
  static bool IsTemporaryName(const std::string& name);

 private:
  Status EnsureDirectory();
  StatusOr<PublishOutcome> PublishWithTmpfile(const std::string& path,
                                              const std::string& content,
                                              bool want_handle,
                                              bool* unsupported);
  StatusOr<PublishOutcome> PublishWithNamedFile(const std::string& path,
                                                const std::string& content,
                                                bool want_handle);
  StatusOr<RemovalOutcome> RemoveUnopenable(const std::string& key,
                                            const RemovalDecision& decide,
                                            bool* retry);

  std::string dir_;
  FileStoreOptions options_;
  std::atomic<bool> tmpfile_usable_{true};
};

}  // namespace sequantlock

#endif  // SEQUANTLOCK_FILE_STORE_H_
