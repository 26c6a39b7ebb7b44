// Writes seed corpora for the fuzz targets, built with the engine's real encoders and sealed
// with the fuzz test key: fuzz_seeds <output dir> creates <output dir>/<target>/<seed> files.
// Each seed starts with the mode byte the targets read (fuzz_support.h).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "fuzz/fuzz_support.h"
#include "engine/repository/compress.h"
#include "engine/repository/config.h"
#include "engine/repository/encoding.h"
#include "engine/repository/index.h"
#include "engine/repository/key_file.h"
#include "engine/repository/lock.h"
#include "engine/repository/pack.h"
#include "engine/repository/sealed_file.h"
#include "engine/repository/snapshot_file.h"
#include "engine/repository/tree.h"

using namespace stormproof;
using namespace stormproof::repository;
namespace fs = std::filesystem;

namespace {

const crypto::Key kMaster = fuzz::TestKey();

class SeedWriter {
 public:
  explicit SeedWriter(fs::path root) : root_(std::move(root)) {}

  void Write(const std::string& target, const std::string& name, fuzz::Mode mode, ByteView body) {
    fs::create_directories(root_ / target);
    std::ofstream out(root_ / target / name, std::ios::binary | std::ios::trunc);
    char m = static_cast<char>(mode);
    out.write(&m, 1);
    out.write(reinterpret_cast<const char*>(body.data()),
              static_cast<std::streamsize>(body.size()));
    if (!out) {
      std::fprintf(stderr, "fuzz_seeds: cannot write %s/%s\n", target.c_str(), name.c_str());
      std::exit(1);
    }
  }
  // The plaintext seed in the modes that read plaintext (0 and 2), the sealed one in mode 1.
  void WriteAll(const std::string& target, const std::string& name, ByteView plain,
                ByteView sealed) {
    Write(target, name + "-plain", fuzz::Mode::kPlaintext, plain);
    Write(target, name + "-sealed", fuzz::Mode::kSealed, sealed);
    Write(target, name + "-body", fuzz::Mode::kSealedBody, plain);
  }

