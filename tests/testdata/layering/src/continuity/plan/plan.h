// A continuity header the engine must not see.
#ifndef PLAN_H_
#define PLAN_H_
#endif
