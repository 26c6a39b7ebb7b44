// Phase 2 of RestoreRun (run.h): writing file contents, blob by blob in pack order.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/interrupt.h"
#include "engine/restorer/internal/parallel.h"
#include "engine/restorer/internal/run.h"

namespace stormproof::restorer {

using repository::BlobType;

namespace {

Status WriteFully(int fd, const uint8_t* data, uint64_t length, uint64_t offset) {
  while (length > 0) {
    ssize_t n = ::pwrite(fd, data, length, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return OsError("cannot write", errno);
    data += n;
    offset += static_cast<uint64_t>(n);
    length -= static_cast<uint64_t>(n);
  }
  return Ok();
}

// A read of a pack covers neighbouring blobs while the bytes it skips stay below kMaxGap and the
// read below kMaxRun: on object storage one request per run instead of one per blob, without
// reading much that is not needed (restore reads only the ranges it needs, give or take a gap).
constexpr uint64_t kMaxGap = uint64_t{1} << 20;
constexpr uint64_t kMaxRun = uint64_t{16} << 20;

bool PackOrder(const BlobJob& a, const BlobJob& b) {
  if (a.location.pack != b.location.pack) return a.location.pack < b.location.pack;
  return a.location.offset < b.location.offset;
}

}  // namespace

// One task per pack: consecutive blobs of a pack mostly belong to one file, and two threads
// writing one file at once only queue on its inode lock, so each thread takes a whole pack.
void RestoreRun::WriteContents() {
  std::vector<BlobJob> jobs = PlanBlobJobs();
  std::vector<size_t> starts;  // each pack's first job, then jobs.size()
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (i == 0 || jobs[i].location.pack != jobs[i - 1].location.pack) starts.push_back(i);
  }
  starts.push_back(jobs.size());
  RunParallel(
      starts.size() - 1, threads_,
      [&](size_t pack) {
        WritePack(
            std::span<const BlobJob>(jobs).subspan(starts[pack], starts[pack + 1] - starts[pack]));
        PausePointForTesting("restore: pack written");
      },
      [&] { reporter_.Tick(); });
}

// Groups every content blob of the files to write by id, so each is loaded once, and orders
// the groups by pack and offset, so each pack is read front to back.
std::vector<BlobJob> RestoreRun::PlanBlobJobs() {
  std::vector<BlobJob> jobs;
  std::unordered_map<crypto::Id, size_t, crypto::IdHash> job_of;
  for (uint32_t f = 0; f < files_.size(); ++f) {
    RestoredFile& file = files_[f];
    const repository::Node& node = plan_.entries[file.entry].node;
    if (file.failed || file.leader != kNoLeader || node.content.empty()) continue;
    uint64_t stream = 0;
    for (const crypto::Id& id : node.content) {
      auto [it, added] = job_of.try_emplace(id, jobs.size());
      if (added) {
        // Its length lays out the file: from a copy that verifies when the copies disagree.
        auto location = repo_.LocateForRead(BlobType::kData, id);
        jobs.push_back({id, location.value_or(repository::BlobLocation{}), {}});
        if (!location) Fail(f, Error::NotFound("data blob " + id.ShortHex() + " vanished"));
      }
      BlobJob& job = jobs[it->second];
      job.uses.push_back({f, stream});
      stream += job.location.raw_length;
    }
    file.pending = static_cast<uint32_t>(node.content.size());
  }
  std::sort(jobs.begin(), jobs.end(), PackOrder);
  return jobs;
}

void RestoreRun::WritePack(std::span<const BlobJob> jobs) {
  size_t first = 0;
  while (first < jobs.size()) {
    if (jobs[first].location.length == 0) {  // not in the index: WriteBlob reports it
      WriteBlob(jobs[first],
                Error::NotFound("data blob " + jobs[first].id.ShortHex() + " is not in the index"));
      ++first;
      continue;
    }
    std::vector<std::pair<crypto::Id, repository::BlobLocation>> run{
        {jobs[first].id, jobs[first].location}};
    uint64_t run_start = jobs[first].location.offset;
    size_t next = first + 1;
    for (; next < jobs.size(); ++next) {
      const repository::BlobLocation& at = jobs[next].location;
      const repository::BlobLocation& last = run.back().second;
      const uint64_t last_end = uint64_t{last.offset} + last.length;  // 64 bits: never wraps
      if (at.length == 0 || at.offset < last_end || at.offset - last_end > kMaxGap ||
          uint64_t{at.offset} + at.length - run_start > kMaxRun) {
        break;
      }
      run.emplace_back(jobs[next].id, at);
    }
    // No re-hash: AES-GCM with the id as associated data authenticates each blob, and --verify
    // re-hashes the restored file (docs/repository-format.md, "Verification").
    size_t i = first;
    repo_.LoadBlobRun(
        BlobType::kData, run, repository::IdCheck::kSkip,
        [&](const crypto::Id&, Result<Bytes> data) { WriteBlob(jobs[i++], std::move(data)); });
    first = next;
  }
}

void RestoreRun::WriteBlob(const BlobJob& job, Result<Bytes> data) {
  if (data && data->size() != job.location.raw_length) {
    data = Error::FailedCheck("data blob " + job.id.ShortHex() + " has " +
                              std::to_string(data->size()) + " bytes, the index says " +
                              std::to_string(job.location.raw_length));
  }
  std::span<const BlobUse> uses(job.uses);
  while (!uses.empty()) {
    uint32_t f = uses.front().file;
    size_t n = 1;
    while (n < uses.size() && uses[n].file == f) ++n;
    UniqueFd fd;
    if (!data) {
      Fail(f, data.error().WithContext("cannot load data blob " + job.id.ShortHex()));
    } else if (!files_[f].failed) {
      fd = WriteUses(uses.first(n), *data);
    }
    if (files_[f].pending.fetch_sub(static_cast<uint32_t>(n)) == n) FinishFile(f, std::move(fd));
    uses = uses.subspan(n);
  }
}

UniqueFd RestoreRun::WriteUses(std::span<const BlobUse> uses, ByteView data) {
  const uint32_t f = uses.front().file;
  const PlannedEntry& entry = plan_.entries[files_[f].entry];
  Result<SharedFd> dir = dirs_.Get(entry.parent);
  Result<UniqueFd> fd =
      dir ? OpenRegularFileAt((*dir)->get(), DiskName(files_[f])) : Result<UniqueFd>(dir.error());
  if (!fd) {
    Fail(f, fd.error());
    return {};
  }
  for (const BlobUse& use : uses) {
    Status written = Ok();
    entry.layout.ForEachPiece(use.stream_offset, data.size(),
                              [&](uint64_t at, uint64_t pos, uint64_t n) {
                                if (written) written = WriteFully(fd->get(), &data[pos], n, at);
                              });
    if (!written) {
      Fail(f, written.error());
      return {};
    }
    reporter_.bytes += data.size();
  }
  return std::move(fd).value();
}

}  // namespace stormproof::restorer
