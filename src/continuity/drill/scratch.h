// The scratch directory a drill restores into: a fresh, private (0700) directory
// `<parent>/stormproof-drill-<system>-XXXXXX` holding `restore/`, removed when the drill ends
// unless kept. Removal never follows symlinks out of the directory and first makes restored
// read-only directories writable so everything inside can go. Not thread-safe; move-only.
//
// A restored copy is client data, so one must never outlive its drill by accident. Each scratch
// directory holds an owner file (kOwnerFile: host, pid, PID namespace, boot id and the process's
// start time, as repository locks record them) for as long as its drill runs; a kept copy loses
// it. RemoveAbandoned finds the copies of drills that died without cleaning up (SIGKILL, a
// crash, a power cut) by their owner file and removes them; a copy whose owner still runs, or
// runs on another host (a shared scratch disk), or that has no owner file (kept, or not made by
// a drill) is left alone.
#ifndef STORMPROOF_CONTINUITY_DRILL_SCRATCH_H_
#define STORMPROOF_CONTINUITY_DRILL_SCRATCH_H_

#include <string>
#include <vector>

#include "core/result.h"

namespace stormproof::drill {

class ScratchDirectory {
 public:
  // `parent` "" = $TMPDIR, else /var/tmp (restores can be large: not /tmp, often a small
  // tmpfs). Creates `parent` when missing. Errors: kIo naming the directory.
  static Result<ScratchDirectory> Make(const std::string& parent, const std::string& system_id);

  ScratchDirectory(ScratchDirectory&& other) noexcept;
  ScratchDirectory& operator=(ScratchDirectory&&) = delete;
  ScratchDirectory(const ScratchDirectory&) = delete;
  ~ScratchDirectory();  // removes the directory unless kept or already removed (errors ignored)

  const std::string& path() const { return path_; }
  std::string restore_path() const { return path_ + "/restore"; }

  // The directory stays when this object goes (drill --keep); it is no longer the drill's
  // (its owner file goes), so RemoveAbandoned never touches it.
  void Keep();
  // Removes the whole directory now (no-op when kept). Errors: kIo naming what could not go.
  Status Remove();

  // The owner file inside each scratch directory while its drill runs.
  static constexpr const char* kOwnerFile = ".stormproof-drill-owner";

  struct Abandoned {
    std::vector<std::string> removed;  // the scratch copies removed
    std::vector<std::string> errors;   // one line per copy that could not be removed
  };
  // Removes the scratch copies under `parent` ("" as for Make) whose drill died on this host:
  // `stormproof-drill-*` directories of this user with mode 0700 (as Make creates them) whose
  // owner file, a regular file of this user, names a process of this machine (same host, boot
  // and PID namespace) that no longer runs. Never fails: a parent that does not exist has
  // nothing abandoned, and what cannot be removed is listed in `errors`.
  static Abandoned RemoveAbandoned(const std::string& parent);

 private:
  explicit ScratchDirectory(std::string path) : path_(std::move(path)) {}
  std::string path_;
  bool kept_ = false;
  bool removed_ = false;
};

}  // namespace stormproof::drill

#endif  // STORMPROOF_CONTINUITY_DRILL_SCRATCH_H_
