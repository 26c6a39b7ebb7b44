// Test binaries only: a hook that adjusts the options of every S3 backend this process creates
// or opens, before its first request. engine/s3/test_hooks.cc (the stormproof::s3_test_hooks
// object library, linked into the test copy of the CLI and never into `stormproof`) installs one
// at start-up that reads STORMPROOF_TEST_S3_* variables, so that the failure suites can skew the
// clock requests are signed with and shorten the retry budget. Null in the release binary.
#ifndef STORMPROOF_ENGINE_S3_INTERNAL_OPTIONS_HOOK_H_
#define STORMPROOF_ENGINE_S3_INTERNAL_OPTIONS_HOOK_H_

#include "engine/s3/s3.h"

namespace stormproof::s3::internal {

using OptionsHook = void (*)(Options& options);

// Thread-safe (an atomic pointer). Meant to be called once, at start-up.
void SetOptionsHook(OptionsHook hook);
// The installed hook, or null.
OptionsHook GetOptionsHook();

}  // namespace stormproof::s3::internal

#endif  // STORMPROOF_ENGINE_S3_INTERNAL_OPTIONS_HOOK_H_
