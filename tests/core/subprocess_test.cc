#include "core/subprocess.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "tests/core/environment_fixture.h"
#include "tests/matchers.h"

namespace stormproof {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

// True when `pid` runs (a zombie nobody reaped is dead: this container's init does not reap).
bool IsRunning(pid_t pid) {
  if (kill(pid, 0) != 0) return false;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

// True when `pid` still runs 5 s from now. A SIGKILL is delivered asynchronously: on a loaded
// machine the killed process can take a moment to die after kill() returned.
bool StillRunsLater(pid_t pid) {
  for (int waited_ms = 0; waited_ms < 5000; waited_ms += 10) {
    if (!IsRunning(pid)) return false;
    usleep(10'000);
  }
  return IsRunning(pid);
}

ProcessResult RunOk(ProcessOptions options) {
  Result<ProcessResult> result = RunProcess(options);
  EXPECT_THAT(result, IsOk());
  return result.has_value() ? std::move(result).value() : ProcessResult{};
}

ProcessResult Shell(const std::string& command, milliseconds timeout = milliseconds(0)) {
  ProcessOptions options = ShellCommand(command);
  options.timeout = timeout;
  return RunOk(options);
}

TEST(SubprocessTest, ReportsExitCodes) {
  struct Case {
    std::string command;
    int exit_code;
  } cases[] = {{"true", 0}, {"exit 3", 3}, {"exit 255", 255}, {"false", 1}};
  for (const Case& c : cases) {
    ProcessResult result = Shell(c.command);
    EXPECT_EQ(result.exit_code, c.exit_code) << c.command;
    EXPECT_EQ(result.signal, 0) << c.command;
    EXPECT_FALSE(result.timed_out) << c.command;
  }
}

TEST(SubprocessTest, ReportsTheSignalThatEndedIt) {
  ProcessResult result = Shell("kill -SEGV $$");
  EXPECT_EQ(result.signal, SIGSEGV);
  EXPECT_EQ(result.exit_code, -1);
  EXPECT_FALSE(result.Succeeded());
}

TEST(SubprocessTest, CapturesStdoutAndStderrSeparately) {
  ProcessResult result = Shell("echo out; echo err >&2; echo more");
  EXPECT_EQ(result.out, "out\nmore\n");
  EXPECT_EQ(result.err, "err\n");
}

// The child's environment as `env -0` prints it (no shell in between to add PWD).
std::map<std::string, std::string> ChildEnvironment(ProcessOptions options) {
  options.argv = {"env", "-0"};
  return ParseEnvironment(RunOk(options).out);
}

TEST(SubprocessTest, ChildGetsTheAllowListAndWhatItIsGivenNeverASecret) {
  EnvironmentChanges changes = ParentSecrets();
  changes.insert(changes.end(), {{"HOME", "/home/operator"},
                                 {"LANG", "C.UTF-8"},
                                 {"LC_TIME", "en_GB.UTF-8"},
                                 {"TZ", "Europe/London"},
                                 {"TMPDIR", "/var/tmp"},
                                 {"USER", "operator"},
                                 {"LOGNAME", "operator"},
                                 {"STORMPROOF_SUBPROCESS_OTHER", "not inherited"},
                                 {"LD_PRELOAD", "/tmp/evil.so"}});
  ScopedEnvironment environment(changes);
  ProcessOptions options;
  options.env = {{"GIVEN", "value with spaces"}, {"EMPTY", ""}, {"RESTIC_PASSWORD", "given"}};
  std::map<std::string, std::string> child = ChildEnvironment(options);
  EXPECT_EQ(UnexpectedNames(child, {"GIVEN", "EMPTY", "RESTIC_PASSWORD"}),
            std::vector<std::string>{});
  ExpectNoParentSecret(child);
  EXPECT_EQ(child["GIVEN"], "value with spaces");
  EXPECT_EQ(child.count("EMPTY"), 1u);
  EXPECT_EQ(child["EMPTY"], "");
  EXPECT_EQ(child["RESTIC_PASSWORD"], "given");  // what the caller gives, whatever its name
  EXPECT_EQ(child["HOME"], "/home/operator");
  EXPECT_EQ(child["LANG"], "C.UTF-8");
  EXPECT_EQ(child["LC_TIME"], "en_GB.UTF-8");
  EXPECT_EQ(child["TZ"], "Europe/London");
  EXPECT_EQ(child["TMPDIR"], "/var/tmp");
  EXPECT_EQ(child["USER"], "operator");
  EXPECT_EQ(child["LOGNAME"], "operator");
  EXPECT_EQ(child["PATH"], getenv("PATH"));
}

TEST(SubprocessTest, GivenVariablesOverrideInheritedOnes) {
  ScopedEnvironment environment(EnvironmentChanges{{"TZ", "Europe/London"}});
  ProcessOptions options;
  options.env = {{"TZ", "Asia/Kolkata"}};
  std::map<std::string, std::string> child = ChildEnvironment(options);
  EXPECT_EQ(child["TZ"], "Asia/Kolkata");
  ProcessOptions shell = ShellCommand("env -0 | tr '\\0' '\\n' | grep -c '^TZ='");
  shell.env = options.env;
  EXPECT_EQ(RunOk(shell).out, "1\n");
}

TEST(SubprocessTest, PathKeepsOnlyAbsoluteDirectories) {
  ScopedEnvironment environment(EnvironmentChanges{{"PATH", "/usr/bin::.:bin:./x:/bin:"}});
  EXPECT_EQ(ChildEnvironment({})["PATH"], "/usr/bin:/bin");
}

TEST(SubprocessTest, WithoutAPathTheChildGetsTheSystemDefault) {
  ScopedEnvironment environment(EnvironmentChanges{{"PATH", std::nullopt}});
  EXPECT_EQ(ChildEnvironment({})["PATH"], kDefaultPath);
  ScopedEnvironment relative_only(EnvironmentChanges{{"PATH", ".:bin"}});
  EXPECT_EQ(ChildEnvironment({})["PATH"], kDefaultPath);
}

// A command run in a directory of restored data must not run a program from it: a relative
// PATH entry ("", ".") would find it there.
TEST(SubprocessTest, NoProgramIsFoundInTheWorkingDirectory) {
  const fs::path dir = fs::temp_directory_path() / ("subprocess-cwd-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const fs::path planted = dir / "stormproof-planted";
  std::ofstream(planted) << "#!/bin/sh\necho planted ran\n";
  fs::permissions(planted, fs::perms::owner_all);
  ScopedEnvironment environment(EnvironmentChanges{{"PATH", ".::/usr/bin:/bin"}});

  ProcessOptions direct;
  direct.argv = {"stormproof-planted"};
  direct.cwd = dir.string();
  Result<ProcessResult> ran = RunProcess(direct);
  ASSERT_FALSE(ran.has_value()) << ran->out;
  EXPECT_THAT(ran, ErrorIs(ErrorCode::kNotFound));

  ProcessOptions shell = ShellCommand("stormproof-planted");
  shell.cwd = dir.string();
  ProcessResult result = RunOk(shell);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.exit_code, 127);
  fs::remove_all(dir);
}

TEST(SubprocessTest, ProgramsAreFoundOnThePath) {
  ProcessOptions options;
  options.argv = {"sh", "-c", "echo found"};
  EXPECT_EQ(RunOk(options).out, "found\n");
}

TEST(SubprocessTest, RunsInTheGivenDirectory) {
  ProcessOptions options = ShellCommand("pwd");
  options.cwd = fs::temp_directory_path().string();
  EXPECT_EQ(RunOk(options).out, fs::canonical(options.cwd).string() + "\n");
}

TEST(SubprocessTest, StdinIsEmpty) { EXPECT_EQ(Shell("wc -c").out, "0\n"); }

TEST(SubprocessTest, OtherDescriptorsAreNotInherited) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);  // deliberately without O_CLOEXEC
  ProcessResult result = Shell("ls /proc/self/fd");
  close(fds[0]);
  close(fds[1]);
  // ls itself opens one descriptor for the directory it lists.
  std::istringstream lines(result.out);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) ++count;
  EXPECT_EQ(count, 4) << result.out;
}

