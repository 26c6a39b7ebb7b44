#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "engine/detect/detect.h"

namespace stormproof::detect {
namespace {

struct ExtensionCase {
  std::string_view name;
  std::string_view extension;
};

TEST(ExtensionTest, IsTheLowerCasedTextAfterTheLastDot) {
  const ExtensionCase cases[] = {
      {"report.pdf", "pdf"},
      {"x.DOCX", "docx"},
      {"a.tar.gz", "gz"},
      {"Budget 2026.Final.xlsx", "xlsx"},
      {"photo.jpg.lockbit", "lockbit"},
      {"photo.encrypted", "encrypted"},    // 9 characters
      {"a.abcdefghijkl", "abcdefghijkl"},  // 12, the longest
      {"x.sqlite-journal", ""},            // 14: too long
      {"libfoo.so.6", "6"},
      {"a.my_ext", "my_ext"},
      {"a.x-y", "x-y"},
      {".bashrc", ""},  // a hidden file, no extension
      {"..", ""},
      {".", ""},
      {"notes", ""},
      {"", ""},
      {"a.", ""},     // empty after the dot
      {"a.b c", ""},  // a space is no extension character
      {"a.b+c", ""},
      {"a.r\xC3\xA9s", ""},  // non-ASCII bytes
      {"dir.d", "d"},
      {"..hidden.TXT", "txt"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Extension(c.name), c.extension) << "name '" << c.name << "'";
  }
}

TEST(ExtensionTest, ALongNameWithALongTailHasNone) {
  const std::string name = std::string(300, 'a') + "." + std::string(13, 'b');
  EXPECT_EQ(Extension(name), "");
  EXPECT_EQ(Extension(std::string(300, 'a') + ".Docx"), "docx");
}

}  // namespace
}  // namespace stormproof::detect
