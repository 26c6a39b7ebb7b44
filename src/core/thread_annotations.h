// Clang thread-safety annotations: lock discipline stated in the type system and checked at
// compile time (-Wthread-safety), instead of in comments ("guarded by mu_", "REQUIRES: mu_ held").
//
// Under clang each macro expands to the attribute of the same meaning
// (https://clang.llvm.org/docs/ThreadSafetyAnalysis.html); under other compilers to nothing, so
// the annotations cost nothing there. A capability is anything that can be held: core::Mutex
// (core/mutex.h) is one. Header only; nothing here has state.
#ifndef STORMPROOF_CORE_THREAD_ANNOTATIONS_H_
#define STORMPROOF_CORE_THREAD_ANNOTATIONS_H_

#if defined(__clang__)
#define STORMPROOF_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define STORMPROOF_THREAD_ANNOTATION(x)
#endif

// A class whose objects are capabilities (held and released), e.g. a mutex.
#define CAPABILITY(name) STORMPROOF_THREAD_ANNOTATION(capability(name))
// An RAII class that holds a capability for its lifetime (e.g. core::MutexLock).
#define SCOPED_CAPABILITY STORMPROOF_THREAD_ANNOTATION(scoped_lockable)
// A member read or written only while the capability is held.
#define GUARDED_BY(x) STORMPROOF_THREAD_ANNOTATION(guarded_by(x))
// A pointer member whose pointee is accessed only while the capability is held.
#define PT_GUARDED_BY(x) STORMPROOF_THREAD_ANNOTATION(pt_guarded_by(x))
// A function callable only while the capabilities are held (exclusively / shared).
#define REQUIRES(...) STORMPROOF_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) STORMPROOF_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
// A function that must not be called while the capabilities are held (it takes them itself).
#define EXCLUDES(...) STORMPROOF_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
// A function that takes / gives back the capabilities (none named: the object itself).
#define ACQUIRE(...) STORMPROOF_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) STORMPROOF_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) STORMPROOF_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
// Tells the analysis the capability is held here (checked at run time, if at all, by the caller).
#define ASSERT_CAPABILITY(x) STORMPROOF_THREAD_ANNOTATION(assert_capability(x))
// A function that returns a reference to the named capability.
#define RETURN_CAPABILITY(x) STORMPROOF_THREAD_ANNOTATION(lock_returned(x))
// Opts a function out of the analysis; say why beside each use.
#define NO_THREAD_SAFETY_ANALYSIS STORMPROOF_THREAD_ANNOTATION(no_thread_safety_analysis)

#endif  // STORMPROOF_CORE_THREAD_ANNOTATIONS_H_
