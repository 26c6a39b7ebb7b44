#include "continuity/plan/loader.h"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include "core/text.h"
#include "continuity/plan/internal/entity_readers.h"
#include "continuity/plan/internal/node_reader.h"
#include "continuity/plan/internal/yaml_document.h"

namespace stormproof::plan {
namespace {

namespace fs = std::filesystem;
using yaml::Node;
using yaml::NodeKind;
using EntityReader = void (*)(const Source&, const Node&, Diagnostics*, Plan*);

// The collections any plan file may hold, and how to read one item of each.
const std::map<std::string, EntityReader, std::less<>>& Collections() {
  static const std::map<std::string, EntityReader, std::less<>> kCollections = {
      {"people", internal::ReadPerson},    {"roles", internal::ReadRole},
      {"clients", internal::ReadClient},   {"tiers", internal::ReadTier},
      {"systems", internal::ReadSystem},   {"vendors", internal::ReadVendor},
      {"sites", internal::ReadSite},       {"repositories", internal::ReadRepository},
      {"training", internal::ReadTraining}, {"scenarios", internal::ReadScenario}};
  return kCollections;
}

bool HasGlobChars(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

// Every key that may stand at the top of a plan file: the collections, `include`, and the root
// file's own keys (so that an included file setting `msp` is told it may not, rather than that
// it is not a plan file).
const std::vector<std::string_view>& PlanKeys() {
  static const std::vector<std::string_view> kKeys = [] {
    std::vector<std::string_view> keys = {"version", "msp", "review", "policy", "run", "include"};
    for (const auto& [name, reader] : Collections()) keys.push_back(name);
    return keys;
  }();
  return kKeys;
}

bool IsPlanKey(const Node& key) {
  return key.kind == NodeKind::kScalar &&
         std::find(PlanKeys().begin(), PlanKeys().end(), key.value) != PlanKeys().end();
}

// The file `fd` is open on, symlinks resolved, as /proc tells it; "" without /proc.
std::string OpenedPath(int fd) {
  std::error_code ec;
  fs::path path = fs::read_symlink("/proc/self/fd/" + std::to_string(fd), ec);
  return ec ? std::string() : path.string();
}

// 1-based line and column of byte `offset` in `text` (columns count bytes).
Mark MarkAtOffset(int file, std::string_view text, size_t offset) {
  Mark m{file, 1, 1};
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++m.line;
      m.column = 1;
    } else {
      ++m.column;
    }
  }
  return m;
}

class PlanLoader {
 public:
  PlanLoader(const LoadOptions& options, LoadResult* result)
      : options_(options), result_(result), out_(&result->diagnostics) {}

  // Reads the root file; included files come through Include().
  void LoadRoot(const std::string& path) {
    std::error_code ec;
    SetPlanDirectory(fs::absolute(path, ec).parent_path());
    seen_.insert(fs::weakly_canonical(path, ec).string());
    LoadFile(path, Mark{}, 0, /*outside=*/false);
  }

  // The directory tree includes must stay in (unless allowed otherwise).
  void SetPlanDirectory(const fs::path& dir) {
    std::error_code ec;
    plan_dir_ = fs::weakly_canonical(dir.empty() ? fs::path(".") : dir, ec);
    if (ec) plan_dir_ = fs::absolute(dir, ec).lexically_normal();
  }

  void LoadFile(const std::string& path, const Mark& from, int depth, bool outside) {
    std::string text;
    int file = AddFile(path, outside);
    if (!ReadWholeFile(path, file, from, &text)) return;
    LoadText(file, text, fs::path(path).parent_path().string(), depth);
  }

