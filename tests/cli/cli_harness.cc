#include "cli_harness.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace sequantlock_test {
namespace {

bool IsControlledVariable(const std::string& entry) {
  static const char* const kPrefixes[] = {"SEQUANT_", "NO_COLOR=",
                                          "FORCE_COLOR=", "GIT_", "HOME="};
  for (const char* prefix : kPrefixes) {
    if (entry.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

}  // namespace

void CliTest::SetUp() {
  char pattern[] = "/tmp/sequantlock-cli-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr) << std::strerror(errno);
  root_ = fs::canonical(pattern);
  locks_ = root_ / "locks";
  fs::create_directories(root_ / "home");

  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text = *entry;
    if (IsControlledVariable(text)) continue;
    const size_t equals = text.find('=');
    if (equals == std::string::npos) continue;
    env_[text.substr(0, equals)] = text.substr(equals + 1);
  }
  env_["HOME"] = (root_ / "home").string();
  env_["SEQUANT_LOCKS_DIR"] = locks_.string();
  env_["GIT_CONFIG_NOSYSTEM"] = "1";
  env_["GIT_AUTHOR_NAME"] = "Test Author";
  env_["GIT_AUTHOR_EMAIL"] = "author@example.com";
  env_["GIT_COMMITTER_NAME"] = "Test Committer";
  env_["GIT_COMMITTER_EMAIL"] = "committer@example.com";
}

void CliTest::TearDown() {
  for (pid_t pid : background_) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  std::error_code ignored;
  fs::remove_all(root_, ignored);
}

void CliTest::SetEnv(const std::string& name,
                     std::optional<std::string> value) {
  if (value) {
    env_[name] = *value;
  } else {
    env_.erase(name);
  }
}

fs::path CliTest::NextOutputPath(const std::string& suffix) {
  return root_ / ("output-" + std::to_string(output_count_++) + suffix);
}

pid_t CliTest::Spawn(const fs::path& cwd, const std::vector<std::string>& argv,
                     const fs::path& out, const fs::path& err) {
  std::vector<std::string> environment;
  for (const auto& [name, value] : env_) {
    environment.push_back(name + "=" + value);
  }
  std::vector<char*> env_pointers;
  for (std::string& entry : environment) env_pointers.push_back(entry.data());
  env_pointers.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> arg_pointers;
  for (std::string& arg : args) arg_pointers.push_back(arg.data());
  arg_pointers.push_back(nullptr);

  const pid_t pid = fork();
  if (pid != 0) return pid;

  const int out_fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int err_fd = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int null_fd = open("/dev/null", O_RDONLY);
  if (out_fd < 0 || err_fd < 0 || null_fd < 0 || chdir(cwd.c_str()) != 0) {
    _exit(125);
  }
  dup2(null_fd, STDIN_FILENO);
  dup2(out_fd, STDOUT_FILENO);
  dup2(err_fd, STDERR_FILENO);
  execvpe(arg_pointers[0], arg_pointers.data(), env_pointers.data());
  _exit(124);
}

CliResult CliTest::Program(const fs::path& cwd,
                           const std::vector<std::string>& argv) {
  const fs::path out = NextOutputPath(".out");
  const fs::path err = NextOutputPath(".err");
  const pid_t pid = Spawn(cwd, argv, out, err);
  int status = 0;
  waitpid(pid, &status, 0);

  CliResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status)
                                       : 128 + WTERMSIG(status);
  result.out = ReadText(out);
  result.err = ReadText(err);
  return result;
}

CliResult CliTest::CliIn(const fs::path& cwd,
                         const std::vector<std::string>& args) {
  std::vector<std::string> argv = {SEQUANTLOCK_CLI_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  return Program(cwd, argv);
}

CliResult CliTest::Cli(const std::vector<std::string>& args) {
  return CliIn(root_, args);
}

Background CliTest::StartProgram(const std::vector<std::string>& argv) {
  Background process;
  process.out = NextOutputPath(".out");
  process.err = NextOutputPath(".err");
  process.pid = Spawn(root_, argv, process.out, process.err);
  background_.push_back(process.pid);
  return process;
}

Background CliTest::Start(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {SEQUANTLOCK_CLI_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  return StartProgram(argv);
}

int CliTest::Wait(const Background& process) {
  int status = 0;
  waitpid(process.pid, &status, 0);
  for (auto it = background_.begin(); it != background_.end(); ++it) {
    if (*it == process.pid) {
      background_.erase(it);
      break;
    }
  }
  return status;
}

fs::path CliTest::LockPath(const std::string& key) const {
  return locks_ / (key + ".lock");
}

bool CliTest::LockExists(const std::string& key) const {
  return fs::exists(LockPath(key));
}

nlohmann::json CliTest::ReadRecord(const std::string& key) const {
  return nlohmann::json::parse(ReadText(LockPath(key)));
}

void CliTest::WriteRecord(const std::string& key, int64_t pid,
                          const std::string& hostname,
                          const std::string& started_at,
                          const std::string& command, bool skip_pid_check) {
  nlohmann::ordered_json record = {{"pid", pid},
                                   {"hostname", hostname},
                                   {"startedAt", started_at},
                                   {"command", command}};
  if (skip_pid_check) record["skipPidCheck"] = true;
  fs::create_directories(locks_);
  WriteText(LockPath(key), record.dump(2));
}

std::string CliTest::CanonicalRefusal(const std::string& key,
                                      const nlohmann::json& record) {
  const bool issue = key.find_first_not_of("0123456789") == std::string::npos;
  const std::string subject = issue ? "Issue #" + key : "Lock '" + key + "'";
  return subject + " is being worked on by PID " +
         std::to_string(record.at("pid").get<int64_t>()) + " since " +
         record.at("startedAt").get<std::string>() + " (" +
         record.at("command").get<std::string>() +
         "). Use --force to take over, or wait for the other session.";
}

std::string ReadText(const fs::path& path) {
  std::ifstream stream(path, std::ios::binary);
  std::stringstream buffer;
  buffer << stream.rdbuf();
  return buffer.str();
}

void WriteText(const fs::path& path, const std::string& text) {
  std::ofstream stream(path, std::ios::binary | std::ios::trunc);
  stream << text;
}

std::string ThisHostname() {
  char name[HOST_NAME_MAX + 1] = {};
  gethostname(name, sizeof name);
  return name;
}

std::string NowIso() {
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  tm utc;
  gmtime_r(&now.tv_sec, &utc);
  char text[64];
  const size_t length = strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + length, sizeof text - length, ".%03ldZ",
                now.tv_nsec / 1000000);
  return text;
}

int64_t DeadPid() {
  const pid_t pid = fork();
  if (pid == 0) _exit(0);
  waitpid(pid, nullptr, 0);
  return pid;
}

bool ProcessGone(pid_t pid) {
  const std::string stat =
      ReadText(fs::path("/proc") / std::to_string(pid) / "stat");
  if (stat.empty()) return true;
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() &&
         stat[paren + 2] == 'Z';
}

bool WaitUntil(const std::function<bool()>& condition,
               std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  std::string line;
  while (std::getline(stream, line)) lines.push_back(line);
  return lines;
}

}  // namespace sequantlock_test
