// checker: verifies a repository (`stormproof check`) and says exactly what is damaged.
//
// Structure check (always): every snapshot file decrypts, every pack the index names exists and
// its own header agrees with the index, every tree of every snapshot loads, and every blob a
// tree references is in the index. Data check (--read-data, or a subset of packs): every pack is
// read whole, once; its header must open and its blobs cover it exactly, and every blob in it
// must decrypt, decompress and hash to its id (so any changed byte is found: see
// docs/repository-format.md, "Verification"). Damage is mapped back to the snapshots and file paths
// it affects, so an MSP knows which restores would fail before an incident, not during one.
//
// Check() reads only; it takes no lock that blocks backups and deletes nothing. Thread-compatible.
#ifndef STORMPROOF_ENGINE_CHECKER_CHECKER_H_
#define STORMPROOF_ENGINE_CHECKER_CHECKER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/progress.h"
#include "engine/repository/repository.h"

namespace stormproof::checker {

struct CheckOptions {
  // Fraction of packs whose data is read and verified: 0 = structure only, 1 = --read-data.
  double read_data_fraction = 0;
};

struct CheckReport {
  std::vector<std::string> errors;      // one line each, naming the file/object (names and
                                        // paths escaped as `ls` shows them: EscapeName)
  std::vector<std::string> warnings;    // not errors, but worth acting on (weak key files)
  std::vector<std::string> notes;       // not errors (e.g. unreferenced packs)
  std::set<std::string> damaged_packs;  // pack ids (hex)
  // snapshot id (hex) -> paths inside it that cannot be restored intact (raw bytes)
  std::map<std::string, std::set<std::string>> affected;
  uint64_t snapshots = 0, packs = 0, trees = 0, blobs_read = 0, bytes_read = 0;
  // The process was interrupted (core/interrupt.h): the check stopped before the end (no further
  // pack read, no further snapshot walked), so what it did not reach is unverified.
  bool interrupted = false;

  bool ok() const { return errors.empty() && !interrupted; }
};

// Progress (on the calling thread): while the data check reads packs, the packs read so far out
// of those chosen (kPacks); the structure check reports none.
CheckReport Check(const repository::Repository& repo, const CheckOptions& options,
                  const ProgressFn& progress);

}  // namespace stormproof::checker

#endif  // STORMPROOF_ENGINE_CHECKER_CHECKER_H_
