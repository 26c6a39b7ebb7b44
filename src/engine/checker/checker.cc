#include "engine/checker/checker.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/interrupt.h"
#include "core/text.h"
#include "engine/checker/internal/key_verifier.h"
#include "engine/checker/internal/pack_verifier.h"
#include "engine/repository/index.h"
#include "engine/repository/tree_store.h"

namespace stormproof::checker {
namespace {

using repository::BlobLocation;
using repository::BlobType;
using repository::Id;
using repository::Repository;

// Packs read and verified at once by check --read-data: two per core, so that while some wait
// for the disk (a repository checked on schedule is not in memory) the others decrypt and hash.
unsigned ReadThreads() { return std::clamp(2 * std::thread::hardware_concurrency(), 2u, 16u); }
// Deeper trees are reported, not followed: a path of 4096 bytes has at most 2048 levels.
constexpr int kMaxDepth = 4096;

// Damage found under a tree: (path relative to it, what is wrong).
using Damage = std::vector<std::pair<std::string, std::string>>;

class Checker {
 public:
  Checker(const Repository& repo, const CheckOptions& options, const ProgressFn& progress)
      : repo_(repo), options_(options), progress_(progress) {}

  CheckReport Run() {
    VerifyKeysAndConfig(repo_, &report_.errors, &report_.warnings);
    std::vector<repository::Snapshot> snapshots = LoadSnapshots();
    CheckEvidence();
    // A backup beside us writes its index before its snapshot: the index read after the
    // snapshots names every blob they use.
    Status refreshed = repo_.RefreshIndex();
    if (!refreshed) Error("reading the index: " + refreshed.error().message());
    for (const repository::DamagedFile& f : repo_.DamagedIndexFiles()) {
      Error("index " + f.name + ": " + f.reason + " (run 'stormproof repair index')");
    }
    ReportIgnoredLocations();
    std::vector<Id> packs = CheckPacks();
    if (!Stopped()) ReadData(packs);
    for (const repository::Snapshot& s : snapshots) {
      if (Stopped()) break;
      WalkSnapshot(s);
    }
    return std::move(report_);
  }

 private:
  // Interrupted (core/interrupt.h): the rest of the check is left undone, and the report says so.
  bool Stopped() {
    report_.interrupted = Interrupted();
    return report_.interrupted;
  }

  void Error(std::string line) { report_.errors.push_back(std::move(line)); }

  std::vector<repository::Snapshot> LoadSnapshots() {
    std::vector<repository::Snapshot> out;
    Status listed =
        repo_.backend().List(backend::FileType::kSnapshot, [&](const std::string& name, uint64_t) {
          auto id = Id::FromHex(name);
          if (!id) return Error("snapshot file " + EscapeName(name) + ": not a valid name");
          auto snapshot = repo_.LoadSnapshot(*id);
          // Forgotten since the listing (forget holds a shared lock, as check does): not damage.
          if (!snapshot && snapshot.error().code() == ErrorCode::kNotFound) return;
          if (!snapshot) return Error("snapshot " + name + ": " + snapshot.error().message());
          out.push_back(std::move(snapshot).value());
        });
    if (!listed) Error("listing snapshots: " + listed.error().message());
    report_.snapshots = out.size();
    return out;
  }

  // Every evidence file (catalog records carried beside the backups) and every mark opens under
  // the master key.
  void CheckEvidence() {
    Result<std::vector<std::string>> names = repo_.ListEvidence();
    if (!names) return Error("listing evidence: " + names.error().message());
    for (const std::string& name : *names) {
      auto evidence = repo_.LoadEvidence(name);
      if (!evidence && evidence.error().code() != ErrorCode::kNotFound) {
        Error(evidence.error().message());
      }
    }
    std::vector<repository::DamagedFile> damaged;
    Result<repository::MarkSet> marks = repo_.LoadMarks(&damaged);
    if (!marks) return Error("listing marks: " + marks.error().message());
    for (const repository::DamagedFile& file : damaged) {
      Error(file.reason.starts_with("mark ") ? file.reason
                                             : "mark " + file.name + ": " + file.reason);
    }
  }

  // A damaged or planted index file that names blobs in more places than are kept.
  void ReportIgnoredLocations() {
    repository::IgnoredLocations ignored = repo_.IgnoredIndexLocations();
    if (ignored.locations == 0) return;
    Error("index: " + std::to_string(ignored.locations) + " locations of " +
          std::to_string(ignored.blobs) + " blobs ignored, past the " +
          std::to_string(repository::BlobIndex::kMaxLocationsPerBlob) +
          " kept per blob (a damaged or planted index file; run 'stormproof repair index')");
  }

