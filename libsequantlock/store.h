// The storage interface behind the manager: where lock records live and
// how they are published and removed.
//
// The manager decides; a store only carries out atomic steps. A second
// backend (a coordination service, say) implements this interface without
// touching the staleness policy. Thread safety: implementations are safe to
// call from several threads at once.
#ifndef SEQUANTLOCK_STORE_H_
#define SEQUANTLOCK_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "error.h"
#include "record.h"

namespace sequantlock {

// One lock as found in the store.
struct StoredLock {
  enum class Kind { kMissing, kRecord, kCorrupt };
  Kind kind = Kind::kMissing;
  std::string key;
  std::string path;
  Record record;  // Valid when kind is kRecord.
  std::optional<int64_t> mtime_ms;
};

// Proof of a lock this process published, kept for a cheap release.
class LockHandle {
 public:
  virtual ~LockHandle() = default;
};

struct PublishOutcome {
  bool created = false;
  std::unique_ptr<LockHandle> handle;  // Set when created and requested.
};

struct RemovalOutcome {
  enum class Kind { kMissing, kKept, kRemoved };
  Kind kind = Kind::kMissing;
  StoredLock lock;  // What was found under the guard.
};

// Called under the key's guard with the lock as it is now; returns whether
// to remove it. An error aborts the removal and is returned as is.
using RemovalDecision = std::function<StatusOr<bool>(const StoredLock& lock)>;

class LockStore {
 public:
  virtual ~LockStore() = default;

  // Where the locks live, for messages: the directory for files.
  virtual const std::string& location() const = 0;

  virtual std::string PathFor(const std::string& key) const = 0;

  // Publishes `content` as the lock for `key` unless one exists. Readers
  // see either no lock or the whole content, never a part of it.
  virtual StatusOr<PublishOutcome> Publish(const std::string& key,
                                           const std::string& content,
                                           bool want_handle) = 0;

  // Reads the lock for `key`, changing nothing.
  virtual StatusOr<StoredLock> Read(const std::string& key) = 0;

  // Reads the lock for `key` again under a guard that excludes every other
  // removal of it, asks `decide`, and removes the lock when it says so.
  virtual StatusOr<RemovalOutcome> RemoveIf(const std::string& key,
                                            const RemovalDecision& decide) = 0;

  // Removes the lock for `key` if it is still the one `handle` proves.
  // Returns whether it was removed. Consumes the handle.
  virtual StatusOr<bool> RemoveHeld(const std::string& key,
                                    std::unique_ptr<LockHandle> handle) = 0;

  // Every lock in the store, in no particular order. A missing store is
  // empty.
  virtual StatusOr<std::vector<StoredLock>> ReadAll() = 0;
};

}  // namespace sequantlock

#endif  // SEQUANTLOCK_STORE_H_
