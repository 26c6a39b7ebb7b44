// Crash-safe file output: write to a temporary file in the same directory, fsync it, rename it
// over the destination, then fsync the directory. A crash at any instant leaves either the old
// file or the new one, never a mix; the temporary file is removed on failure.
// Thread-safe for distinct destinations.
#ifndef STORMPROOF_CORE_FILE_IO_H_
#define STORMPROOF_CORE_FILE_IO_H_

#include <string>
#include <string_view>

#include "core/result.h"

namespace stormproof {

// Replaces `path` with `content` atomically (see above). The file gets mode 0644.
Status WriteFileAtomically(const std::string& path, std::string_view content);

// The first line of the file at `path` (without its '\n' or a trailing '\r'); "" for an empty
// file. Errors: kNotFound when the file does not exist, kIo when it cannot be read otherwise;
// the message is "<path>: <strerror>".
Result<std::string> ReadFirstLine(const std::string& path);

}  // namespace stormproof

#endif  // STORMPROOF_CORE_FILE_IO_H_
