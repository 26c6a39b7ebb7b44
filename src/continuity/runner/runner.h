// runner: `stormproof run`, the job cron or a systemd timer calls every few minutes. From the
// plan, the time and what the catalog says was done, it decides what is due — backups by each
// system's RPO with a safety margin, copies into the plan's copy_from repositories, the tier's
// retention, checks, prunes and restore drills by the tier's drill frequency (decide.h) — runs it with bounded concurrency, records every action
// in the catalog (run.h), and says which objectives are breached afterwards.
//
// Layers: GatherFacts (facts.h) reads the catalog and lists external repositories; Decide is
// pure; Execute does the work; RunRecordedDrill (drill_job.h) is the drill as `stormproof drill`
// runs it too. Decide and Breaches are thread-safe pure functions; Execute is thread-compatible
// (one call at a time per catalog is not required: the catalog is thread-safe).
#ifndef STORMPROOF_CONTINUITY_RUNNER_RUNNER_H_
#define STORMPROOF_CONTINUITY_RUNNER_RUNNER_H_

#include "continuity/runner/decide.h"     // IWYU pragma: export
#include "continuity/runner/drill_job.h"  // IWYU pragma: export
#include "continuity/runner/facts.h"      // IWYU pragma: export
#include "continuity/runner/locations.h"  // IWYU pragma: export
#include "continuity/runner/run.h"        // IWYU pragma: export

#endif  // STORMPROOF_CONTINUITY_RUNNER_RUNNER_H_
