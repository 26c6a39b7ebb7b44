// exercise: tabletop exercises computed from the plan. A scenario (plan.h, `scenarios:`) says
// what is lost; the exercise works out what that takes down (impact.h) and, built on it, when
// each system is back and who restores it. Pure functions of the plan; thread-safe.
#ifndef STORMPROOF_CONTINUITY_EXERCISE_EXERCISE_H_
#define STORMPROOF_CONTINUITY_EXERCISE_EXERCISE_H_

#include "continuity/exercise/impact.h"

#endif  // STORMPROOF_CONTINUITY_EXERCISE_EXERCISE_H_
