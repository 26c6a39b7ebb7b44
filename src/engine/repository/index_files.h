// Index files on the backend (index/<sha256 of the file>): reading one, saving one, and reading
// them all for maintenance. The plaintext encoding is index.h's.
#ifndef STORMPROOF_ENGINE_REPOSITORY_INDEX_FILES_H_
#define STORMPROOF_ENGINE_REPOSITORY_INDEX_FILES_H_

#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/backend/backend.h"
#include "core/result.h"
#include "engine/crypto/crypto.h"
#include "engine/repository/index.h"

namespace stormproof::repository {

// Reads, verifies (name = SHA-256 of the content, authentication) and decodes the index file
// `name`. Errors: the backend's, or kCorrupt (content not matching its name, authentication
// failed) / kFailedCheck (malformed) when damaged; the caller names the file.
Result<std::vector<IndexedPack>> LoadIndexFile(backend::Backend& backend, const crypto::Key& master,
                                               const std::string& name);

// Seals `packs` into one index file and saves it (atomically, durably) under its content hash.
// Returns the file's name. Errors name the file.
Result<std::string> SaveIndexFile(backend::Backend& backend, const crypto::Key& master,
                                  std::span<const IndexedPack> packs);

// After `name` (listing `packs`) was written under a lock that turned out lost: others may already
// rely on its entries, so it is kept as long as every pack it names exists; otherwise it is
// replaced by a file naming only the packs that do (none: removed). Never drops an entry whose
// pack exists. Errors: the backend's.
Status KeepOnlyExistingPacks(backend::Backend& backend, const crypto::Key& master,
                             const std::string& name, std::span<const IndexedPack> packs);

// Every index file and every pack they list. A pack listed by several files appears once, with
// the union of the entries the files list for it: entries equal in every field are merged, but
// entries that disagree (for one offset of the pack, or for one blob in it, any field differs)
// are all listed, since an index file can lie (a backup host holds the password and may add
// files). Which is true only reading the pack can tell: prune does before it rewrites the index
// (pruner.h). The in-memory index (BlobIndex) is built from the files, not from this listing.
struct IndexListing {
  std::vector<std::string> files;
  std::vector<IndexedPack> packs;
};

// Builds an IndexListing from index files read one at a time.
class IndexListingBuilder {
 public:
  // Adds the index file `name` (its packs, or none when it could not be read).
  void AddFile(const std::string& name, std::vector<IndexedPack> packs);
  IndexListing Take() { return std::move(listing_); }

 private:
  IndexListing listing_;
  std::unordered_map<Id, size_t, crypto::IdHash> position_;  // pack -> into listing_.packs
};

}  // namespace stormproof::repository

#endif  // STORMPROOF_ENGINE_REPOSITORY_INDEX_FILES_H_