TEST(SubprocessTest, TruncatesHugeStdoutWithoutDeadlock) {
  ProcessOptions options = ShellCommand("head -c 50000000 /dev/zero; echo tail >&2");
  options.max_output = 1 << 20;
  ProcessResult result = RunOk(options);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out.size(), size_t{1} << 20);
  EXPECT_TRUE(result.out_truncated);
  EXPECT_EQ(result.err, "tail\n");
}

TEST(SubprocessTest, KeepsOnlyTheTailOfStderr) {
  ProcessResult result =
      Shell("head -c 1000000 /dev/zero | tr '\\0' x >&2; echo >&2; echo last >&2");
  ASSERT_EQ(result.err.size(), ProcessResult::kStderrTail);
  EXPECT_EQ(result.err.substr(result.err.size() - 6), "\nlast\n");
  EXPECT_EQ(result.err.substr(0, 3), "xxx");
}

TEST(SubprocessTest, TimeoutKillsTheChildAndItsBackgroundProcesses) {
  ProcessResult result = Shell("sleep 100 & echo $!; sleep 100", milliseconds(500));
  EXPECT_TRUE(result.timed_out);
  EXPECT_FALSE(result.Succeeded());
  EXPECT_LT(result.elapsed, milliseconds(500) + kTerminateGrace + milliseconds(10000));
  pid_t background = std::stoi(result.out);
  EXPECT_FALSE(StillRunsLater(background));
}

