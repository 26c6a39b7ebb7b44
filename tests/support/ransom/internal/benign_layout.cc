// Benign kinds that move, pack or delete files (benign.h).
#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <system_error>

#include "tests/support/ransom/internal/benign_kinds.h"
#include "tests/support/ransom/internal/containers.h"
#include "tests/support/ransom/internal/file_tree.h"
#include "tests/support/ransom/internal/formats.h"

namespace stormproof::testing::ransom::internal {
namespace {

namespace fs = std::filesystem;

Status RemoveTree(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) return Error::Io(path + ": " + ec.message());
  return Ok();
}

// "x.log.3.gz" → 3 for base "x.log"; 0 when the name is no rotation of it.
int RotationOf(const std::string& name, const std::string& base) {
  if (!name.starts_with(base + ".") || !name.ends_with(".gz")) return 0;
  const std::string middle = name.substr(base.size() + 1, name.size() - base.size() - 4);
  if (middle.empty() ||
      !std::all_of(middle.begin(), middle.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return 0;
  return std::stoi(middle);
}

Status Rotate(const std::string& root, const std::string& log, SplitMix64& rng) {
  const std::string absolute = JoinPath(root, log);
  std::map<int, std::string, std::greater<>> older;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::path(absolute).parent_path(), ec)) {
    const int n = RotationOf(entry.path().filename().string(), BaseName(log));
    if (n > 0) older.emplace(n, entry.path().string());
  }
  for (const auto& [n, path] : older) {  // highest first, so nothing is overwritten
    STORMPROOF_TRY(RenamePath(path, absolute + "." + std::to_string(n + 1) + ".gz"));
  }
  STORMPROOF_ASSIGN_OR_RETURN(const MtimeNs mtime, MtimeOf(absolute));
  STORMPROOF_ASSIGN_OR_RETURN(const std::string content, ReadWholeFile(absolute));
  STORMPROOF_TRY(WriteWholeFile(absolute + ".1.gz", Deflate(content, Wrapper::kGzip)));
  STORMPROOF_TRY(SetMtime(absolute + ".1.gz", mtime));
  STORMPROOF_TRY(RemoveFile(absolute));
  std::string fresh;
  AppendLogLines(fresh, 200 + rng.Below(2000), rng);
  return WriteWholeFile(absolute, fresh);
}

// Directories home/<user>/Documents/<project>, the projects users zip or rename.
Result<std::vector<std::string>> ProjectFolders(const std::string& root) {
  STORMPROOF_ASSIGN_OR_RETURN(const auto directories, ListDirectories(root));
  std::vector<std::string> projects;
  for (const std::string& dir : directories) {
    if (dir.starts_with("home/") && std::count(dir.begin(), dir.end(), '/') == 3 &&
        DirectoryOf(dir).ends_with("/Documents")) {
      projects.push_back(dir);
    }
  }
  if (projects.empty())
    return Error::NotFound(root + ": no project folders under home/*/Documents");
  return projects;
}

}  // namespace

Status LogRotateGzip(const std::string& root, SplitMix64& rng) {
  STORMPROOF_ASSIGN_OR_RETURN(const auto logs, FilesWhere(root, "*.log files", [](const auto& p) {
                                return ExtensionOf(p) == "log";
                              }));
  for (const std::string& log : logs) STORMPROOF_TRY(Rotate(root, log, rng));
  return Ok();
}

Status GitGc(const std::string& root, SplitMix64& rng) {
  STORMPROOF_ASSIGN_OR_RETURN(const auto objects,
                              FilesWhere(root, "git objects", [](const auto& p) {
                                return p.find(".git/objects/") != std::string::npos;
                              }));
  std::map<std::string, size_t> bytes_by_repository;  // ".../.git/objects" → bytes
  for (const std::string& path : objects) {
    const std::string repository = path.substr(0, path.find(".git/objects/") + 12);
    bytes_by_repository[repository] += SizeOf(JoinPath(root, path));
    STORMPROOF_TRY(RemoveFile(JoinPath(root, path)));
  }
  for (const auto& [repository, bytes] : bytes_by_repository) {
    const std::string pack = JoinPath(root, repository + "/pack/pack-" + rng.Hex(40));
    STORMPROOF_TRY(
        WriteWholeFile(pack + ".pack", MakeContent(FileKind::kGitPack, "", bytes * 9 / 10, rng)));
    STORMPROOF_TRY(
        WriteWholeFile(pack + ".idx", MakeContent(FileKind::kGitIdx, "", 1100 + bytes / 100, rng)));
    const std::string git = JoinPath(root, DirectoryOf(repository));
    STORMPROOF_TRY(WriteWholeFile(git + "/packed-refs", rng.Hex(40) + " refs/heads/main\n"));
  }
  return Ok();
}

Status BulkRename(const std::string& root, SplitMix64& rng) {
  STORMPROOF_ASSIGN_OR_RETURN(const auto projects, ProjectFolders(root));
  const std::string& project = projects[rng.Below(projects.size())];
  return RenamePath(JoinPath(root, project), JoinPath(root, project + "-renamed-" + rng.Hex(4)));
}

Status ZipAndDelete(const std::string& root, SplitMix64& rng) {
  STORMPROOF_ASSIGN_OR_RETURN(const auto projects, ProjectFolders(root));
  const std::string& project = projects[rng.Below(projects.size())];
  const std::string folder = JoinPath(root, project);
  STORMPROOF_ASSIGN_OR_RETURN(const auto files, ListFiles(folder));
  ZipWriter zip;
  for (const std::string& file : files) {
    STORMPROOF_ASSIGN_OR_RETURN(std::string content, ReadWholeFile(JoinPath(folder, file)));
    zip.Add({BaseName(project) + "/" + file, std::move(content)});
  }
  STORMPROOF_TRY(WriteWholeFile(folder + ".zip", zip.Finish()));
  return RemoveTree(folder);
}

}  // namespace stormproof::testing::ransom::internal
