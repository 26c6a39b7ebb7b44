#include "engine/repository/internal/file_mac.h"

#include "engine/repository/encoding.h"

namespace stormproof::repository {

FileMac& FileMac::Add(std::string_view name, ByteView value) {
  message_.insert(message_.end(), name.begin(), name.end());
  message_.push_back(0);
  PutU32(static_cast<uint32_t>(value.size()), &message_);
  message_.insert(message_.end(), value.begin(), value.end());
  return *this;
}

FileMac& FileMac::AddU64(std::string_view name, uint64_t value) {
  uint8_t bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<uint8_t>(value >> (8 * i));
  return Add(name, ByteView(bytes, sizeof bytes));
}

crypto::Id FileMac::Finish(const crypto::Key& master_encryption, std::string_view label) const {
  return crypto::KeyedId(crypto::DeriveSubkey(master_encryption, AsBytes(label)), message_);
}

}  // namespace stormproof::repository
