// ChunkStream: the walker's side of the pipeline. File data is read straight into an arena (no
// copy), content-defined chunk boundaries are cut as soon as max_size bytes of lookahead are
// there (or the file ends), and each chunk is handed to the workers as a slice of the arena.
// Small files share an arena; when an arena is full, the uncut tail (< max_size bytes) moves to
// a fresh one. Walker thread only; not thread-safe.
#ifndef STORMPROOF_ENGINE_ARCHIVER_INTERNAL_CHUNK_STREAM_H_
#define STORMPROOF_ENGINE_ARCHIVER_INTERNAL_CHUNK_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/archiver/internal/pipeline.h"
#include "engine/chunker/chunker.h"

namespace stormproof::archiver::internal {

class ChunkStream {
 public:
  ChunkStream(Pipeline& pipeline, const chunker::Params& params);
  ~ChunkStream();
  ChunkStream(const ChunkStream&) = delete;
  ChunkStream& operator=(const ChunkStream&) = delete;

  // The arena size a pipeline needs for these chunker parameters.
  static size_t ArenaSizeFor(const chunker::Params& params);

  // Starts a file whose chunks go to `file`. REQUIRES: no file in progress.
  void Begin(FileTask* file);
  // Space to read up to `want` bytes into (never empty; may be shorter than `want`).
  std::span<uint8_t> Space(size_t want);
  // `n` bytes of the file, from `file_offset` on, were written at the start of the last Space();
  // cuts every chunk that is certain. When bytes are committed at offset 0, the chunk that
  // starts there is marked (ChunkJob::sample_header) for the file's header sample, unless
  // SkipHeaderSamples() was called.
  void Commit(size_t n, uint64_t file_offset);
  // No header samples from now on (ransomware detection is off: nobody reads them).
  void SkipHeaderSamples() { sample_headers_ = false; }
  // The file ended: cuts the remaining bytes into chunks.
  void End();
  // The file failed: drops the bytes not yet cut (chunks already submitted still complete).
  void Abort();

 private:
  void CutChunks(bool at_end);
  void Emit(size_t length);
  void Refill();

  Pipeline& pipeline_;
  chunker::Chunker chunker_;
  Arena* arena_ = nullptr;
  size_t used_ = 0;   // bytes of arena_ written
  size_t start_ = 0;  // first byte of arena_ not yet in a chunk
  FileTask* file_ = nullptr;
  bool sample_headers_ = true;
  bool sample_next_ = false;  // the next chunk emitted starts at the file's offset 0
};

}  // namespace stormproof::archiver::internal

#endif  // STORMPROOF_ENGINE_ARCHIVER_INTERNAL_CHUNK_STREAM_H_
