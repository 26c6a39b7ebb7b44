// Tree blobs: DecodeTree on plaintext; the whole blob path (OpenBlob: decryption, payload
// decoding, length check) on arbitrary sealed bytes; and DecodeTree behind a blob sealed with
// the test key. A decoded tree must re-encode to bytes that decode to the same encoding.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_support.h"
#include "engine/repository/compress.h"
#include "engine/repository/pack.h"
#include "engine/repository/tree.h"

using namespace stormproof;
using namespace stormproof::repository;

namespace {

void DecodeAndRoundTrip(ByteView plain) {
  auto tree = DecodeTree(plain);
  if (!tree) return;
  Bytes once = EncodeTree(*tree);
  auto again = DecodeTree(once);
  fuzz::Require(again.has_value(), "re-encoded tree decodes");
  fuzz::Require(EncodeTree(*again) == once, "tree encoding is stable");
}

// A tree blob's entry as a pack header would list it. The seed generator seals with this id.
PackEntry TreeEntry(size_t sealed_length, size_t raw_length) {
  PackEntry entry;
  entry.type = BlobType::kTree;
  entry.id = crypto::Sha256(AsBytes("fuzz tree"));
  entry.offset = crypto::kSaltSize;
  entry.length = static_cast<uint32_t>(sealed_length);
  entry.raw_length = static_cast<uint32_t>(raw_length);
  return entry;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const crypto::Key kPackKey = fuzz::TestKey();
  static const crypto::Key kIdKey = fuzz::TestKey(0x11);
  fuzz::Input input = fuzz::SplitInput(data, size);
  switch (input.mode) {
    case fuzz::Mode::kPlaintext:
      DecodeAndRoundTrip(input.body);
      break;
    case fuzz::Mode::kSealed: {
      // Recorded length as for a raw (marker 0) payload, so sealed raw seeds open.
      size_t overhead = crypto::kSealOverhead + 1;
      size_t raw = input.body.size() > overhead ? input.body.size() - overhead : 0;
      PackEntry entry = TreeEntry(input.body.size(), raw);
      if (auto plain = OpenBlob(kPackKey, kIdKey, entry, input.body, IdCheck::kSkip)) {
        DecodeAndRoundTrip(*plain);
      }
      break;
    }
    case fuzz::Mode::kSealedBody: {
      // The body is the plaintext tree: encode its payload (maybe zstd) and seal it as a blob.
      Bytes payload;
      EncodePayload(input.body, &payload);
      PackEntry entry = TreeEntry(payload.size() + crypto::kSealOverhead, input.body.size());
      Bytes sealed = crypto::Seal(kPackKey, payload, BlobAssociatedData(entry.type, entry.id));
      auto plain = OpenBlob(kPackKey, kIdKey, entry, sealed, IdCheck::kSkip);
      fuzz::Require(plain.has_value() && *plain == Bytes(input.body.begin(), input.body.end()),
                    "sealed tree blob opens to its plaintext");
      DecodeAndRoundTrip(*plain);
      break;
    }
  }
  return 0;
}
