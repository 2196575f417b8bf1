// The process-wide log sink for decisions the library makes.
//
// Off by default. Thread safety: Log() may run on any thread; install the
// sink before other threads use the library.
#ifndef SEQUANTLOCK_LOG_H_
#define SEQUANTLOCK_LOG_H_

#include <string>

namespace sequantlock {

enum class LogLevel { kDebug = 10, kInfo = 20, kWarning = 30 };

using LogSink = void (*)(void* user_data, int level, const char* message);

void SetLogSink(LogSink sink, void* user_data);
bool LogEnabled();
void Log(LogLevel level, const std::string& message);

}  // namespace sequantlock

#endif  // SEQUANTLOCK_LOG_H_
