#include "engine/archiver/internal/pipeline.h"

#include <algorithm>
#include <utility>

#include "engine/detect/signal_collector.h"
#include "engine/detect/detect.h"
#include "engine/repository/tree_store.h"

namespace stormproof::archiver::internal {

using repository::BlobType;

ArenaPool::ArenaPool(size_t arena_size, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    auto arena = std::make_unique<Arena>();
    arena->data.reset(new uint8_t[arena_size]);  // uninitialised on purpose: it is read into
    arena->capacity = arena_size;
    free_.push_back(arena.get());
    arenas_.push_back(std::move(arena));
  }
}

Arena* ArenaPool::Acquire() {
  MutexLock lock(mu_);
  while (free_.empty()) cv_.wait(mu_);
  Arena* arena = free_.back();
  free_.pop_back();
  arena->refs.store(1, std::memory_order_relaxed);
  return arena;
}

void ArenaPool::Unref(Arena* arena) {
  if (arena->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  {
    MutexLock lock(mu_);
    free_.push_back(arena);
  }
  cv_.notify_one();
}

void Task::PartDone() {
  if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    Finish();
    delete this;
  }
}

namespace {

FileFactsHook& FactsHook() {
  static FileFactsHook hook;
  return hook;
}

}  // namespace

void SetFileFactsHookForTesting(FileFactsHook hook) { FactsHook() = std::move(hook); }

FileTask::FileTask(DirTask* dir, size_t index) : dir_(dir), index_(index) { dir_->AddPart(); }

ChunkSlot* FileTask::NewSlot(uint32_t size) {
  AddPart();
  ChunkSlot& slot = chunks_.emplace_back();
  slot.size = size;
  return &slot;
}

void FileTask::CollectFacts(ContentFacts* facts) const {
  facts->ratios.clear();
  facts->sizes.clear();
  facts->added.clear();
  for (const ChunkSlot& chunk : chunks_) {
    facts->ratios.push_back(chunk.ratio);
    facts->sizes.push_back(chunk.size);
    facts->added.push_back(chunk.added);
  }
  facts->header = header_;
}

void FileTask::Finish() {
  std::vector<crypto::Id>& content = dir_->node(index_).content;
  content.clear();
  content.reserve(chunks_.size());
  for (const ChunkSlot& chunk : chunks_) content.push_back(chunk.id);
  if ((FactsHook() || signals_ != nullptr) && !dir_->skipped(index_) &&
      !dir_->pipeline()->failed()) {
    thread_local ContentFacts facts;  // reused: no allocation per file in the long run
    CollectFacts(&facts);
    if (FactsHook()) FactsHook()(dir_->node(index_), facts);
    if (signals_ != nullptr) signals_->AddFile(dir_->node(index_), facts, *probe_);
  }
  dir_->PartDone();
}

DirTask::DirTask(Pipeline* pipeline, DirTask* parent, size_t index)
    : pipeline_(pipeline), parent_(parent), index_(index) {
  if (parent_ != nullptr) parent_->AddPart();
}

void DirTask::SetEntries(size_t count) {
  tree_.nodes.resize(count);
  skipped_.assign(count, 0);
}

void DirTask::Finish() {
  crypto::Id id;
  if (!pipeline_->failed()) {
    repository::Tree kept;
    kept.nodes.reserve(tree_.nodes.size());
    for (size_t i = 0; i < tree_.nodes.size(); ++i) {
      if (!skipped_[i]) kept.nodes.push_back(std::move(tree_.nodes[i]));
    }
    id = pipeline_->SaveTree(kept);
  }
  if (parent_ == nullptr) {
    pipeline_->SetRoot(id);
    return;
  }
  parent_->node(index_).subtree = id;
  parent_->PartDone();
}

Pipeline::Pipeline(repository::Repository& repo, unsigned workers, size_t arena_size, size_t arenas)
    : repo_(repo), arenas_(arena_size, arenas) {
  for (unsigned i = 0; i < workers; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

Pipeline::~Pipeline() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void Pipeline::Submit(const ChunkJob& job) {
  {
    MutexLock lock(mu_);
    queue_.push_back(job);
  }
  work_cv_.notify_one();
}

void Pipeline::WorkerLoop() {
  for (;;) {
    ChunkJob job;
    {
      MutexLock lock(mu_);
      while (!stopping_ && queue_.empty()) work_cv_.wait(mu_);
      if (queue_.empty()) return;  // stopping, and nothing left to do
      job = queue_.front();
      queue_.pop_front();
    }
    Store(job);
    arenas_.Unref(job.arena);
    job.file->PartDone();
  }
}

void Pipeline::Store(const ChunkJob& job) {
  if (failed()) return;
  ByteView plaintext(job.data, job.size);
  if (job.sample_header) {
    job.file->SetHeader(detect::SampleHeader(
        plaintext.first(std::min(plaintext.size(), detect::kHeaderSampleBytes))));
  }
  ChunkSlot& slot = *job.slot;
  slot.id = repo_.BlobId(plaintext);
  repository::BlobSaveInfo info;
  Result<bool> saved = repo_.SaveBlob(BlobType::kData, slot.id, plaintext, &info);
  if (!saved.has_value()) return Fail(saved.error());
  slot.ratio = info.stored_payload == 0 ? 0 : detect::RatioPermille(info.stored_payload, job.size);
  slot.added = info.added ? 1 : 0;
  if (*saved) {
    stats_.data_blobs_added.fetch_add(1, std::memory_order_relaxed);
    CountAdded(BlobType::kData, slot.id, job.size);
  }
}

crypto::Id Pipeline::SaveTree(const repository::Tree& tree) {
  Result<crypto::Id> id = repository::SaveTree(tree, [this](Bytes encoded) -> Result<crypto::Id> {
    crypto::Id blob = repo_.BlobId(encoded);
    STORMPROOF_ASSIGN_OR_RETURN(bool saved, repo_.SaveBlob(BlobType::kTree, blob, encoded));
    if (saved) {
      stats_.tree_blobs_added.fetch_add(1, std::memory_order_relaxed);
      CountAdded(BlobType::kTree, blob, encoded.size());
    }
    return blob;
  });
  if (!id.has_value()) {
    Fail(id.error());
    return {};
  }
  return *id;
}

void Pipeline::CountAdded(BlobType type, const crypto::Id& id, size_t plaintext_size) {
  stats_.bytes_added.fetch_add(plaintext_size, std::memory_order_relaxed);
  MutexLock lock(added_mu_);
  added_.emplace_back(type, id);
}

uint64_t Pipeline::StoredBytesAdded() const {
  MutexLock lock(added_mu_);
  uint64_t total = 0;
  for (const auto& [type, id] : added_) {
    std::optional<repository::BlobLocation> where = repo_.FindBlob(type, id);
    if (where.has_value()) total += where->length;
  }
  return total;
}

void Pipeline::SetRoot(const crypto::Id& id) {
  {
    MutexLock lock(mu_);
    root_ = id;
  }
  done_cv_.notify_all();
}

Result<crypto::Id> Pipeline::Wait() {
  MutexLock lock(mu_);
  while (!root_.has_value()) done_cv_.wait(mu_);
  if (error_.has_value()) return *error_;
  return *root_;
}

void Pipeline::Fail(const Error& error) {
  MutexLock lock(mu_);
  if (!error_.has_value()) error_ = error;
  failed_.store(true, std::memory_order_relaxed);
}

}  // namespace stormproof::archiver::internal
