// Shared by the catalog tests: a temporary directory, a catalog path inside a not yet existing
// subdirectory, and direct SQL on the file (what an analyst with `sqlite3` sees).
#ifndef STORMPROOF_TESTS_CONTINUITY_CATALOG_CATALOG_FIXTURE_H_
#define STORMPROOF_TESTS_CONTINUITY_CATALOG_CATALOG_FIXTURE_H_

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "continuity/catalog/catalog.h"
#include "continuity/catalog/internal/sqlite_db.h"
#include "tests/matchers.h"

namespace stormproof::catalog::testing {

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "stormproof-catalog-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/state/stormproof.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Catalog> OpenCatalog() {
    auto catalog = Catalog::Open(path_, std::chrono::seconds(60));
    EXPECT_THAT(catalog, IsOk());
    if (!catalog.has_value()) return nullptr;
    return std::move(catalog).value();
  }

  // Every row of `sql` on the file, columns joined with '|'.
  std::vector<std::string> Sql(const std::string& sql) const { return SqlOn(path_, sql); }
  static std::vector<std::string> SqlOn(const std::string& path, const std::string& sql) {
    std::vector<std::string> rows;
    auto db = internal::Db::Open(path, std::chrono::seconds(60));
    EXPECT_THAT(db, IsOk());
    if (!db.has_value()) return rows;
    auto statement = (*db)->Prepare(sql);
    EXPECT_THAT(statement, IsOk());
    if (!statement.has_value()) return rows;
    for (;;) {
      auto row = statement->Step();
      EXPECT_THAT(row, IsOk());
      if (!row.has_value() || !*row) return rows;
      std::string line;
      for (int c = 0; c < statement->ColumnCount(); ++c) {
        if (c > 0) line += '|';  // (not "|" + Text(c): gcc 12 warns falsely, stringop-overflow)
        line += statement->Text(c);
      }
      rows.push_back(line);
    }
  }
  std::string SqlValue(const std::string& sql) const {
    auto rows = Sql(sql);
    return rows.empty() ? "<no row>" : rows.front();
  }

  static std::string ReadBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  std::string dir_;
  std::string path_;
};

}  // namespace stormproof::catalog::testing

#endif  // STORMPROOF_TESTS_CONTINUITY_CATALOG_CATALOG_FIXTURE_H_
