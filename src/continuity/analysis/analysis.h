// analysis: what a loaded plan means for recovery — the restore order (restore_order.h) and the
// single-point-of-failure audit (audit.h), and what of that audit one client may read
// (client_view.h). Analyses read plan structs only, never YAML, and are
// pure functions (thread-safe).
#ifndef STORMPROOF_CONTINUITY_ANALYSIS_ANALYSIS_H_
#define STORMPROOF_CONTINUITY_ANALYSIS_ANALYSIS_H_

#include "continuity/analysis/audit.h"
#include "continuity/analysis/backup_shape.h"
#include "continuity/analysis/client_view.h"
#include "continuity/analysis/restore_order.h"

#endif  // STORMPROOF_CONTINUITY_ANALYSIS_ANALYSIS_H_