  // Compares the packs on disk with the index (every location of every blob) and with their own
  // headers.
  std::vector<Id> CheckPacks() {
    std::unordered_map<Id, std::vector<std::pair<Id, BlobLocation>>, crypto::IdHash> indexed;
    repo_.ForEachIndexedLocation([&](const Id& blob, const BlobLocation& at) {
      indexed[at.pack].push_back({blob, at});
    });
    std::unordered_set<Id, crypto::IdHash> on_disk;
    Status listed =
        repo_.backend().List(backend::FileType::kPack, [&](const std::string& name, uint64_t) {
          if (auto id = Id::FromHex(name)) on_disk.insert(*id);
        });
    if (!listed) Error("listing packs: " + listed.error().message());
    std::vector<Id> packs;
    for (const auto& [pack, blobs] : indexed) {
      if (!on_disk.count(pack)) {
        Damaged(pack, "pack " + pack.Hex() + ": named by the index but missing");
        continue;
      }
      packs.push_back(pack);
      CompareHeader(pack, blobs);
    }
    for (const Id& pack : on_disk) {
      if (!indexed.count(pack)) {
        report_.notes.push_back(
            "pack " + pack.Hex() +
            (repo_.DamagedIndexFiles().empty()
                 ? ": not in any index (prune removes it)"
                 : ": not in any readable index ('stormproof repair index' restores it)"));
      }
    }
    std::sort(packs.begin(), packs.end());
    report_.packs = packs.size();
    return packs;
  }

  // An index entry that the pack's header does not list, at that place with that length and
  // raw length, is a wrong entry (a damaged or planted index file), not damage to the pack: that
  // location is unusable, the pack's others are not.
  void CompareHeader(const Id& pack, const std::vector<std::pair<Id, BlobLocation>>& blobs) {
    auto header = repo_.ReadPackHeader(pack);
    if (!header) return Damaged(pack, header.error().message());  // it names the pack
    std::unordered_multimap<Id, BlobLocation, crypto::IdHash> listed(header->begin(),
                                                                     header->end());
    std::vector<Id> wrong;
    for (const auto& blob : blobs) {
      const Id& id = blob.first;
      const BlobLocation& at = blob.second;
      auto [first, last] = listed.equal_range(id);
      if (std::none_of(first, last, [&at](const auto& entry) {
            return entry.second.offset == at.offset && entry.second.length == at.length &&
                   entry.second.raw_length == at.raw_length;
          })) {
        wrong.push_back(id);
        wrong_entries_.insert(EntryKey(id, at));
      }
    }
    if (wrong.empty()) return;
    std::string others =
        wrong.size() > 1 ? " (nor " + std::to_string(wrong.size() - 1) + " other entries)" : "";
    Error("pack " + pack.Hex() + ": its header does not list blob " + wrong.front().Hex() +
          " as the index does (place or length)" + others + " (run 'stormproof repair index')");
  }

  // One index entry: a blob at a place in a pack, with its lengths (an entry that lies only
  // about a length is wrong, the true one at the same place is not).
  static std::string EntryKey(const Id& blob, const BlobLocation& at) {
    return at.pack.Hex() + blob.Hex() + std::to_string(at.offset) + "/" +
           std::to_string(at.length) + "/" + std::to_string(at.raw_length);
  }

  void Damaged(const Id& pack, std::string line) {
    report_.damaged_packs.insert(pack.Hex());
    Error(std::move(line));
  }

  std::vector<Id> PacksToRead(const std::vector<Id>& packs) {
    if (options_.read_data_fraction >= 1) return packs;
    if (options_.read_data_fraction <= 0) return {};
    std::vector<Id> chosen = packs;
    std::shuffle(chosen.begin(), chosen.end(), std::mt19937(std::random_device{}()));
    size_t n = static_cast<size_t>(std::ceil(options_.read_data_fraction * packs.size()));
    chosen.resize(std::min(chosen.size(), std::max<size_t>(n, 1)));
    return chosen;
  }

