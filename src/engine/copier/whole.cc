#include "engine/copier/internal/whole.h"

#include <string>
#include <unordered_set>

#include "engine/backend/backend.h"
#include "engine/crypto/crypto.h"
#include "engine/repository/tree.h"
#include "engine/walker/walker.h"

namespace stormproof::copier::internal {
namespace {

using repository::BlobType;
using repository::Id;

// The packs holding the blobs met, or kNotFound naming the first blob the index lacks.
class PacksNeeded {
 public:
  explicit PacksNeeded(const repository::Repository& repo) : repo_(repo) {}
  Status Add(BlobType type, const Id& id, const std::string& where) {
    auto at = repo_.FindBlob(type, id);
    if (!at) {
      return Error::NotFound(where + ": " + (type == BlobType::kTree ? "tree" : "data") +
                             " blob " + id.Hex() + " is not in the index");
    }
    packs_.insert(at->pack);
    return Ok();
  }
  const std::unordered_set<Id, crypto::IdHash>& packs() const { return packs_; }

 private:
  const repository::Repository& repo_;
  std::unordered_set<Id, crypto::IdHash> packs_;
};

}  // namespace

Status SnapshotIsWhole(const repository::Repository& repo, const repository::Snapshot& snapshot) {
  const std::string of = " of snapshot " + snapshot.id.ShortHex();
  PacksNeeded needed(repo);
  walker::DistinctTreeWalker walker(repo, walker::Follow::kEverySubtree);
  auto visit = [&](const walker::TreeVisit& tree) -> Status {
    const std::string where = "tree " + tree.id.Hex() + of;
    STORMPROOF_TRY(needed.Add(BlobType::kTree, tree.id, where));
    for (const Id& part : tree.parts) STORMPROOF_TRY(needed.Add(BlobType::kTree, part, where));
    for (const repository::Node& node : tree.tree.nodes) {
      for (const Id& data : node.content) STORMPROOF_TRY(needed.Add(BlobType::kData, data, where));
    }
    return Ok();
  };
  auto context = [&](const Id& id) { return "tree " + id.Hex() + of; };
  STORMPROOF_TRY(walker.Walk(snapshot.tree, visit, context));
  std::unordered_set<Id, crypto::IdHash> present;
  STORMPROOF_TRY(
      repo.backend().List(backend::FileType::kPack, [&](const std::string& name, uint64_t) {
        if (auto id = Id::FromHex(name); id && needed.packs().contains(*id)) present.insert(*id);
      }));
  for (const Id& pack : needed.packs()) {
    if (!present.contains(pack)) {
      return Error::NotFound("pack " + pack.Hex() + ", which holds blobs" + of + ", is not in " +
                             repo.backend().Location());
    }
  }
  return Ok();
}

}  // namespace stormproof::copier::internal
