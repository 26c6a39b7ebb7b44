// analysis: what a loaded plan means for recovery — the restore order (restore_order.h) and the
// single-point-of-failure audit (audit.h), and what of that audit one client may read
// (client_view.h). Analyses read plan structs only, never YAML, and are
// pure functions (thread-safe).
#ifndef STORMPROOF_ANALYSIS_ANALYSIS_H_
#define STORMPROOF_ANALYSIS_ANALYSIS_H_

#include "analysis/audit.h"
#include "analysis/backup_shape.h"
#include "analysis/client_view.h"
#include "analysis/restore_order.h"

#endif  // STORMPROOF_ANALYSIS_ANALYSIS_H_
