// core: the vocabulary every other stormproof library shares — Result/Error for failure,
// Duration/Cadence/Date for time as plans state it, crash-safe file writes, secrets wiped after
// use, and small text helpers. It depends on nothing but the standard library. All types are
// plain values (thread-compatible).
#ifndef STORMPROOF_CORE_CORE_H_
#define STORMPROOF_CORE_CORE_H_

#include "core/bytes.h"
#include "core/date.h"
#include "core/duration.h"
#include "core/file_io.h"
#include "core/result.h"
#include "core/secret.h"
#include "core/text.h"

#endif  // STORMPROOF_CORE_CORE_H_
