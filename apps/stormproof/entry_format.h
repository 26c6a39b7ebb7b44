// How the engine commands print what a snapshot holds: names escaped so any byte sequence is
// shown unambiguously, modes like `ls -l`, times, and names in JSON. Pure functions; thread-safe.
#ifndef STORMPROOF_APPS_STORMPROOF_ENTRY_FORMAT_H_
#define STORMPROOF_APPS_STORMPROOF_ENTRY_FORMAT_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/text.h"
#include "core/time.h"
#include "engine/repository/tree.h"

namespace stormproof::cli {

// Names are escaped with EscapeName (core/text.h): printable UTF-8 kept, every other byte as
// \xNN, a backslash as "\\". Every command escapes text from a repository this way before it
// reaches a terminal; JSON output carries the raw value.
using stormproof::EscapeName;

// Sets object[key] to `raw` when it is valid UTF-8; otherwise to EscapeName(raw) and
// object[key + "_base64"] to the raw bytes in base64 (RFC 4648), so no byte is lost.
void PutName(nlohmann::json* object, const std::string& key, const std::string& raw);

// "drwxr-sr-t": type letter (- d l p c b s) and permissions with setuid/setgid/sticky as ls shows.
std::string ModeString(const repository::Node& node);
// "file", "dir", "symlink", "fifo", "chardev", "blockdev", "socket".
const char* TypeName(repository::NodeType type);

// The owner's name, or the numeric id when the name was unknown at backup time.
std::string OwnerText(const std::string& name, uint32_t id);

// Times are printed by core/time.h: FormatUtc ("2026-05-01 03:00:00 UTC") for people,
// FormatRfc3339Nanos ("2026-12-06T11:14:58.123456789Z") for the "time" of a snapshot in --json.

}  // namespace stormproof::cli

#endif  // STORMPROOF_APPS_STORMPROOF_ENTRY_FORMAT_H_
