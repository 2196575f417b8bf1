// The canonical refusal message, shared by every caller.
//
// Thread safety: pure function.
#ifndef SEQUANTLOCK_MESSAGE_H_
#define SEQUANTLOCK_MESSAGE_H_

#include <string>

#include "record.h"

namespace sequantlock {

// "Issue #604 is being worked on by PID 12345 since <startedAt>
// (<command>). Use --force to take over, or wait for the other session."
// A named key reads "Lock 'checkout' ..."; a null holder (a corrupt lock
// file) is described as unreadable. Control characters in the holder's
// fields become spaces so that the message stays on one line.
std::string FormatLockedMessage(const std::string& key, const Record* holder);

// Replaces control characters (C0, DEL, C1) with spaces.
std::string OneLine(const std::string& text);

}  // namespace sequantlock

#endif  // SEQUANTLOCK_MESSAGE_H_
