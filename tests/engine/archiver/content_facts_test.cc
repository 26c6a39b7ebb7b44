// What the pipeline learns about each file it stores, for ransomware detection (issue 16): the
// compressibility of every chunk (from SaveBlob, no extra work) and the sample of the file's
// first bytes, seen through the test-only hook of FileTask::Finish.
#include <fcntl.h>
#include <unistd.h>

#include <map>
#include <mutex>
#include <numeric>
#include <string>

#include "engine/archiver/internal/pipeline.h"
#include "engine/detect/detect.h"
#include "tests/engine/archiver/archiver_fixtures.h"
#include "tests/matchers.h"

namespace stormproof::archiver::testing {
namespace {

using internal::ContentFacts;

class ContentFactsTest : public ArchiverTest {
 protected:
  void SetUp() override {
    ArchiverTest::SetUp();
    internal::SetFileFactsHookForTesting([this](const Node& node, const ContentFacts& facts) {
      std::lock_guard<std::mutex> lock(mu_);
      EXPECT_EQ(facts.ratios.size(), node.content.size()) << node.name;
      facts_[node.name] = facts;
    });
  }
  void TearDown() override {
    internal::SetFileFactsHookForTesting({});
    ArchiverTest::TearDown();
  }
  // Runs a backup of root_ and returns the facts per file name.
  std::map<std::string, ContentFacts> BackUp() {
    facts_.clear();
    EXPECT_THAT(Run(Options({root_})), IsOk());
    return facts_;
  }

  std::mutex mu_;
  std::map<std::string, ContentFacts> facts_;
};

uint64_t Sum(const std::vector<uint32_t>& sizes) {
  return std::accumulate(sizes.begin(), sizes.end(), uint64_t{0});
}

TEST_F(ContentFactsTest, RecordsEveryChunksRatioAndTheHeaderOfEachFile) {
  const Bytes text = TextData(700000, 1);
  const Bytes random = RandomData(700000, 2);
  Write("notes.txt", text);
  Write("photo.raw", random);
  Write("report.pdf", "%PDF-1.7\n" + std::string(2000, 'x'));
  Write("tiny.txt", "hello\n");
  std::map<std::string, ContentFacts> facts = BackUp();
  ASSERT_EQ(facts.size(), 4u);

  const ContentFacts& notes = facts["notes.txt"];
  ASSERT_GE(notes.ratios.size(), 2u) << "several chunks";
  EXPECT_EQ(Sum(notes.sizes), text.size());
  for (size_t i = 0; i < notes.ratios.size(); ++i) {
    EXPECT_GT(notes.ratios[i], 0) << i;
    EXPECT_LT(notes.ratios[i], 800) << i << ": text compresses";
    EXPECT_EQ(notes.added[i], 1) << i;
  }
  EXPECT_EQ(notes.header.sampled, detect::kHeaderSampleBytes);
  EXPECT_EQ(notes.header.magic, detect::MagicKind::kUnknown);
  EXPECT_FALSE(notes.header.high);

  const ContentFacts& photo = facts["photo.raw"];
  ASSERT_GE(photo.ratios.size(), 2u);
  EXPECT_EQ(Sum(photo.sizes), random.size());
  for (size_t i = 0; i < photo.ratios.size(); ++i) {
    EXPECT_EQ(photo.ratios[i], 1000) << i << ": random bytes do not compress";
    EXPECT_EQ(photo.added[i], 1) << i;
  }
  EXPECT_EQ(photo.header.sampled, detect::kHeaderSampleBytes);
  EXPECT_TRUE(photo.header.high);

  EXPECT_EQ(facts["report.pdf"].header.magic, detect::MagicKind::kPdf);
  EXPECT_EQ(facts["report.pdf"].header.sampled, 2009);
  EXPECT_EQ(facts["tiny.txt"].header.sampled, 6);
  EXPECT_TRUE(facts["tiny.txt"].header.unclassified());
}

// A file read again whose chunks are all stored already (here: a second backup without a parent)
// gets the same ratios, from the index, and none of its chunks counts as added.
TEST_F(ContentFactsTest, ChunksAlreadyStoredGetTheirRatioFromTheIndex) {
  Write("notes.txt", TextData(700000, 1));
  Write("photo.raw", RandomData(300000, 2));
  std::map<std::string, ContentFacts> first = BackUp();
  std::map<std::string, ContentFacts> second = BackUp();
  for (const char* name : {"notes.txt", "photo.raw"}) {
    ASSERT_FALSE(second[name].ratios.empty()) << name;
    EXPECT_EQ(second[name].ratios, first[name].ratios) << name;
    EXPECT_EQ(second[name].sizes, first[name].sizes) << name;
    EXPECT_EQ(second[name].added, std::vector<uint8_t>(first[name].added.size(), 0)) << name;
    EXPECT_EQ(second[name].header.entropy_x20, first[name].header.entropy_x20) << name;
  }
}

// The header is a file's first bytes: a sparse file that starts with a hole has none sampled.
TEST_F(ContentFactsTest, ASparseFileStartingWithAHoleHasNoHeaderSample) {
  constexpr off_t kSize = 4 << 20;
  const Bytes data = RandomData(100000, 3);
  int fd = ::open(Path("sparse").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, kSize), 0);
  ASSERT_EQ(::pwrite(fd, data.data(), data.size(), 1 << 20), static_cast<ssize_t>(data.size()));
  ::close(fd);
  struct stat st {};
  ASSERT_EQ(::stat(Path("sparse").c_str(), &st), 0);
  if (static_cast<uint64_t>(st.st_blocks) * 512 >= kSize) GTEST_SKIP() << "no sparse files here";
  std::map<std::string, ContentFacts> facts = BackUp();
  ASSERT_EQ(facts.count("sparse"), 1u);
  EXPECT_FALSE(facts["sparse"].ratios.empty());
  EXPECT_EQ(facts["sparse"].header.sampled, 0) << "not read from offset 0";
}

}  // namespace
}  // namespace stormproof::archiver::testing
