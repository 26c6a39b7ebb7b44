// The scratch directory a drill restores into: a fresh, private (0700) directory
// `<parent>/stormproof-drill-<system>-XXXXXX` holding `restore/`, removed when the drill ends
// unless kept. Removal never follows symlinks out of the directory and first makes restored
// read-only directories writable so everything inside can go. Not thread-safe; move-only.
#ifndef STORMPROOF_DRILL_SCRATCH_H_
#define STORMPROOF_DRILL_SCRATCH_H_

#include <string>

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

  // The directory stays when this object goes (drill --keep).
  void Keep() { kept_ = true; }
  // Removes the whole directory now (no-op when kept). Errors: kIo naming what could not go.
  Status Remove();

 private:
  explicit ScratchDirectory(std::string path) : path_(std::move(path)) {}
  std::string path_;
  bool kept_ = false;
  bool removed_ = false;
};

}  // namespace stormproof::drill

#endif  // STORMPROOF_DRILL_SCRATCH_H_
