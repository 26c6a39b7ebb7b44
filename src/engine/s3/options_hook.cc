// The test-only options hook of the S3 backend (internal/options_hook.h).
#include "engine/s3/internal/options_hook.h"

#include <atomic>

namespace stormproof::s3::internal {
namespace {

std::atomic<OptionsHook>& Hook() {
  static std::atomic<OptionsHook> hook{nullptr};
  return hook;
}

}  // namespace

void SetOptionsHook(OptionsHook hook) { Hook().store(hook); }

OptionsHook GetOptionsHook() { return Hook().load(); }

}  // namespace stormproof::s3::internal
