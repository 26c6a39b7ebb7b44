// Writes the seeded benchmark dataset for bench/engine-bench, and its "changed" variant:
//   generate_dataset --out DIR [--scale 1.0] [--seed 7]            the initial data (~2 GiB)
//   generate_dataset --out DIR --change [--seed 7]                 modify DIR in place
// Initial: ~20,000 small text-like files (1-16 KiB) in nested directories, a few hundred medium
// files (256 KiB-8 MiB, half compressible text, half random), and three large VM-disk-like
// images (256-512 MiB) made of zero runs, repeated blocks and random blocks.
// Change: rewrites ~2% of the small and medium files, appends 16 MiB to one image and inserts
// 4 KiB in the middle of another (shifting everything after it).
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct Options {
  std::string out;
  double scale = 1.0;
  unsigned seed = 7;
  bool change = false;
};

const char* kWords[] = {"continuity", "restore", "backup",   "client",  "ticket", "invoice",
                        "server",     "network", "firewall", "policy",  "the",    "and",
                        "of",         "to",      "record",   "patient", "order",  "ledger"};

std::string Text(std::mt19937_64& rng, size_t bytes) {
  std::string s;
  s.reserve(bytes + 16);
  while (s.size() < bytes) {
    s += kWords[rng() % std::size(kWords)];
    s += (rng() % 12 == 0) ? '\n' : ' ';
    if (rng() % 7 == 0) s += std::to_string(rng() % 100000);
  }
  s.resize(bytes);
  return s;
}

std::string Random(std::mt19937_64& rng, size_t bytes) {
  std::string s(bytes, '\0');
  for (size_t i = 0; i + 8 <= bytes; i += 8) {
    uint64_t v = rng();
    std::memcpy(&s[i], &v, 8);
  }
  return s;
}

void Write(const fs::path& path, const std::string& data, bool append = false) {
  fs::create_directories(path.parent_path());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0644);
  if (fd < 0 || ::write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size())) {
    fmt::print(stderr, "cannot write {}\n", path.string());
    std::exit(1);
  }
  ::close(fd);
}

fs::path SmallPath(const fs::path& root, int i) {
  return root / "documents" / fmt::format("d{:02}", i % 40) / fmt::format("s{:03}", i % 211) /
         fmt::format("note-{:05}.txt", i);
}

fs::path MediumPath(const fs::path& root, int i) {
  return root / "shares" / fmt::format("m{:02}", i % 10) / fmt::format("file-{:04}.dat", i);
}

void WriteImage(const fs::path& path, size_t mib, std::mt19937_64& rng) {
  std::string block = Random(rng, 1 << 20), image;
  for (size_t m = 0; m < mib; ++m) {
    int kind = static_cast<int>(rng() % 10);
    if (kind < 4)
      image += std::string(1 << 20, '\0');  // unallocated space
    else if (kind < 6)
      image += block;  // repeated content (OS files)
    else
      image += Random(rng, 1 << 20);  // unique data
    if (image.size() >= (64u << 20)) {
      Write(path, image, true);
      image.clear();
    }
  }
  Write(path, image, true);
}

void Create(const Options& o) {
  std::mt19937_64 rng(o.seed);
  fs::path root(o.out);
  int smalls = static_cast<int>(20000 * o.scale), mediums = static_cast<int>(300 * o.scale);
  for (int i = 0; i < smalls; ++i) Write(SmallPath(root, i), Text(rng, 1024 + rng() % 15360));
  for (int i = 0; i < mediums; ++i) {
    size_t size = (256u << 10) + rng() % (8u << 20);
    Write(MediumPath(root, i), i % 2 ? Random(rng, size) : Text(rng, size));
  }
  size_t image_mib[] = {512, 384, 256};
  for (int i = 0; i < 3; ++i) {
    fs::path p = root / "vm" / fmt::format("disk{}.img", i);
    fs::remove(p);
    WriteImage(p, static_cast<size_t>(image_mib[i] * o.scale), rng);
  }
}

void InsertInMiddle(const fs::path& path, const std::string& bytes) {
  std::string all;
  {
    FILE* f = std::fopen(path.c_str(), "rb");
    std::fseek(f, 0, SEEK_END);
    all.resize(static_cast<size_t>(std::ftell(f)));
    std::fseek(f, 0, SEEK_SET);
    if (std::fread(all.data(), 1, all.size(), f) != all.size()) std::exit(1);
    std::fclose(f);
  }
  all.insert(all.size() / 2, bytes);
  Write(path, all);
}

void Change(const Options& o) {
  std::mt19937_64 rng(o.seed + 1);
  fs::path root(o.out);
  int smalls = static_cast<int>(20000 * o.scale), mediums = static_cast<int>(300 * o.scale);
  for (int i = 0; i < smalls; i += 50) Write(SmallPath(root, i), Text(rng, 1024 + rng() % 15360));
  for (int i = 0; i < mediums; i += 50) Write(MediumPath(root, i), Text(rng, 1 << 20));
  Write(root / "vm" / "disk0.img", Random(rng, 16u << 20), /*append=*/true);
  InsertInMiddle(root / "vm" / "disk1.img", Random(rng, 4096));
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"Generate the seeded engine benchmark dataset"};
  app.add_option("--out", o.out, "Dataset directory")->required();
  app.add_option("--scale", o.scale, "Size factor (1.0 = about 2 GiB)");
  app.add_option("--seed", o.seed, "Random seed");
  app.add_flag("--change", o.change, "Apply the 'changed' modifications to an existing dataset");
  CLI11_PARSE(app, argc, argv);
  o.change ? Change(o) : Create(o);
  return 0;
}
