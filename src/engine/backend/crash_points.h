// Crash points: the instants at which the crash-consistency suite (tests/reliability) kills a real
// stormproof process, so that "a crash at any instant leaves the repository consistent" is tested
// at every step of every file a backend writes or removes, reproducibly. The local backend marks
// five points per write and two per delete; the S3 backend (engine/s3) one before and one after
// each PUT and DELETE. Public so that every backend library can mark its own points.
//
// Inactive (one relaxed atomic load) in the stormproof binary. Test binaries and the test copy of
// the CLI link stormproof::backend_test_crash_points, which turns the points on at start-up; they
// then follow the environment:
//   STORMPROOF_TEST_CRASH_AT=N     the Nth crash point this process reaches raises SIGKILL;
//   STORMPROOF_TEST_CRASH_TRACE=F  every point reached is appended to file F ("N name\n"), so a
//                                  harness learns how many points an operation has;
//   STORMPROOF_TEST_POWER_CUT=1    before dying, undo what a power cut would lose at that point:
//                                  data written but not yet flushed, a rename whose directory was
//                                  not yet flushed (see docs/reliability.md);
//   STORMPROOF_TEST_FAIL_AT=N      the Nth point fails with an I/O error instead (a disk that
//                                  fails or fills up at that instant); the process goes on.
// Points are counted across threads in the order they are reached.
#ifndef STORMPROOF_ENGINE_BACKEND_CRASH_POINTS_H_
#define STORMPROOF_ENGINE_BACKEND_CRASH_POINTS_H_

#include <functional>
#include <string_view>

#include "core/result.h"

namespace stormproof::backend {

// Marks a crash point. `power_cut_undo`, when given, is run before the kill in power-cut mode.
// Returns the injected error at the STORMPROOF_TEST_FAIL_AT point, Ok otherwise.
Status CrashPoint(std::string_view name, const std::function<void()>& power_cut_undo = {});

// Makes crash points follow the STORMPROOF_TEST_* variables above. Called before main() by the
// test-only object library (crash_points_hook.cc), never by stormproof itself: an operator who
// copies a test environment must not get backups killed or failed on purpose.
void EnableCrashPointsFromEnvironment();

}  // namespace stormproof::backend

#endif  // STORMPROOF_ENGINE_BACKEND_CRASH_POINTS_H_
