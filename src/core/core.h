// core: the vocabulary every other stormproof library shares — Result/Error for failure,
// Duration/Cadence/Date for time as plans state it, instants, clocks and
// their printed forms (time.h), crash-safe file writes, secrets wiped after
// use, progress events in explicit units for long operations (progress.h), and small text
// helpers. It depends on nothing but the standard library. All types are
// plain values (thread-compatible), except Mutex/MutexLock (mutex.h), the annotated mutex that
// clang's thread-safety analysis checks (thread_annotations.h).
#ifndef STORMPROOF_CORE_CORE_H_
#define STORMPROOF_CORE_CORE_H_

#include "core/bytes.h"
#include "core/date.h"
#include "core/duration.h"
#include "core/file_io.h"
#include "core/mutex.h"
#include "core/progress.h"
#include "core/result.h"
#include "core/secret.h"
#include "core/text.h"
#include "core/thread_annotations.h"
#include "core/time.h"

#endif  // STORMPROOF_CORE_CORE_H_
