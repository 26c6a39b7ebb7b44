// How the engine commands print what a snapshot holds: names escaped so any byte sequence is
// shown unambiguously, modes like `ls -l`, times, and names in JSON. Pure functions; thread-safe.
#ifndef STORMPROOF_APPS_STORMPROOF_ENTRY_FORMAT_H_
#define STORMPROOF_APPS_STORMPROOF_ENTRY_FORMAT_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "repository/tree.h"

namespace stormproof::cli {

// `raw` with every byte that is not printable UTF-8 written as \xNN (lower-case hex): control
// characters, DEL, C1 controls and bytes of invalid UTF-8 sequences. A backslash becomes "\\",
// so the escaped form is unambiguous. Printable UTF-8 (including non-ASCII) is kept.
std::string EscapeName(std::string_view raw);

// Sets object[key] to `raw` when it is valid UTF-8; otherwise to EscapeName(raw) and
// object[key + "_base64"] to the raw bytes in base64 (RFC 4648), so no byte is lost.
void PutName(nlohmann::json* object, const std::string& key, const std::string& raw);

// "drwxr-sr-t": type letter (- d l p c b s) and permissions with setuid/setgid/sticky as ls shows.
std::string ModeString(const repository::Node& node);
// "file", "dir", "symlink", "fifo", "chardev", "blockdev", "socket".
const char* TypeName(repository::NodeType type);

// The owner's name, or the numeric id when the name was unknown at backup time.
std::string OwnerText(const std::string& name, uint32_t id);

// "2026-05-01 03:00:00" in the local time zone, or in UTC.
std::string LocalTime(int64_t ns);
std::string UtcTime(int64_t ns);

}  // namespace stormproof::cli

#endif  // STORMPROOF_APPS_STORMPROOF_ENTRY_FORMAT_H_