 private:
  fs::path root_;
};

Bytes Text(std::string_view s) { return Bytes(s.begin(), s.end()); }

Id SomeId(std::string_view seed) { return crypto::Sha256(AsBytes(seed)); }

Tree SampleTree() {
  Tree tree;
  Node dir;
  dir.name = "docs";
  dir.type = NodeType::kDir;
  dir.mode = 0755;
  dir.user = "alice";
  dir.subtree = SomeId("subtree");
  Node file;
  file.name = "report.txt";
  file.mode = 04644;
  file.uid = 1000;
  file.gid = 1000;
  file.mtime_ns = 1'700'000'000'123'456'789;
  file.atime_ns = -5;
  file.size = 3 << 20;
  file.links = 2;
  file.content = {SomeId("chunk 1"), SomeId("chunk 2")};
  file.holes = {{1 << 20, 4096}};
  file.xattrs = {{"user.comment", "hello"}, {"security.selinux", std::string("\0\xff", 2)}};
  Node link;
  link.name = std::string("l\xfeink", 5);
  link.type = NodeType::kSymlink;
  link.link_target = "../docs/report.txt";
  Node device;
  device.name = "tty0";
  device.type = NodeType::kCharDevice;
  device.rdev = (4 << 8) | 1;
  tree.nodes = {dir, link, file, device};
  return tree;
}

void WritePackSeeds(SeedWriter& seeds) {
  // A real two-blob pack, sealed with the test key, and its header plaintext.
  Bytes pack(crypto::kSaltSize, 7);
  crypto::Key pack_key = crypto::DeriveSubkey(kMaster, ByteView(pack).first(crypto::kSaltSize));
  std::vector<PackEntry> entries;
  for (std::string_view content : {"first blob", "second blob, a little longer"}) {
    Bytes payload;
    EncodePayload(AsBytes(content), &payload);
    PackEntry e{BlobType::kData, SomeId(content), static_cast<uint32_t>(pack.size()), 0,
                static_cast<uint32_t>(content.size())};
    crypto::SealAppend(pack_key, payload, BlobAssociatedData(e.type, e.id), &pack);
    e.length = static_cast<uint32_t>(pack.size() - e.offset);
    entries.push_back(e);
  }
  size_t blob_area = pack.size() - crypto::kSaltSize;
  AppendPackHeader(pack_key, entries, &pack);
  Bytes header{static_cast<uint8_t>(blob_area), static_cast<uint8_t>(blob_area >> 8)};
  EncodePackEntries(entries, &header);
  seeds.Write("fuzz_pack", "two-blobs-sealed", fuzz::Mode::kSealed, pack);
  seeds.Write("fuzz_pack", "two-blobs-body", fuzz::Mode::kSealedBody, header);
  // Plaintext mode: the first two bytes scale by 16 to the blob area's end.
  header[0] = static_cast<uint8_t>((blob_area + 15) / 16);
  header[1] = 0;
  seeds.Write("fuzz_pack", "two-blobs-plain", fuzz::Mode::kPlaintext, header);
}

void WriteRepositorySeeds(SeedWriter& seeds) {
  WritePackSeeds(seeds);

  std::vector<IndexedPack> packs = {
      {SomeId("pack 1"),
       {{BlobType::kData, SomeId("a"), 32, 100, 60}, {BlobType::kTree, SomeId("b"), 132, 50, 9}}},
      {SomeId("pack 2"), {}}};
  Bytes index = EncodeIndex(packs);
  seeds.WriteAll("fuzz_index", "two-packs", index, SealFile(kMaster, index, kIndexKind));

  Bytes tree = EncodeTree(SampleTree());
  Bytes raw_payload{static_cast<uint8_t>(PayloadEncoding::kRaw)};
  raw_payload.insert(raw_payload.end(), tree.begin(), tree.end());
  Bytes sealed_blob =
      crypto::Seal(kMaster, raw_payload, BlobAssociatedData(BlobType::kTree, SomeId("fuzz tree")));
  seeds.WriteAll("fuzz_tree", "four-nodes", tree, sealed_blob);
  Bytes empty_tree = EncodeTree(Tree{});
  seeds.Write("fuzz_tree", "empty-plain", fuzz::Mode::kPlaintext, empty_tree);

  Snapshot snapshot;
  snapshot.time_ns = 1'700'000'000'000'000'000;
  snapshot.hostname = "host";
  snapshot.username = std::string("u\xffser", 5);
  snapshot.paths = {"/home/alice", std::string("/srv/\xfe", 6)};
  snapshot.tags = {{"plan", "daily"}};
  snapshot.tree = SomeId("root");
  snapshot.parent = SomeId("parent");
  snapshot.skipped = {"/home/alice/secret: permission denied"};
  snapshot.summary.files_new = 3;
  snapshot.summary.seconds = 1.5;
  snapshot.program_version = "0.1.0";
  std::string json = EncodeSnapshot(snapshot);
  seeds.WriteAll("fuzz_snapshot", "snapshot", AsBytes(json),
                 SealFile(kMaster, AsBytes(json), kSnapshotKind));

  LockInfo lock{"host", "alice", 4242, true, 1'700'000'000'000'000'000};
  Bytes lock_file = EncodeLock(kMaster, lock);
  Bytes lock_json = OpenSealedFile(kMaster, lock_file, kLockKind).value();
  seeds.WriteAll("fuzz_lock", "exclusive", lock_json, lock_file);

  Bytes config_file = EncodeConfig(NewConfig(), kMaster);
  Bytes secret = ParseConfig(config_file).value().secret;
  Bytes secret_json = OpenSealedFile(kMaster, secret, kConfigKind).value();
  seeds.Write("fuzz_config", "config-plain", fuzz::Mode::kPlaintext, config_file);
  seeds.Write("fuzz_config", "secret-sealed", fuzz::Mode::kSealed, secret);
  seeds.Write("fuzz_config", "secret-body", fuzz::Mode::kSealedBody, secret_json);

  MasterKey master{kMaster, fuzz::TestKey(0x11)};
  Bytes key_file = NewKeyFile("fuzz password", master).value();
  seeds.Write("fuzz_key_file", "key-plain", fuzz::Mode::kPlaintext, key_file);
  Bytes master_bytes(kMaster.bytes.begin(), kMaster.bytes.end());
  master_bytes.insert(master_bytes.end(), master.id.bytes.begin(), master.id.bytes.end());
  seeds.Write("fuzz_key_file", "master-body", fuzz::Mode::kSealedBody, master_bytes);

  seeds.WriteAll("fuzz_sealed_file", "index", index, SealFile(kMaster, index, kIndexKind));
  seeds.WriteAll("fuzz_sealed_file", "lock", lock_json, lock_file);

  Bytes text = Text(std::string(4000, 'x') + json);
  Bytes zstd, raw;
  EncodePayload(text, &zstd);
  EncodePayload(AsBytes("short"), &raw);
  seeds.Write("fuzz_payload", "zstd", fuzz::Mode::kPlaintext, zstd);
  seeds.Write("fuzz_payload", "zstd-small-limit", fuzz::Mode::kSealed, zstd);
  seeds.Write("fuzz_payload", "raw", fuzz::Mode::kPlaintext, raw);
  seeds.Write("fuzz_payload", "text-body", fuzz::Mode::kSealedBody, text);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_seeds <output dir>\n");
    return 2;
  }
  setenv("STORMPROOF_KDF_TEST", "1", 1);  // key file seeds with the cheapest Argon2id parameters
  SeedWriter seeds{fs::path(argv[1])};
  WriteRepositorySeeds(seeds);
  return 0;
}
