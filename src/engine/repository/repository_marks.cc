// Repository: marks (repository.h, marks.h; docs/repository-format.md, "Marks").
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/repository/internal/repository_impl.h"
#include "engine/repository/marks.h"
#include "engine/repository/repository.h"
#include "engine/repository/sealed_file.h"

namespace stormproof::repository {
namespace {

using backend::FileType;

// Larger than any mark stormproof writes (a scan's signals are the most, tens of KiB; SaveMark
// refuses more): a planted file is not read whole.
constexpr uint64_t kMaxMarkBytes = uint64_t{1} << 20;

// How many marks are read at once. A scanned history has a mark per snapshot, and on object
// storage each mark the cache lacks is a GET that mostly waits on the network (the S3 client
// itself runs at most 8 requests at once); a cached mark or a local disk answers at once.
constexpr size_t kParallelMarkReads = 8;

// Calls read(i) for every i in [0, count), on up to kParallelMarkReads threads (the caller's
// among them), and returns when every call under way is done. Once a call returns false no
// further call starts (the calls under way finish). `read` must be thread-safe.
void ReadInParallel(size_t count, const std::function<bool(size_t)>& read) {
  std::atomic<size_t> next{0};
  std::atomic<bool> stopped{false};
  auto work = [&] {
    for (size_t i = next++; i < count && !stopped; i = next++) {
      if (!read(i)) stopped = true;
    }
  };
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < std::min(count, kParallelMarkReads); ++t) helpers.emplace_back(work);
  work();
  for (std::thread& helper : helpers) helper.join();
}

}  // namespace

Result<std::string> Repository::SaveMark(const Mark& mark) {
  STORMPROOF_TRY(VerifyLocks());
  std::string text = EncodeMark(mark);
  // A mark no reader accepts (an empty reason, a release naming nothing) is refused, not written
  // to be skipped as damaged: a hold never silently fails to stand.
  if (Result<Mark> readable = DecodeMark(text); !readable) {
    return readable.error().WithContext("saving mark");
  }
  Bytes file = SealFile(impl_->master.encryption, AsBytes(text), kMarkKind);
  if (file.size() > kMaxMarkBytes) {
    return Error::FailedCheck("saving mark: " + std::to_string(file.size()) +
                              " bytes, more than LoadMarks reads (" +
                              std::to_string(kMaxMarkBytes) + ")");
  }
  std::string name = std::string(kMarkNamePrefix) + crypto::Sha256(file).Hex();
  Status saved = backend_->Save({FileType::kEvidence, name}, file);
  if (!saved) return saved.error().WithContext("saving mark " + name);
  return name;
}

Result<Mark> Repository::LoadMark(const std::string& name) const {
  std::string where = "mark " + name;
  auto file = backend_->Load({FileType::kEvidence, name});
  if (!file) return file.error().WithContext(where);
  Result<Id> id = IsMarkName(name) ? Id::FromHex(name.substr(kMarkNamePrefix.size()))
                                   : Result<Id>(Error::InvalidArgument("not a mark's name"));
  if (!id || crypto::Sha256(*file) != *id) {
    return Error::Corrupt(where + ": content does not match its name (damaged)");
  }
  auto plain = OpenSealedFile(impl_->master.encryption, *file, kMarkKind);
  if (!plain) return plain.error().WithContext(where);
  auto mark =
      DecodeMark(std::string_view(reinterpret_cast<const char*>(plain->data()), plain->size()));
  if (!mark) return mark.error().WithContext(where);
  return mark;
}

Result<MarkSet> Repository::LoadMarks(std::vector<DamagedFile>* damaged) const {
  std::vector<std::string> names;
  STORMPROOF_TRY(backend_->List(FileType::kEvidence, [&](const std::string& name, uint64_t size) {
    if (!IsMarkName(name)) return;
    if (size > kMaxMarkBytes) {
      if (damaged) damaged->push_back({name, "larger than a mark can be: not read"});
      return;
    }
    names.push_back(name);
  }));
  std::sort(names.begin(), names.end());
  // Read at once (each into its own slot): a mark the cache lacks is a request to the storage.
  // Storage that cannot be read now (network, permission) is no damaged mark: skipping it would
  // drop a person's hold, and forget would then remove what it held. So such an error stops the
  // reading and fails the load.
  std::vector<std::optional<Result<Mark>>> read(names.size());
  ReadInParallel(names.size(), [&](size_t i) {
    read[i] = LoadMark(names[i]);
    return read[i]->has_value() || read[i]->error().SaysDamagedOrMissing();
  });
  std::vector<NamedMark> marks;
  for (size_t i = 0; i < names.size(); ++i) {
    if (!read[i]) continue;  // not read after a storage error, which is returned below
    Result<Mark>& mark = *read[i];
    if (mark) {
      marks.push_back({names[i], std::move(*mark)});
    } else if (!mark.error().SaysDamagedOrMissing()) {
      return mark.error();
    } else if (damaged) {
      damaged->push_back({names[i], mark.error().message()});
    }
  }
  return MarkSet(std::move(marks));
}

}  // namespace stormproof::repository
