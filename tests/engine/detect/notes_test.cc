#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "engine/detect/detect.h"
#include "engine/detect/internal/ransom_notes.h"

namespace stormproof::detect {
namespace {

// Names of real notes, at least one for each pattern that only that pattern matches.
constexpr std::string_view kNotes[] = {
    "README_DECRYPT.txt",
    "DECRYPT_README.html",
    "READ_TO_DECRYPT.html",
    "HOW_TO_DECRYPT.txt",
    "How-To-Decrypt-Files.hta",
    "HELP_DECRYPT.PNG",
    "DECRYPT_HELP.url",
    "DECRYPT_INSTRUCTIONS.html",
    "DECRYPT_INFORMATION.txt",
    "DECRYPT-FILES.html",
    "# DECRYPT MY FILES #.txt",
    "KRAB-DECRYPT.txt",
    "FILES ENCRYPTED.txt",
    "!!! ALL YOUR FILES ARE ENCRYPTED !!!.TXT",
    "WHAT_HAPPENED_TO_YOUR_FILES.bmp",
    "Restore-My-Files.txt",
    "RESTORE_INSTRUCTIONS.rtf",
    "RECOVER-FILES.txt",
    "RECOVER-7h2k-FILES.txt",
    "_Locky_recover_instructions.txt",
    "abc-RECOVER-README.txt",
    "+REcovER+abcde+.html",
    "_HELP_INSTRUCTIONS_.TXT",
    "HOW_TO_BACK_FILES.html",
    "HOW TO BACK FILES.txt",
    "HOW_TO_UNLOCK.txt",
    "UNLOCK-FILES.mht",
    "RANSOM_NOTE.txt",
    "!!!_WARNING_!!!.txt",
    "!_READ_ME.RTF",
    "!! READ ME !!.txt",
    "info.hta",
    "_readme.txt",
    "y0ZB5Jbif.README.txt",
    "README.4f2a9c1e.TXT",
    "@Please_Read_Me@.txt",
    "@WanaDecryptor@.exe",
    "RyukReadMe.html",
    "ClopReadMe.txt",
    "CONTI_README.txt",
    "akira_readme.txt",
    "cAcTuS.readme.txt",
    "INC-README.html",
    "readme.blacksuit.txt",
    "instructions_read_me.txt",
    "Look at this instruction.txt",
    "RGNR_AB12CD34.txt",
    "read_it.txt",
    "CriticalBreachDetected.pdf",
};

TEST(RansomNoteTest, MatchesNamesOfRealNotes) {
  for (const std::string_view name : kNotes) {
    EXPECT_TRUE(MatchesRansomNote(name)) << name;
  }
}

TEST(RansomNoteTest, IgnoresCase) {
  EXPECT_TRUE(MatchesRansomNote("how_to_decrypt.txt"));
  EXPECT_TRUE(MatchesRansomNote("HoW_tO_DeCrYpT.HtMl"));
  EXPECT_TRUE(MatchesRansomNote("_README.TXT"));
}

TEST(RansomNoteTest, LeavesOrdinaryNamesAlone) {
  constexpr std::string_view kOrdinary[] = {
      "README.md",
      "readme.txt",
      "README",
      "Readme.html",
      "README.rst",
      "readme.1st",
      "_readme.md",
      "README.decrypt.md",  // not a note-like extension
      "How to restore the server.docx",
      "Restore files checklist.xlsx",
      "decrypt.py",
      "restore.sh",
      "recovery.txt",
      "instructions.txt",
      "HOW_TO.txt",
      "info.txt",
      "index.html",
      "files.txt",
      "myfiles.txt",
      "help.txt",
      "notes.txt",
      "CHANGELOG",
      "LICENSE",
      "ransomware-response-plan.docx",
      "backup_restore.log",
      "abc.README.txt",  // 3, not 9
      "README.4f2a9c1.TXT",
      "readme.linux.txt",
      "encrypted.txt",
      "instructions_readme.md",
      "",
      ".hta.bak",
  };
  for (const std::string_view name : kOrdinary) {
    EXPECT_FALSE(MatchesRansomNote(name)) << name;
  }
}

TEST(RansomNoteTest, ANameTooLongForANoteIsNone) {
  EXPECT_FALSE(MatchesRansomNote(std::string(300, 'x') + "_HOW_TO_DECRYPT.txt"));
  EXPECT_TRUE(MatchesRansomNote(std::string(200, 'x') + "_HOW_TO_DECRYPT.txt"));
}

// A pattern no example needs is either dead or untested: every pattern must be the only one to
// match at least one name of kNotes.
TEST(RansomNoteTest, EveryPatternHasANoteOnlyItMatches) {
  const auto patterns = internal::RansomNotePatterns();
  ASSERT_GE(patterns.size(), 40u);
  for (const internal::NotePattern& pattern : patterns) {
    bool only_it = false;
    for (const std::string_view name : kNotes) {
      int matching = 0;
      for (const internal::NotePattern& other : patterns) {
        matching += internal::MatchesNotePattern(other, name) ? 1 : 0;
      }
      only_it = only_it || (matching == 1 && internal::MatchesNotePattern(pattern, name));
    }
    EXPECT_TRUE(only_it) << "no note in kNotes is matched by '" << pattern.glob << "' alone";
  }
}

TEST(RansomNoteTest, WordPatternsApplyOnlyToNoteLikeFiles) {
  EXPECT_TRUE(MatchesRansomNote("HOW_TO_DECRYPT"));  // no extension: like a note
  EXPECT_TRUE(MatchesRansomNote("HOW_TO_DECRYPT.jpg"));
  EXPECT_FALSE(MatchesRansomNote("HOW_TO_DECRYPT.docx"));
  EXPECT_FALSE(MatchesRansomNote("how_to_decrypt.gpg.md"));
  EXPECT_TRUE(MatchesRansomNote("@WanaDecryptor@.exe"));  // a family name: any extension
}

}  // namespace
}  // namespace stormproof::detect
