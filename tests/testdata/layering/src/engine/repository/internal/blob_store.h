// Internal to the repository library: no other library may include it.
#ifndef BLOB_STORE_H_
#define BLOB_STORE_H_
#endif