TEST(SubprocessTest, TimeoutEscalatesToSigkillWhenTermIsIgnored) {
  ProcessResult result = Shell("trap '' TERM; sleep 100 & echo $!; sleep 100", milliseconds(300));
  EXPECT_TRUE(result.timed_out);
  EXPECT_EQ(result.signal, SIGKILL);
  EXPECT_GE(result.elapsed, milliseconds(300) + kTerminateGrace);
  EXPECT_LT(result.elapsed, milliseconds(300) + kTerminateGrace + milliseconds(10000));
  EXPECT_FALSE(StillRunsLater(std::stoi(result.out)));
}

TEST(SubprocessTest, DoesNotHangOnABackgroundProcessHoldingThePipe) {
  // The shell exits at once; its background sleep keeps stdout open and must be ended.
  ProcessResult result = Shell("sleep 100 & echo $!; exit 4");
  EXPECT_EQ(result.exit_code, 4);
  EXPECT_FALSE(result.timed_out);
  EXPECT_LT(result.elapsed, kDrainAfterExit + kTerminateGrace + milliseconds(10000));
  EXPECT_FALSE(StillRunsLater(std::stoi(result.out)));
}

TEST(SubprocessTest, MissingProgramIsNotFound) {
  ProcessOptions options;
  options.argv = {"stormproof-no-such-program", "x"};
  Result<ProcessResult> result = RunProcess(options);
  ASSERT_FALSE(result.has_value());
  EXPECT_THAT(result, ErrorIs(ErrorCode::kNotFound));
  EXPECT_THAT(result.error().message(), HasSubstr("stormproof-no-such-program"));
  options.argv = {"/nonexistent/dir/prog"};
  EXPECT_THAT(RunProcess(options), ErrorIs(ErrorCode::kNotFound));
}

TEST(SubprocessTest, MissingWorkingDirectoryIsNotFound) {
  ProcessOptions options = ShellCommand("true");
  options.cwd = "/nonexistent/stormproof";
  Result<ProcessResult> result = RunProcess(options);
  ASSERT_FALSE(result.has_value());
  EXPECT_THAT(result, ErrorIs(ErrorCode::kNotFound));
}

TEST(SubprocessTest, LineCallbackGetsEveryLine) {
  std::vector<std::string> lines;
  ProcessOptions options = ShellCommand("printf 'one\\ntwo\\n\\nthree'");
  options.max_output = 2;
  options.on_stdout_line = [&](std::string_view line) { lines.emplace_back(line); };
  ProcessResult result = RunOk(options);
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two", "", "three"}));
  EXPECT_EQ(result.out, "on");
}

TEST(SubprocessTest, LastLineSkipsTrailingBlankLines) {
  EXPECT_EQ(LastLine("a\nFatal: wrong password\n\n"), "Fatal: wrong password");
  EXPECT_EQ(LastLine("  single  "), "single");
  EXPECT_EQ(LastLine(""), "");
  EXPECT_EQ(LastLine("\n \n"), "");
}

}  // namespace
}  // namespace stormproof
