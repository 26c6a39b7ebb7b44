// SHA-256 and HMAC-SHA256 through OpenSSL 3 EVP, with the algorithm fetched once per process and
// one reusable context per thread (a context per call costs more than hashing a small blob).
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <initializer_list>

#include "engine/crypto/crypto.h"
#include "engine/crypto/internal/primitives.h"

namespace stormproof::crypto {
namespace {

constexpr std::string_view kSubkeyLabel = "stormproof subkey";

const EVP_MD* Sha256Algorithm() {
  // Fetched once and never freed: contexts on other threads may outlive any static destructor.
  static const EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) internal::CryptoFatal("SHA256 is not available");
  return md;
}

EVP_MAC* HmacAlgorithm() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) internal::CryptoFatal("HMAC is not available");
  return mac;
}

// One digest context per thread.
EVP_MD_CTX* ThreadDigestContext() {
  struct Holder {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Holder() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Holder holder;
  if (holder.ctx == nullptr) internal::CryptoFatal("EVP_MD_CTX_new failed");
  return holder.ctx;
}

// One HMAC context per thread, remembering the last 32-byte key so that repeated ids under one
// key skip the key setup (two SHA-256 blocks and parameter parsing).
class ThreadMac {
 public:
  ThreadMac() : ctx_(EVP_MAC_CTX_new(HmacAlgorithm())) {
    if (ctx_ == nullptr) internal::CryptoFatal("EVP_MAC_CTX_new failed");
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_END};
    if (EVP_MAC_CTX_set_params(ctx_, params) != 1) internal::CryptoFatal("HMAC digest");
  }
  ~ThreadMac() {
    EVP_MAC_CTX_free(ctx_);
    OPENSSL_cleanse(cached_key_.data(), cached_key_.size());
  }
  ThreadMac(const ThreadMac&) = delete;
  ThreadMac& operator=(const ThreadMac&) = delete;

  // Starts a new MAC under `key`.
  EVP_MAC_CTX* Start(ByteView key) {
    const bool cacheable = key.size() == cached_key_.size();
    if (has_key_ && cacheable && CRYPTO_memcmp(key.data(), cached_key_.data(), key.size()) == 0) {
      Check(EVP_MAC_init(ctx_, nullptr, 0, nullptr));  // same key: reset only
      return ctx_;
    }
    static const uint8_t kNoKey = 0;  // a null key would mean "keep the old key"
    Check(EVP_MAC_init(ctx_, key.empty() ? &kNoKey : key.data(), key.size(), nullptr));
    has_key_ = cacheable;
    if (cacheable) std::copy(key.begin(), key.end(), cached_key_.begin());
    return ctx_;
  }

  static void Check(int rc) {
    if (rc != 1) internal::CryptoFatal("HMAC-SHA256 failed");
  }

 private:
  EVP_MAC_CTX* ctx_;
  std::array<uint8_t, kKeySize> cached_key_{};
  bool has_key_ = false;
};

Id Hmac(ByteView key, std::initializer_list<ByteView> parts) {
  thread_local ThreadMac mac;
  EVP_MAC_CTX* ctx = mac.Start(key);
  for (ByteView part : parts) ThreadMac::Check(EVP_MAC_update(ctx, part.data(), part.size()));
  Id id;
  size_t written = 0;
  ThreadMac::Check(EVP_MAC_final(ctx, id.bytes.data(), &written, id.bytes.size()));
  return id;
}

}  // namespace

namespace internal {

Id HmacSha256(ByteView key, ByteView data) { return Hmac(key, {data}); }

}  // namespace internal

Id KeyedId(const Key& key, ByteView data) { return Hmac(key.bytes, {data}); }

Id Sha256(ByteView data) {
  EVP_MD_CTX* ctx = ThreadDigestContext();
  Id id;
  if (EVP_DigestInit_ex2(ctx, Sha256Algorithm(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx, id.bytes.data(), nullptr) != 1) {
    internal::CryptoFatal("SHA-256 failed");
  }
  return id;
}

Key DeriveSubkey(const Key& master, ByteView salt) {
  const Id mac = Hmac(master.bytes, {AsBytes(kSubkeyLabel), salt});
  Key subkey;
  subkey.bytes = mac.bytes;
  return subkey;
}

}  // namespace stormproof::crypto
