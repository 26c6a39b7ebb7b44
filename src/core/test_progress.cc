// Test builds only (core/progress.h, internal::RenderEveryProgressEvent): with
// STORMPROOF_TEST_PROGRESS=every in the environment, renderers show every progress event, so
// that end-to-end tests of small repositories see the `--json` status lines a long command
// prints once a second. Linked as an object library (stormproof::core_test_progress) into the
// end-to-end tests' copy of the CLI; `stormproof` itself never links it.
#include <cstdlib>
#include <string_view>

#include "core/progress.h"

namespace stormproof::internal {
namespace {

bool ReadSetting() {
  const char* setting = std::getenv("STORMPROOF_TEST_PROGRESS");
  if (setting != nullptr && std::string_view(setting) == "every") {
    SetRenderEveryProgressEventForTesting(true);
  }
  return true;
}

[[maybe_unused]] const bool kRead = ReadSetting();

}  // namespace
}  // namespace stormproof::internal
