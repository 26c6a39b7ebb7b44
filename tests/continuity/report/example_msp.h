// The example MSP (examples/acme-msp/plan.yaml) for report tests: its plan, and a catalog of
// made-up evidence over the 90 days before kExampleNow, so that its readiness reports have every
// section and chart a real one has (backups, a sawtooth per system, passed and failed drills).
#ifndef STORMPROOF_TESTS_CONTINUITY_REPORT_EXAMPLE_MSP_H_
#define STORMPROOF_TESTS_CONTINUITY_REPORT_EXAMPLE_MSP_H_

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "continuity/catalog/catalog.h"
#include "core/date.h"
#include "continuity/plan/plan.h"

namespace stormproof::testing {

// The report's end: 2026-12-01 00:00 UTC (the example's evidence dates are in late 2026).
extern const int64_t kExampleNow;
extern const Date kExampleToday;

// Loads the example plan from the source tree; adds a test failure for every plan error.
plan::Plan LoadExamplePlan();

// The system hit by simulated ransomware in the example's evidence: Ledger & Lane's file server.
extern const char* const kRansomwareVictim;

// Records, for every system with a backup repository: a backup every 12 hours to its first
// repository and daily to the others over the 91 days before kExampleNow (with a two-day outage
// 20 days before it for every third system), each judged clean by ransomware detection, and
// three drills 25, 15 and 5 days before it (the last one failed for every fourth system). The
// backups of kRansomwareVictim from 30 hours before kExampleNow on are infected: the first one
// into each repository held the three newest clean snapshots there, and a forget after it saw
// the holds. Deterministic.
Status AddExampleEvidence(const plan::Plan& plan, catalog::Catalog& catalog);

// A fresh catalog under `dir` (created) holding AddExampleEvidence().
Result<std::unique_ptr<catalog::Catalog>> OpenExampleCatalog(const plan::Plan& plan,
                                                             const std::filesystem::path& dir);

}  // namespace stormproof::testing

#endif  // STORMPROOF_TESTS_CONTINUITY_REPORT_EXAMPLE_MSP_H_
