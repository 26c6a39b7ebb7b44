// AES-256-GCM sealing through OpenSSL 3 EVP: sealed = nonce (12) || ciphertext || tag (16).
//
// Each thread keeps one cipher context and the key last loaded into it, so sealing many blobs
// under one key (a pack) does the AES key expansion and GHASH table setup once.
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdint>

#include "engine/crypto/crypto.h"
#include "engine/crypto/internal/primitives.h"

namespace stormproof::crypto {
namespace {

using internal::CryptoFatal;

enum class Direction { kSeal, kOpen };

// EVP lengths are ints: larger inputs go through in steps of this size.
constexpr size_t kMaxStep = size_t{1} << 30;

const EVP_CIPHER* Aes256Gcm() {
  // Fetched once and never freed: contexts on other threads may outlive any static destructor.
  static const EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  if (cipher == nullptr) CryptoFatal("AES-256-GCM is not available");
  return cipher;
}

class ThreadCipher {
 public:
  ThreadCipher() : ctx_(EVP_CIPHER_CTX_new()) {
    if (ctx_ == nullptr) CryptoFatal("EVP_CIPHER_CTX_new failed");
  }
  ~ThreadCipher() {
    EVP_CIPHER_CTX_free(ctx_);
    OPENSSL_cleanse(key_.bytes.data(), key_.bytes.size());
  }
  ThreadCipher(const ThreadCipher&) = delete;
  ThreadCipher& operator=(const ThreadCipher&) = delete;

  // Readies the context for one message under `key` and `nonce`.
  EVP_CIPHER_CTX* Start(const Key& key, const uint8_t* nonce, Direction direction) {
    const bool same_key =
        has_key_ && CRYPTO_memcmp(key.bytes.data(), key_.bytes.data(), kKeySize) == 0;
    const EVP_CIPHER* cipher = same_key ? nullptr : Aes256Gcm();
    const uint8_t* key_bytes = same_key ? nullptr : key.bytes.data();
    const int enc = direction == Direction::kSeal ? 1 : 0;
    if (EVP_CipherInit_ex2(ctx_, cipher, key_bytes, nonce, enc, nullptr) != 1) {
      CryptoFatal("AES-256-GCM initialisation failed");
    }
    key_ = key;
    has_key_ = true;
    return ctx_;
  }

 private:
  EVP_CIPHER_CTX* ctx_;
  Key key_;
  bool has_key_ = false;
};

EVP_CIPHER_CTX* StartThreadCipher(const Key& key, const uint8_t* nonce, Direction direction) {
  thread_local ThreadCipher cipher;
  return cipher.Start(key, nonce, direction);
}

// Feeds `in` through the cipher into `out` (or as associated data when out is null).
// Returns false on failure.
bool Update(EVP_CIPHER_CTX* ctx, uint8_t* out, ByteView in) {
  for (size_t done = 0; done < in.size(); done += kMaxStep) {
    const int step = static_cast<int>(std::min(kMaxStep, in.size() - done));
    int written = 0;
    if (EVP_CipherUpdate(ctx, out == nullptr ? nullptr : out + done, &written, in.data() + done,
                         step) != 1) {
      return false;
    }
  }
  return true;
}

Error AuthenticationFailed() {
  return Error::FailedCheck("authentication failed: data altered, truncated or wrong key");
}

// True when `view` points into the storage of `buffer` (which a resize may move).
bool PointsInto(ByteView view, const Bytes& buffer) {
  const auto begin = reinterpret_cast<uintptr_t>(buffer.data());
  const auto at = reinterpret_cast<uintptr_t>(view.data());
  return !view.empty() && at >= begin && at < begin + buffer.capacity();
}

enum class Nonce { kRandom, kZero };

void SealAppendWith(Nonce kind, const Key& key, ByteView plaintext, ByteView associated,
                    Bytes* out) {
  if (PointsInto(plaintext, *out) || PointsInto(associated, *out)) {
    const Bytes plaintext_copy(plaintext.begin(), plaintext.end());  // rare: inputs alias *out
    const Bytes associated_copy(associated.begin(), associated.end());
    SealAppendWith(kind, key, plaintext_copy, associated_copy, out);
    return;
  }
  const size_t start = out->size();
  out->resize(start + plaintext.size() + kSealOverhead);
  uint8_t* nonce = out->data() + start;
  uint8_t* ciphertext = nonce + kNonceSize;
  uint8_t* tag = ciphertext + plaintext.size();
  if (kind == Nonce::kRandom) {
    RandomBytes(nonce, kNonceSize);
  } else {
    std::fill_n(nonce, kNonceSize, uint8_t{0});
  }
  EVP_CIPHER_CTX* ctx = StartThreadCipher(key, nonce, Direction::kSeal);
  int written = 0;
  if (!Update(ctx, nullptr, associated) || !Update(ctx, ciphertext, plaintext) ||
      EVP_EncryptFinal_ex(ctx, tag, &written) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kTagSize, tag) != 1) {
    CryptoFatal("AES-256-GCM encryption failed");
  }
}

}  // namespace

void SealAppend(const Key& key, ByteView plaintext, ByteView associated, Bytes* out) {
  SealAppendWith(Nonce::kRandom, key, plaintext, associated, out);
}

void SealAppendUnderSingleUseKey(const Key& key, ByteView plaintext, ByteView associated,
                                 Bytes* out) {
  SealAppendWith(Nonce::kZero, key, plaintext, associated, out);
}

Bytes Seal(const Key& key, ByteView plaintext, ByteView associated) {
  Bytes out;
  out.reserve(plaintext.size() + kSealOverhead);
  SealAppend(key, plaintext, associated, &out);
  return out;
}

Result<Bytes> Open(const Key& key, ByteView sealed, ByteView associated) {
  if (sealed.size() < kSealOverhead) return AuthenticationFailed();
  const ByteView nonce = sealed.first(kNonceSize);
  const ByteView ciphertext = sealed.subspan(kNonceSize, sealed.size() - kSealOverhead);
  std::array<uint8_t, kTagSize> tag;  // a copy: the ctrl call takes a non-const pointer
  std::copy_n(sealed.end() - kTagSize, kTagSize, tag.begin());

  EVP_CIPHER_CTX* ctx = StartThreadCipher(key, nonce.data(), Direction::kOpen);
  Bytes plaintext(ciphertext.size());
  int written = 0;
  if (!Update(ctx, nullptr, associated) || !Update(ctx, plaintext.data(), ciphertext) ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kTagSize, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx, plaintext.data() + plaintext.size(), &written) != 1) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());  // never release unverified plaintext
    return AuthenticationFailed();
  }
  return plaintext;
}

}  // namespace stormproof::crypto
