#include "continuity/access/internal/tree_compare.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

namespace stormproof::access {
namespace {

namespace fs = std::filesystem;

bool HasParentComponent(const std::string& path) {
  for (const auto& part : fs::path(path)) {
    if (part == "..") return true;
  }
  return false;
}

const char* TypeName(EntryType type) {
  switch (type) {
    case EntryType::kFile:
      return "a regular file";
    case EntryType::kDirectory:
      return "a directory";
    case EntryType::kSymlink:
      return "a symbolic link";
    case EntryType::kOther:
      return "a special file";
  }
  return "?";
}

bool HasType(mode_t mode, EntryType type) {
  switch (type) {
    case EntryType::kFile:
      return S_ISREG(mode);
    case EntryType::kDirectory:
      return S_ISDIR(mode);
    case EntryType::kSymlink:
      return S_ISLNK(mode);
    case EntryType::kOther:
      return true;
  }
  return false;
}

}  // namespace

std::string RestoredPath(const std::string& target, const std::string& listed_path) {
  std::string relative = listed_path;
  while (!relative.empty() && relative.front() == '/') relative.erase(0, 1);
  if (relative.size() >= 2 && relative[1] == ':') relative.erase(1, 1);  // D:/x -> D/x
  if (relative.empty() || HasParentComponent(relative)) return "";
  return target + "/" + relative;
}

TreeComparison::TreeComparison(std::string target, std::string point_noun)
    : target_(std::move(target)), point_noun_(std::move(point_noun)) {}

void TreeComparison::Check(const ExpectedEntry& entry) {
  if (entry.type == EntryType::kFile) ++check_.files_checked;
  if (!entry.damage.empty()) AddProblem(entry.path, entry.damage);
  std::string restored = RestoredPath(target_, entry.path);
  if (restored.empty()) return AddProblem(entry.path, "not a path inside the restore directory");
  struct stat st;
  if (lstat(restored.c_str(), &st) != 0) {
    return AddProblem(entry.path, errno == ENOENT ? "missing" : std::strerror(errno));
  }
  if (!HasType(st.st_mode, entry.type)) {
    return AddProblem(entry.path, std::string("not ") + TypeName(entry.type));
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (entry.type == EntryType::kFile && entry.size && *entry.size != size) {
    AddProblem(entry.path, "size " + std::to_string(*entry.size) + " in the " + point_noun_ + ", " +
                               std::to_string(size) + " restored");
  }
}

void TreeComparison::AddProblem(const std::string& path, const std::string& what) {
  if (check_.problems.size() < kMaxProblems) {
    check_.problems.push_back(path + ": " + what);
  } else {
    ++more_problems_;
  }
}

DataCheck TreeComparison::Finish() {
  DataCheck result = std::move(check_);
  if (more_problems_ > 0) {
    result.problems.push_back("... and " + std::to_string(more_problems_) + " more");
  }
  check_ = DataCheck{};
  more_problems_ = 0;
  return result;
}

Result<FileCount> CountRegularFiles(const std::string& dir) {
  FileCount count;
  std::error_code error;
  fs::recursive_directory_iterator it(dir, error), end;
  for (; !error && it != end; it.increment(error)) {
    fs::file_status status = it->symlink_status(error);
    if (error) break;
    if (!fs::is_regular_file(status)) continue;
    ++count.files;
    count.bytes += it->file_size(error);
    if (error) break;
  }
  if (error) return Error::Io("counting restored files in " + dir + ": " + error.message());
  return count;
}

Status MakeRestoreDirectory(const std::string& target) {
  std::error_code error;
  fs::create_directories(target, error);
  if (error) return Error::Io("restore directory " + target + ": " + error.message());
  return Ok();
}

Result<RestoreStats> CountRestored(const std::string& target, const ProgressFn& progress,
                                   int64_t point_time_ns) {
  STORMPROOF_ASSIGN_OR_RETURN(FileCount count, CountRegularFiles(target));
  if (progress) {
    progress(ProgressEvent()
                 .Count(ProgressUnit::kFiles, count.files)
                 .Count(ProgressUnit::kBytes, count.bytes));
  }
  return RestoreStats{count.files, count.bytes, point_time_ns};
}

}  // namespace stormproof::access
