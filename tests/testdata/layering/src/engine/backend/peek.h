// Violates the internal rule: another library includes the repository's internal header.
#include "engine/repository/internal/blob_store.h"
