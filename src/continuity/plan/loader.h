// Loading a plan: reading the root YAML file and every file it includes into a Plan.
//
// The loader reports every problem it can find in one pass — syntax errors, wrong types,
// unknown keys, bad durations — rather than stopping at the first. Rules that need the whole
// plan (references, cycles, objectives) are in validate.h. Thread-compatible: one call per plan.
#ifndef STORMPROOF_CONTINUITY_PLAN_LOADER_H_
#define STORMPROOF_CONTINUITY_PLAN_LOADER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "continuity/plan/diagnostics.h"
#include "continuity/plan/plan.h"
#include "continuity/plan/written_items.h"

namespace stormproof::plan {

struct LoadOptions {
  // A file larger than this is refused with an error instead of being read. Default 64 MiB.
  uint64_t max_file_bytes = 64ull << 20;
  // All files together; default 512 MiB.
  uint64_t max_total_bytes = 512ull << 20;
  // Include depth limit (a.yaml includes b.yaml includes ...). Default 16.
  int max_include_depth = 16;
  // By default an include must resolve, symlinks followed, to a file inside the root file's
  // directory tree (for LoadPlanFromText, the current directory's); one outside it is an
  // `include-outside` error and is neither opened nor read. True lets includes go anywhere
  // (the command line's --allow-include-outside). Default false.
  bool allow_include_outside = false;
};

struct LoadResult {
  Plan plan;
  Diagnostics diagnostics;
  // False when some file could not be read or parsed at all (missing, not a regular file,
  // too large, not UTF-8, YAML syntax error). The plan then holds what the other files said.
  bool readable = true;
  // Those files, as indexes into plan.files (0 is the root file itself). An include that names
  // no file, or one outside the plan's directory, adds none: the problem is at the include.
  std::vector<int> unreadable_files;
  // Where each item of each collection was written, in reading order (written_items.h).
  std::vector<WrittenItem> items;
};

// Loads the plan rooted at `path`. Never fails outright: problems are in the diagnostics.
// Aliases may add at most yaml::Document::kMaxExpandedNodes nodes to the whole plan, all files
// together. A file none of whose top-level keys is a plan key is unreadable with one message that
// shows at most its first key (and nothing of it when it is outside the plan's directory), so a
// file included by mistake is never printed line by line.
LoadResult LoadPlan(const std::string& path, const LoadOptions& options = {});

// Loads a plan from YAML text held in memory, named `name` in diagnostics. Includes are
// resolved relative to the current directory. For tests and fuzzing.
LoadResult LoadPlanFromText(const std::string& name, const std::string& text,
                            const LoadOptions& options = {});

}  // namespace stormproof::plan

#endif  // STORMPROOF_CONTINUITY_PLAN_LOADER_H_
