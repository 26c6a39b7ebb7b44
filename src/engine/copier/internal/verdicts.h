// Later verdicts follow the copies (copier.h, "Verdicts given later").
#ifndef STORMPROOF_ENGINE_COPIER_INTERNAL_VERDICTS_H_
#define STORMPROOF_ENGINE_COPIER_INTERNAL_VERDICTS_H_

#include <cstddef>
#include <map>
#include <span>

#include "core/result.h"
#include "engine/copier/copier.h"
#include "engine/repository/repository.h"

namespace stormproof::copier::internal {

// For each pair in `copied` (source snapshot -> its copy), the source's most severe verdict
// given later (MarkSet::WorstLaterVerdict: never a false alarm) is written on the copy when it is
// worse than what the copy stands at in `destination` (its record's level raised by its own
// verdict marks). The mark is the source's with the copy's id; its `because` names the copy of
// that snapshot when `copy_of` has one, else nothing. Returns how many marks were written.
// Errors: LoadMarks' of either repository, SaveMark's (the destination's locks are ours).
Result<size_t> CarryVerdicts(const repository::Repository& source,
                             repository::Repository& destination,
                             std::span<const CopiedSnapshot> copied,
                             const std::map<repository::Id, repository::Id>& copy_of);

}  // namespace stormproof::copier::internal

#endif  // STORMPROOF_ENGINE_COPIER_INTERNAL_VERDICTS_H_
