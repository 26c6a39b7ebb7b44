#include "engine/repository/compress.h"

#include <zstd.h>

#include <cstring>
#include <memory>

namespace stormproof::repository {
namespace {

struct CCtxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxFree {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

ZSTD_CCtx* ThreadCompressor() {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxFree> context(ZSTD_createCCtx());
  return context.get();
}

ZSTD_DCtx* ThreadDecompressor() {
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxFree> context(ZSTD_createDCtx());
  return context.get();
}

void StoreRaw(ByteView plaintext, Bytes* out) {
  out->resize(1 + plaintext.size());
  (*out)[0] = static_cast<uint8_t>(PayloadEncoding::kRaw);
  if (!plaintext.empty()) std::memcpy(out->data() + 1, plaintext.data(), plaintext.size());
}

}  // namespace

void EncodePayload(ByteView plaintext, Bytes* out) {
  // Worth compressing only if it saves 1/32 of the size. zstd gives up on incompressible
  // (random, already compressed) input at ~10 GB/s, so no sampling heuristic is needed.
  size_t limit = plaintext.size() - plaintext.size() / 32;
  if (plaintext.size() < 64) return StoreRaw(plaintext, out);
  out->resize(1 + ZSTD_compressBound(plaintext.size()));
  size_t n = ZSTD_compressCCtx(ThreadCompressor(), out->data() + 1, out->size() - 1,
                               plaintext.data(), plaintext.size(), kZstdLevel);
  if (ZSTD_isError(n) || n > limit) return StoreRaw(plaintext, out);
  (*out)[0] = static_cast<uint8_t>(PayloadEncoding::kZstd);
  out->resize(1 + n);
}

Result<Bytes> DecodePayload(ByteView encoded, size_t max_size) {
  if (encoded.empty()) return Error::FailedCheck("empty payload");
  ByteView body = encoded.subspan(1);
  if (encoded[0] == static_cast<uint8_t>(PayloadEncoding::kRaw)) {
    if (body.size() > max_size) return Error::FailedCheck("payload too large");
    return Bytes(body.begin(), body.end());
  }
  if (encoded[0] != static_cast<uint8_t>(PayloadEncoding::kZstd)) {
    return Error::FailedCheck("unknown payload encoding " + std::to_string(encoded[0]));
  }
  unsigned long long size = ZSTD_getFrameContentSize(body.data(), body.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > max_size) {
    return Error::FailedCheck("bad zstd frame header");
  }
  Bytes plain(size);
  size_t n = ZSTD_decompressDCtx(ThreadDecompressor(), plain.data(), plain.size(), body.data(),
                                 body.size());
  if (ZSTD_isError(n) || n != size) {
    return Error::FailedCheck(std::string("damaged zstd frame: ") +
                              (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short output"));
  }
  return plain;
}

}  // namespace stormproof::repository
