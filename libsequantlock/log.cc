#include "log.h"

#include <atomic>

namespace sequantlock {
namespace {

std::atomic<LogSink> g_sink{nullptr};
std::atomic<void*> g_user_data{nullptr};

}  // namespace

void SetLogSink(LogSink sink, void* user_data) {
  g_user_data.store(user_data);
  g_sink.store(sink);
}

bool LogEnabled() { return g_sink.load() != nullptr; }

void Log(LogLevel level, const std::string& message) {
  LogSink sink = g_sink.load();
  if (sink != nullptr) {
    sink(g_user_data.load(), static_cast<int>(level), message.c_str());
  }
}

}  // namespace sequantlock
