#include "engine/copier/internal/id_map.h"

namespace stormproof::copier::internal {

std::optional<Id> IdMap::Data(const Id& source) const {
  auto it = data_.find(source);
  if (it == data_.end()) return std::nullopt;
  return it->second;
}

const MappedTree* IdMap::Tree(const Id& source) const {
  auto it = trees_.find(source);
  return it == trees_.end() ? nullptr : &it->second;
}

}  // namespace stormproof::copier::internal
