// The INI dialect of AWS's shared credentials and config files.
#include "engine/s3/internal/profile_file.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/secret.h"
#include "core/text.h"

namespace stormproof::s3::internal {
namespace {

Error LineError(const std::string& path, int line, const std::string& problem) {
  return Error::InvalidArgument(path + ":" + std::to_string(line) + ": " + problem);
}

}  // namespace

ProfileFile::~ProfileFile() {
  for (auto& [section, values] : sections) {
    for (auto& [key, value] : values) Wipe(&value);
  }
}

Result<ProfileFile> ParseProfileFile(std::string_view text, const std::string& path) {
  ProfileFile file;
  std::map<std::string, std::string>* section = nullptr;
  int number = 0;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view raw = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++number;
    std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (std::isspace(static_cast<unsigned char>(raw.front())) && section != nullptr) continue;
    if (line.front() == '[') {
      if (line.back() != ']') return LineError(path, number, "section header without ']'");
      std::string name(Trim(line.substr(1, line.size() - 2)));
      if (name.empty()) return LineError(path, number, "empty section name");
      section = &file.sections[name];
      continue;
    }
    size_t equals = line.find('=');
    if (equals == std::string_view::npos) {
      return LineError(path, number, "expected 'key = value' or '[profile]'");
    }
    if (section == nullptr) return LineError(path, number, "setting before any [profile] header");
    std::string key = AsciiLower(Trim(line.substr(0, equals)));
    if (key.empty()) return LineError(path, number, "setting without a name");
    (*section)[key] = std::string(Trim(line.substr(equals + 1)));
  }
  return file;
}

Result<ProfileFile> ReadProfileFile(const std::string& path) {
  std::error_code exists_error;
  if (!std::filesystem::exists(path, exists_error)) {
    return Error::NotFound(path + ": no such file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::Io(path + ": cannot read: " + std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  Result<ProfileFile> file = ParseProfileFile(text, path);
  Wipe(&text);
  return file;
}

}  // namespace stormproof::s3::internal