  // Parses and reads the text of file number `file`; includes resolve against `dir`.
  void LoadText(int file, std::string_view text, const std::string& dir, int depth) {
    if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // BOM
    size_t bad = FindInvalidUtf8(text);
    if (bad != std::string_view::npos) {
      char byte[8];
      std::snprintf(byte, sizeof byte, "0x%02x", static_cast<unsigned char>(text[bad]));
      return Unreadable(MarkAtOffset(file, text, bad),
                        std::string("not valid UTF-8 (byte ") + byte + "); save the file as UTF-8",
                        file);
    }
    yaml::Document doc;
    yaml::SyntaxError error;
    if (!doc.Parse(text, &error, expanded_)) {
      return Unreadable({file, error.line, error.column}, "YAML syntax: " + error.message, file);
    }
    expanded_ += doc.expanded_nodes();
    if (!doc.has_root() || yaml::IsNull(doc.root())) {
      return Unreadable({file, 1, 1}, "the file is empty; a plan needs at least 'msp' and 'tiers'",
                        file);
    }
    ReadTopLevel({&doc, file}, doc.root(), dir, depth);
  }

  int AddFile(const std::string& path, bool outside = false) {
    result_->plan.files.push_back(path);
    outside_.push_back(outside);
    return static_cast<int>(result_->plan.files.size()) - 1;
  }

 private:
  // `file` (an index into plan.files; -1 when none was added) could not be read or parsed.
  void Unreadable(const Mark& mark, std::string message, int file) {
    result_->readable = false;
    if (file >= 0) result_->unreadable_files.push_back(file);
    out_->Error(mark, "unreadable", std::move(message));
  }

