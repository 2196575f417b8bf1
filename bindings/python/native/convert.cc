#include "convert.h"

#include "call.h"

namespace sequantlock_python {

namespace {

// Takes ownership of a string returned through a `char **out` parameter.
std::string TakeString(char* text) {
  std::string copy = text != nullptr ? text : "";
  sequantlock_string_free(text);
  return copy;
}

// Optional text fields use "" for "not recorded"; Python gets None.
py::object OptionalText(const char* text) {
  if (text == nullptr || *text == '\0') return py::none();
  return Text(text);
}

py::object StaleReasonName(int reason) {
  if (reason == SEQUANTLOCK_STALE_NONE) return py::none();
  return Text(sequantlock_stale_reason_name(reason));
}

}  // namespace

HolderPtr ParseHolder(const std::string& json) {
  sequantlock_holder* holder = nullptr;
  Check(sequantlock_holder_parse(&holder, json.data(), json.size()));
  return HolderPtr(holder);
}

std::string HolderJson(const sequantlock_holder* holder, unsigned flags) {
  char* json = nullptr;
  Check(sequantlock_holder_to_json(holder, flags, &json));
  return TakeString(json);
}

py::object HolderToDict(const sequantlock_holder* holder) {
  if (holder == nullptr) return py::none();

  py::dict d;
  d["pid"] = sequantlock_holder_pid(holder);
  d["hostname"] = Text(sequantlock_holder_hostname(holder));
  d["started_at"] = Text(sequantlock_holder_started_at(holder));
  d["command"] = Text(sequantlock_holder_command(holder));
  d["skip_pid_check"] = sequantlock_holder_skip_pid_check(holder) != 0;
  d["token"] = OptionalText(sequantlock_holder_token(holder));

  int64_t start_time = sequantlock_holder_process_start_time(holder);
  d["process_start_time"] =
      start_time >= 0 ? py::object(py::int_(start_time)) : py::none();
  d["boot_id"] = OptionalText(sequantlock_holder_boot_id(holder));
  d["machine_id"] = OptionalText(sequantlock_holder_machine_id(holder));
  uint64_t pid_namespace = sequantlock_holder_pid_namespace(holder);
  d["pid_namespace"] =
      pid_namespace != 0 ? py::object(py::int_(pid_namespace)) : py::none();
  int schema_version = sequantlock_holder_schema_version(holder);
  d["schema_version"] =
      schema_version != 0 ? py::object(py::int_(schema_version)) : py::none();

  d["record"] = Text(HolderJson(holder, 0).c_str());
  return std::move(d);
}

py::object LockInfoToDict(const sequantlock_lock_info* info) {
  if (info == nullptr) return py::none();

  py::dict d;
  d["key"] = Text(sequantlock_lock_info_key(info));
  d["lock_path"] = Text(sequantlock_lock_info_lock_path(info));
  d["holder"] = HolderToDict(sequantlock_lock_info_holder(info));
  d["corrupt"] = sequantlock_lock_info_corrupt(info) != 0;
  d["age_ms"] = sequantlock_lock_info_age_ms(info);
  d["stale"] = sequantlock_lock_info_stale(info) != 0;
  d["stale_reason"] =
      StaleReasonName(sequantlock_lock_info_stale_reason(info));
  return std::move(d);
}

py::dict AcquireResultToDict(const sequantlock_acquire_result* result) {
  py::dict d;
  d["acquired"] = sequantlock_acquire_result_acquired(result) != 0;
  d["lock_path"] = Text(sequantlock_acquire_result_lock_path(result));
  d["holder"] = HolderToDict(sequantlock_acquire_result_holder(result));
  d["corrupt"] = sequantlock_acquire_result_corrupt(result) != 0;
  d["record"] = HolderToDict(sequantlock_acquire_result_record(result));
  d["token"] = OptionalText(sequantlock_acquire_result_token(result));
  d["replaced"] = sequantlock_acquire_result_replaced(result) != 0;
  d["previous"] = HolderToDict(sequantlock_acquire_result_previous(result));
  d["stale_reason"] =
      StaleReasonName(sequantlock_acquire_result_stale_reason(result));
  d["forced"] = sequantlock_acquire_result_forced(result) != 0;
  d["waited_ms"] = sequantlock_acquire_result_waited_ms(result);
  return d;
}

py::dict ClearResultToDict(const sequantlock_clear_result* result) {
  py::dict d;
  d["cleared"] = sequantlock_clear_result_cleared(result) != 0;
  d["reason"] =
      Text(sequantlock_clear_reason_name(sequantlock_clear_result_reason(result)));
  d["info"] = LockInfoToDict(sequantlock_clear_result_info(result));
  return d;
}

}  // namespace sequantlock_python