  // Reads the chosen packs (skipping those whose header already failed) and verifies every
  // blob in them, ReadThreads() packs at a time.
  void ReadData(const std::vector<Id>& packs) {
    std::vector<Id> chosen = PacksToRead(packs);
    std::erase_if(chosen, [&](const Id& p) { return report_.damaged_packs.count(p.Hex()) > 0; });
    uint64_t done = 0;
    auto report = [&] {
      if (progress_) progress_(ProgressEvent().Count(ProgressUnit::kPacks, done, chosen.size()));
    };
    if (!chosen.empty()) report();
    VerifyPacks(repo_, chosen, ReadThreads(), [&](PackVerdict verdict) {
      Merge(std::move(verdict));
      ++done;
      report();
    });
  }

  // A pack with a bad blob has an error line for it, so the pack is marked damaged.
  void Merge(PackVerdict verdict) {
    report_.bytes_read += verdict.bytes_read;
    report_.blobs_read += verdict.blobs_read;
    for (std::string& line : verdict.errors) Damaged(verdict.pack, std::move(line));
  }

  // Whether some location of the blob is in a pack that passed (a blob located twice survives
  // a damaged or forged copy: LoadBlob falls back to the next).
  bool BlobUsable(BlobType type, const Id& id) {
    for (const BlobLocation& at : repo_.FindBlobLocations(type, id)) {
      if (!report_.damaged_packs.count(at.pack.Hex()) && !wrong_entries_.count(EntryKey(id, at))) {
        return true;
      }
    }
    return false;
  }

  void WalkSnapshot(const repository::Snapshot& s) {
    for (const auto& [path, why] : DamageUnder(s.tree, 0)) {
      Affected(s, path.empty() ? "/" : path, why);
    }
  }

  // The damage under tree `id`: paths relative to it ("" for the tree itself) and why. Computed
  // once per tree for all snapshots, so a tree shared by many snapshots (or by two directories
  // with the same content) is read once and its damage named under every path that uses it.
  const Damage& DamageUnder(const Id& id, int depth) {
    static const Damage kNone;
    if (clean_trees_.contains(id)) return kNone;
    if (auto it = damaged_trees_.find(id); it != damaged_trees_.end()) return it->second;
    Damage damage;
    if (depth > kMaxDepth || !walking_.insert(id).second) {
      damage.emplace_back("", "tree " + id.Hex() + " contains itself or is nested too deep");
      return damaged_trees_.emplace(id, std::move(damage)).first->second;
    }
    ++report_.trees;
    auto tree = LoadTree(id);
    if (!tree) {
      damage.emplace_back("", "tree " + id.Hex() + ": " + tree.error().message());
    } else {
      for (const repository::Node& node : tree->nodes) {
        std::string child = "/" + node.name;
        for (const Id& blob : node.content) {
          if (!BlobUsable(BlobType::kData, blob)) {
            damage.emplace_back(child, "data blob " + blob.Hex() + " is missing or damaged");
            break;
          }
        }
        if (!node.subtree) continue;
        for (const auto& [path, why] : DamageUnder(*node.subtree, depth + 1)) {
          damage.emplace_back(child + path, why);
        }
      }
    }
    walking_.erase(id);
    if (damage.empty()) {
      clean_trees_.insert(id);
      return kNone;
    }
    // References into an unordered_map stay valid as it grows.
    return damaged_trees_.emplace(id, std::move(damage)).first->second;
  }

  // A tree, a split one's parts joined; each blob must be usable (in a pack that passed).
  Result<repository::Tree> LoadTree(const Id& id) {
    return repository::LoadTree(
        [this](const Id& blob) -> Result<Bytes> {
          if (!BlobUsable(BlobType::kTree, blob)) {
            return Error::NotFound("missing or in a damaged pack");
          }
          return repo_.LoadBlob(BlobType::kTree, blob);
        },
        id);
  }

  void Affected(const repository::Snapshot& s, const std::string& path, const std::string& why) {
    auto& paths = report_.affected[s.id.Hex()];
    if (paths.insert(path).second) {
      Error("snapshot " + s.id.ShortHex() + ": " + EscapeName(path) + ": " + why);
    }
  }

  const Repository& repo_;
  const CheckOptions& options_;
  const ProgressFn& progress_;
  CheckReport report_;
  std::unordered_set<std::string> wrong_entries_;       // EntryKey: see CompareHeader
  std::unordered_set<Id, crypto::IdHash> clean_trees_;  // nothing damaged under them
  std::unordered_map<Id, Damage, crypto::IdHash> damaged_trees_;
  std::unordered_set<Id, crypto::IdHash> walking_;  // trees on the current path
};

}  // namespace

CheckReport Check(const repository::Repository& repo, const CheckOptions& options,
                  const ProgressFn& progress) {
  return Checker(repo, options, progress).Run();
}

}  // namespace stormproof::checker
