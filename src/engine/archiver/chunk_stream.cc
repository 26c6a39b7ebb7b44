#include "engine/archiver/internal/chunk_stream.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace stormproof::archiver::internal {
namespace {

constexpr size_t kMinArenaSize = 2u << 20;
// Reads smaller than this at the end of an arena are not worth it: move to a fresh arena.
constexpr size_t kMinRead = 1u << 20;

}  // namespace

ChunkStream::ChunkStream(Pipeline& pipeline, const chunker::Params& params)
    : pipeline_(pipeline), chunker_(params) {}

ChunkStream::~ChunkStream() {
  if (arena_ != nullptr) pipeline_.arenas().Unref(arena_);
}

size_t ChunkStream::ArenaSizeFor(const chunker::Params& params) {
  // The uncut tail is always < max_size, so a fresh arena has room for at least kMinRead more.
  return std::max(kMinArenaSize, size_t{params.max_size} * 2 + kMinRead);
}

void ChunkStream::Begin(FileTask* file) {
  assert(file_ == nullptr && start_ == used_);
  file_ = file;
}

std::span<uint8_t> ChunkStream::Space(size_t want) {
  if (arena_ == nullptr || arena_->capacity - used_ < std::min(want, kMinRead)) Refill();
  size_t n = std::min(want, arena_->capacity - used_);
  return {arena_->data.get() + used_, n};
}

void ChunkStream::Refill() {
  Arena* fresh = pipeline_.arenas().Acquire();
  size_t tail = used_ - start_;
  if (tail > 0) std::memcpy(fresh->data.get(), arena_->data.get() + start_, tail);
  if (arena_ != nullptr) pipeline_.arenas().Unref(arena_);
  arena_ = fresh;
  start_ = 0;
  used_ = tail;
}

void ChunkStream::Commit(size_t n, uint64_t file_offset) {
  if (file_offset == 0 && sample_headers_) sample_next_ = true;
  used_ += n;
  CutChunks(/*at_end=*/false);
}

void ChunkStream::End() {
  CutChunks(/*at_end=*/true);
  file_ = nullptr;
  sample_next_ = false;
}

void ChunkStream::Abort() {
  used_ = start_;
  file_ = nullptr;
  sample_next_ = false;
}

// Without the end of the file in sight, NextCut needs max_size bytes of lookahead.
void ChunkStream::CutChunks(bool at_end) {
  const size_t lookahead = chunker_.params().max_size;
  while (used_ > start_ && (at_end || used_ - start_ >= lookahead)) {
    ByteView rest(arena_->data.get() + start_, used_ - start_);
    Emit(chunker_.NextCut(rest));
  }
}

void ChunkStream::Emit(size_t length) {
  ChunkJob job;
  job.arena = arena_;
  job.data = arena_->data.get() + start_;
  job.size = length;
  job.slot = file_->NewSlot(static_cast<uint32_t>(length));
  job.file = file_;
  job.sample_header = sample_next_;
  sample_next_ = false;
  ArenaPool::Ref(arena_);
  pipeline_.Submit(job);
  start_ += length;
}

}  // namespace stormproof::archiver::internal
