// A repository's storage in memory that keeps files under retention as S3 Object Lock does
// (backend::NewRetainingMemoryBackend), on a clock the test moves forward, and whose config an
// attacker can rewrite: a rewritten config is served from then on while the first version stays
// stored (as a versioned bucket keeps it). For tests of retention upkeep (repository, runner).
#ifndef STORMPROOF_TESTS_ENGINE_REPOSITORY_RETAINING_STORE_H_
#define STORMPROOF_TESTS_ENGINE_REPOSITORY_RETAINING_STORE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/bytes.h"
#include "core/result.h"
#include "core/time.h"
#include "engine/backend/backend.h"

namespace stormproof::testing {

class RetainingStore {
 public:
  RetainingStore()
      : now_(std::make_shared<std::atomic<int64_t>>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count())),
        state_(std::make_shared<State>()) {
    state_->target = backend::NewRetainingMemoryBackend([now = now_] { return now->load(); });
  }

  // A backend over the store (a Repository owns its backend: one view each).
  std::unique_ptr<backend::Backend> View() const { return std::make_unique<ViewBackend>(state_); }
  int64_t now_ns() const { return now_->load(); }
  void PassDays(int days) { *now_ += int64_t{days} * kNsPerDay; }
  // The latest retain-until date of `handle` (backend::RetainedUntilNsForTesting).
  int64_t RetainedUntilNs(const backend::Handle& handle) const {
    auto until = backend::RetainedUntilNsForTesting(*state_->target, handle);
    return until ? *until : -1;
  }
  // Rewrites the config as someone without the master key would: `change` edits its JSON, and
  // the result is served from then on (its mac no longer matches).
  void RewriteConfig(const std::function<void(nlohmann::json&)>& change) {
    auto first = state_->target->Load({backend::FileType::kConfig, ""}, 0, 0);
    nlohmann::json doc = nlohmann::json::parse(first ? std::string(AsText(*first)) : "{}");
    change(doc);
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->rewritten_config = doc.dump(2) + "\n";
  }
  // Signs of an attack the upkeep reports from now on, as S3's does from its version listing
  // (Backend::RetentionUpkeep): `config_rewritten` counts the config as overwritten (stored more
  // than once with different content, the one served verifying); the others are added once per
  // upkeep, in its snapshots/ pass.
  struct Signs {
    bool config_rewritten = false;
    uint64_t overwritten = 0, hidden_by_others = 0, unretained = 0;
  };
  void ShowSigns(const Signs& signs) {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->signs = signs;
  }

 private:
  struct State {
    std::unique_ptr<backend::Backend> target;
    std::mutex mutex;
    std::optional<std::string> rewritten_config;
    Signs signs;
  };

  class ViewBackend final : public backend::Backend {
   public:
    explicit ViewBackend(std::shared_ptr<State> state) : state_(std::move(state)) {}
    Status Save(const backend::Handle& h, ByteView d) override { return t().Save(h, d); }
    Result<Bytes> Load(const backend::Handle& h, uint64_t o, uint64_t l) const override {
      if (h.type == backend::FileType::kConfig) {
        std::lock_guard<std::mutex> lock(state_->mutex);
        if (state_->rewritten_config) {
          ByteView text = AsBytes(*state_->rewritten_config);
          return Bytes(text.begin(), text.end());
        }
      }
      return t().Load(h, o, l);
    }
    Result<uint64_t> Size(const backend::Handle& h) const override { return t().Size(h); }
    Result<int64_t> ModifiedNs(const backend::Handle& h) const override {
      return t().ModifiedNs(h);
    }
    Status Remove(const backend::Handle& h) override { return t().Remove(h); }
    Status List(backend::FileType type,
                const std::function<void(const std::string&, uint64_t)>& each) const override {
      return t().List(type, each);
    }
    std::string Location() const override { return t().Location(); }
    Status SetRetention(const backend::Retention& r) override { return t().SetRetention(r); }
    Status ExtendRetention(backend::FileType type, RetentionUpkeep* stats) override {
      STORMPROOF_TRY(t().ExtendRetention(type, stats));
      std::lock_guard<std::mutex> lock(state_->mutex);
      const Signs& signs = state_->signs;
      if (type == backend::FileType::kConfig && signs.config_rewritten) ++stats->overwritten;
      if (type == backend::FileType::kSnapshot) {
        stats->overwritten += signs.overwritten;
        stats->hidden_by_others += signs.hidden_by_others;
        stats->unretained += signs.unretained;
      }
      return Ok();
    }
    Status PurgeExpiredVersions(HiddenVersions* stats) override {
      return t().PurgeExpiredVersions(stats);
    }

   private:
    backend::Backend& t() const { return *state_->target; }
    std::shared_ptr<State> state_;
  };

  std::shared_ptr<std::atomic<int64_t>> now_;
  std::shared_ptr<State> state_;
};

}  // namespace stormproof::testing

#endif  // STORMPROOF_TESTS_ENGINE_REPOSITORY_RETAINING_STORE_H_
