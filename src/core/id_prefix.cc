#include "core/id_prefix.h"

namespace stormproof {

Result<size_t> FindByIdPrefix(const std::vector<std::string>& ids, std::string_view prefix,
                              std::string_view what) {
  std::vector<size_t> found;
  for (size_t i = 0; i < ids.size() && !prefix.empty(); ++i) {
    if (ids[i].starts_with(prefix)) found.push_back(i);
  }
  const std::string quoted = "'" + std::string(prefix) + "'";
  if (found.empty()) return Error::NotFound("no " + std::string(what) + " " + quoted);
  if (found.size() > 1) {
    return Error::InvalidArgument(std::string(what) + " prefix " + quoted + " is ambiguous (" +
                                  std::to_string(found.size()) + " match)");
  }
  return found.front();
}

}  // namespace stormproof
