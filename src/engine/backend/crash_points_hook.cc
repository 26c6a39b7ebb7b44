// Linked only into test binaries and the test copy of the CLI (see crash_points.h).
#include "engine/backend/crash_points.h"

namespace stormproof::backend {
namespace {

[[maybe_unused]] const bool kEnabled = (EnableCrashPointsFromEnvironment(), true);

}  // namespace
}  // namespace stormproof::backend
