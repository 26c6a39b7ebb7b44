// Violates the layering: the engine includes a continuity header.
#include "continuity/plan/plan.h"
