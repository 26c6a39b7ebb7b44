// The plan's word tables: each value has one word, and the *Name() functions print that word.
#include "continuity/plan/words.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace stormproof::plan {
namespace {

// Every value of an enumeration whose last value is `last` appears once, with a distinct word,
// and `name` prints exactly that word.
template <typename E, typename NameFn>
void ExpectOneWordEach(const WordTable<E>& table, E last, NameFn name) {
  EXPECT_EQ(table.size(), static_cast<size_t>(last) + 1);
  std::set<std::string_view> words;
  std::set<E> values;
  for (const auto& [word, value] : table) {
    EXPECT_TRUE(words.insert(word).second) << word;
    EXPECT_TRUE(values.insert(value).second) << word;
    EXPECT_EQ(std::string(name(value)), word);
  }
}

TEST(WordsTest, EachValueHasOneWordThatNamePrints) {
  ExpectOneWordEach(ContactKindWords(), ContactKind::kPager, ContactKindName);
  ExpectOneWordEach(ControlKindWords(), ControlKind::kCompliance, ControlKindName);
  ExpectOneWordEach(VendorKindWords(), VendorKind::kOther, VendorKindName);
  ExpectOneWordEach(MediumWords(), Medium::kCloud, MediumName);
}

TEST(WordsTest, NamesAreThePlanFilesWords) {
  EXPECT_STREQ(MediumName(Medium::kObject), "object");
  EXPECT_STREQ(ControlKindName(ControlKind::kVulnerabilityScanning), "vulnerability_scanning");
  EXPECT_STREQ(VendorKindName(VendorKind::kColocation), "colocation");
  EXPECT_STREQ(ContactKindName(ContactKind::kSms), "sms");
}

}  // namespace
}  // namespace stormproof::plan