  bool ReadWholeFile(const std::string& path, int file, const Mark& from, std::string* text) {
    Mark at = from.file >= 0 ? from : Mark{file, 0, 0};
    std::string shown = from.file >= 0 ? "included file '" + path + "'" : "";
    auto fail = [&](const std::string& why) {
      Unreadable(at, shown.empty() ? why : shown + ": " + why, file);
      return false;
    };
    int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return fail(std::string("cannot open: ") + std::strerror(errno));
    // Include() checked the path before opening it; what was opened is checked again, in case a
    // link along the way changed in between.
    std::string opened = from.file >= 0 && !options_.allow_include_outside ? OpenedPath(fd) : "";
    if (!opened.empty() && !Inside(opened)) {
      ::close(fd);
      out_->Error(at, "include-outside", OutsideMessage(path, path, opened));
      return false;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      return fail(S_ISDIR(st.st_mode) ? "is a directory, not a plan file" : "not a regular file");
    }
    uint64_t size = static_cast<uint64_t>(st.st_size);
    if (size > options_.max_file_bytes || total_bytes_ + size > options_.max_total_bytes) {
      ::close(fd);
      return fail("too large (" + std::to_string(size >> 20) + " MiB; the limit is " +
                  std::to_string(options_.max_file_bytes >> 20) + " MiB per file, " +
                  std::to_string(options_.max_total_bytes >> 20) + " MiB in all)");
    }
    total_bytes_ += size;
    text->resize(size);
    size_t got = 0;
    while (got < size) {
      ssize_t n = ::read(fd, text->data() + got, size - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    ::close(fd);
    if (got != size) return fail("could not read the whole file");
    return true;
  }

  void ReadTopLevel(const Source& source, const Node& root, const std::string& dir, int depth) {
    bool is_root = source.file == 0;
    std::string what = is_root ? "plan" : "included plan file";
    if (root.kind == NodeKind::kMapping && !root.children.empty() &&
        std::none_of(root.children.begin(), root.children.end(),
                     [&](int key) { return IsPlanKey(source.doc->node(key)); })) {
      return NotAPlanFile(source, root, what);
    }
    NodeReader r(source, root, what, out_);
    if (!r.ok()) {
      result_->readable = false;
      result_->unreadable_files.push_back(source.file);
      return;
    }
    if (is_root) ReadRootOnly(source, &r);
    for (const auto& [name, reader] : Collections()) {
      const Node* list = r.Child(name);
      if (list == nullptr) continue;
      ForEachItem(source, *list, name, out_, [&, reader = reader, &name = name](const Node& item) {
        reader(source, item, out_, &result_->plan);
        result_->items.push_back(internal::DescribeItem(source, item, name));
      });
    }
    if (const Node* includes = r.Child("include")) Includes(source, *includes, dir, depth);
    r.Finish();
  }

  // A mapping without a single plan key is some other file — a typo, or a secret file included
  // by mistake. It gets one message, quoting at most its first key (and nothing of it when the
  // file is outside the plan's directory), not an "unknown key" per line that would print it.
  void NotAPlanFile(const Source& source, const Node& root, const std::string& what) {
    const Node& first = source.doc->node(root.children[0]);
    size_t keys = root.children.size() / 2;
    std::string message = what + ": not a plan file: ";
    message += keys == 1 ? "its only top-level key"
                         : "none of its " + std::to_string(keys) + " top-level keys";
    std::string quoted;
    if (!outside_[source.file] && first.kind == NodeKind::kScalar) {
      quoted = yaml::Quote(first);
      constexpr size_t kLongestTypo = 64;
      std::string suggestion =
          first.value.size() <= kLongestTypo ? ClosestMatch(first.value, PlanKeys()) : "";
      if (!suggestion.empty()) quoted += " (did you mean '" + suggestion + "'?)";
    }
    if (keys == 1) {
      message += (quoted.empty() ? "" : ", " + quoted + ",") + " is not a plan key";
    } else {
      message += " is a plan key" + (quoted.empty() ? "" : "; the first is " + quoted);
    }
    Unreadable(source.MarkOf(first), message, source.file);
  }

  void ReadRootOnly(const Source& source, NodeReader* r) {
    int version = 1;
    if (r->Integer("version", &version, 1, 1000) && version != 1) {
      r->Problem(*r->Child("version"), "unsupported-version",
                 "plan format version " + std::to_string(version) +
                     " is newer than this stormproof understands (1)");
    }
    if (const Node* msp = r->Child("msp", Need::kRequired)) {
      internal::ReadOrganisation(source, *msp, out_, &result_->plan);
    }
    if (const Node* review = r->Child("review")) {
      internal::ReadReview(source, *review, out_, &result_->plan);
    }
    if (const Node* policy = r->Child("policy")) {
      internal::ReadPolicy(source, *policy, out_, &result_->plan);
    }
    if (const Node* run = r->Child("run")) {
      internal::ReadRunSettings(source, *run, out_, &result_->plan);
    }
  }

  void Includes(const Source& source, const Node& node, const std::string& dir, int depth) {
    std::vector<const Node*> items;
    if (node.kind == NodeKind::kScalar) {
      items.push_back(&node);
    } else {
      ForEachItem(source, node, "include", out_, [&](const Node& item) { items.push_back(&item); });
    }
    for (const Node* item : items) {
      Mark at = source.MarkOf(*item);
      if (item->kind != NodeKind::kScalar || item->value.empty()) {
        out_->Error(at, "wrong-type", "include: each item must be a file path or pattern");
        continue;
      }
      if (depth + 1 > options_.max_include_depth) {
        Unreadable(at,
                   "include: nested deeper than " + std::to_string(options_.max_include_depth) +
                       " files",
                   -1);
        continue;
      }
      for (const std::string& path : Expand(dir, item->value, at)) {
        // Name a glob's match as the pattern was written: relative to `dir` when it was.
        std::string written = item->value;
        if (HasGlobChars(written)) {
          written = fs::path(written).is_absolute()
                        ? path
                        : fs::path(path).lexically_relative(dir).string();
        }
        Include(path, written, at, depth + 1);
      }
    }
  }

  std::vector<std::string> Expand(const std::string& dir, const std::string& pattern,
                                  const Mark& at) {
    fs::path joined = fs::path(pattern).is_absolute() ? fs::path(pattern) : fs::path(dir) / pattern;
    std::string path = joined.lexically_normal().string();
    if (!HasGlobChars(pattern)) return {path};
    if (!options_.allow_include_outside) {
      // Do not list a directory outside the tree: check the part before the first wildcard.
      fs::path fixed;
      for (const fs::path& part : fs::path(path)) {
        if (HasGlobChars(part.string())) break;
        fixed /= part;
      }
      if (fixed.empty()) fixed = ".";
      std::error_code ec;
      fs::path resolved = fs::weakly_canonical(fixed, ec);
      if (!ec && !Inside(resolved)) {
        out_->Error(at, "include-outside", OutsideMessage(pattern, fixed, resolved.string()));
        return {};
      }
    }
    glob_t g{};
    std::vector<std::string> out;
    if (::glob(path.c_str(), 0, nullptr, &g) == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);  // sorted by glob
    }
    ::globfree(&g);
    if (out.empty()) {
      out_->Error(at, "include-matches-nothing",
                  "include: pattern '" + pattern + "' matches no file");
    }
    return out;
  }

  // `written` is how the plan names the file, for messages.
  void Include(const std::string& path, const std::string& written, const Mark& at, int depth) {
    std::error_code ec;
    fs::path resolved = fs::weakly_canonical(path, ec);
    if (ec) resolved = fs::absolute(path, ec).lexically_normal();
    bool outside = !Inside(resolved);
    if (outside && !options_.allow_include_outside) {
      out_->Error(at, "include-outside", OutsideMessage(written, path, resolved.string()));
      return;
    }
    if (!seen_.insert(resolved.string()).second) {
      out_->Error(at, "include-twice", "include: '" + path + "' is already part of the plan");
      return;
    }
    LoadFile(path, at, depth, outside);
  }

  // Whether `path` (absolute, symlinks resolved) is in the plan's directory tree.
  bool Inside(const fs::path& path) const {
    fs::path relative = path.lexically_relative(plan_dir_);
    return !relative.empty() && *relative.begin() != "..";
  }

  // "include 'x' (it resolves to y) is outside the plan's directory (d); pass ..." for the
  // include written `written`, found at `path` (joined to the including file's directory), which
  // resolves to `resolved`; the part in brackets only when following links led elsewhere.
  std::string OutsideMessage(const std::string& written, const fs::path& path,
                             const std::string& resolved) const {
    std::error_code ec;
    fs::path lexical = fs::absolute(path, ec).lexically_normal();
    std::string message = "include '" + written + "'";
    if (lexical.string() != resolved) message += " (it resolves to " + resolved + ")";
    return message + " is outside the plan's directory (" + plan_dir_.string() +
           "); pass --allow-include-outside to allow it";
  }

  const LoadOptions& options_;
  LoadResult* result_;
  Diagnostics* out_;
  uint64_t total_bytes_ = 0;
  int64_t expanded_ = 0;        // nodes aliases added in the files parsed so far
  fs::path plan_dir_;           // the root file's directory, absolute, symlinks resolved
  std::vector<bool> outside_;   // per file in plan.files: outside plan_dir_ (allowed)
  std::set<std::string> seen_;  // canonical paths of every file read
};

void Finalize(LoadResult* result) {
  result->plan.BuildIndex();
  internal::ApplyRunDefaults(&result->plan);
  result->diagnostics.SortByPosition();
}

}  // namespace

LoadResult LoadPlan(const std::string& path, const LoadOptions& options) {
  LoadResult result;
  PlanLoader loader(options, &result);
  loader.LoadRoot(path);
  Finalize(&result);
  return result;
}

LoadResult LoadPlanFromText(const std::string& name, const std::string& text,
                            const LoadOptions& options) {
  LoadResult result;
  PlanLoader loader(options, &result);
  loader.SetPlanDirectory(".");
  int file = loader.AddFile(name);
  if (text.size() > options.max_file_bytes) {
    result.readable = false;
    result.diagnostics.Error({file, 0, 0}, "unreadable", "too large");
    result.unreadable_files.push_back(file);
  } else {
    loader.LoadText(file, text, ".", 0);
  }
  Finalize(&result);
  return result;
}

}  // namespace stormproof::plan
