// The translation unit that compiles the test suites' precompiled header (tests/CMakeLists.txt,
// stormproof_test_pch); it has no code of its own.
