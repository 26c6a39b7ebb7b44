// Byte buffers as the engine passes them around: Bytes owns, ByteView borrows.
#ifndef STORMPROOF_CORE_BYTES_H_
#define STORMPROOF_CORE_BYTES_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace stormproof {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

inline ByteView AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view AsText(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// Lower-case hex of `data`.
std::string ToHex(ByteView data);

}  // namespace stormproof

#endif  // STORMPROOF_CORE_BYTES_H_
