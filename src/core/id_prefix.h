// Naming an item by a unique prefix of its id, as users do with snapshot, key and restore point
// ids ("3f2a" for "3f2a9c07..."). The one rule every command follows. Pure; thread-safe.
#ifndef STORMPROOF_CORE_ID_PREFIX_H_
#define STORMPROOF_CORE_ID_PREFIX_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace stormproof {

// The index in `ids` of the only id that starts with `prefix` (a whole id is its own prefix).
// `what` names the kind of item in errors ("snapshot", "key").
// Errors: kNotFound "no <what> '<prefix>'" when `prefix` is empty or no id starts with it;
// kInvalidArgument "<what> prefix '<prefix>' is ambiguous (<n> match)" when several do.
Result<size_t> FindByIdPrefix(const std::vector<std::string>& ids, std::string_view prefix,
                              std::string_view what);

}  // namespace stormproof

#endif  // STORMPROOF_CORE_ID_PREFIX_H_
