#include "engine/checker/internal/pack_verifier.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <thread>

#include "core/interrupt.h"
#include "core/mutex.h"

namespace stormproof::checker {
namespace {

using repository::BlobLocation;
using repository::Id;

PackVerdict ReadAndVerify(const repository::Repository& repo, const Id& pack) {
  PackVerdict verdict;
  verdict.pack = pack;
  auto bytes = repo.backend().Load({backend::FileType::kPack, pack.Hex()});
  if (!bytes) {
    verdict.errors.push_back("pack " + pack.Hex() + ": " + bytes.error().message());
    return verdict;
  }
  verdict.bytes_read = bytes->size();
  Status verified =
      repo.VerifyPack(pack, *bytes, [&](const Id& id, const BlobLocation&, const Error* error) {
        ++verdict.blobs_read;
        if (error == nullptr) return;
        verdict.errors.push_back(error->message());
        verdict.bad_blobs.push_back(id);
      });
  if (!verified) verdict.errors.push_back(verified.error().message());
  return verdict;
}

// Verdicts handed from the workers to the calling thread.
class VerdictQueue {
 public:
  void Push(PackVerdict verdict) EXCLUDES(mu_) {
    {
      MutexLock lock(mu_);
      ready_.push_back(std::move(verdict));
    }
    cv_.notify_one();
  }
  PackVerdict Pop() EXCLUDES(mu_) {
    MutexLock lock(mu_);
    while (ready_.empty()) cv_.wait(mu_);
    PackVerdict verdict = std::move(ready_.front());
    ready_.pop_front();
    return verdict;
  }

 private:
  Mutex mu_;
  std::condition_variable_any cv_;  // waits on mu_
  std::deque<PackVerdict> ready_ GUARDED_BY(mu_);
};

}  // namespace

void VerifyPacks(const repository::Repository& repo, std::span<const Id> packs, unsigned threads,
                 const std::function<void(PackVerdict)>& each) {
  VerdictQueue queue;
  std::atomic<size_t> next{0};
  std::vector<std::jthread> workers;
  size_t count = std::min<size_t>(std::max(1u, threads), packs.size());
  for (size_t t = 0; t < count; ++t) {
    workers.emplace_back([&] {
      for (size_t i = next++; i < packs.size(); i = next++) {
        // Interrupted: the packs left are handed back unread, at once.
        if (Interrupted()) {
          queue.Push(PackVerdict{packs[i]});
          continue;
        }
        queue.Push(ReadAndVerify(repo, packs[i]));
        PausePointForTesting("check: pack read");
      }
    });
  }
  for (size_t done = 0; done < packs.size(); ++done) each(queue.Pop());
}

}  // namespace stormproof::checker
