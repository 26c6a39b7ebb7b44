// Violates the include rule: no full path.
#include "plan.h"
