// Number and time formats shared by the evidence reports (drill reports, the readiness report):
// sizes in decimal units as disk and network vendors quote them (1 GB = 10^9 bytes, so that
// "40 MB/s for 7000 s = 280 GB" adds up), durations as people say them, times in UTC.
// Pure functions; thread-safe.
#ifndef STORMPROOF_CONTINUITY_REPORT_EVIDENCE_EVIDENCE_FORMAT_H_
#define STORMPROOF_CONTINUITY_REPORT_EVIDENCE_EVIDENCE_FORMAT_H_

#include <cstdint>
#include <string>

#include "continuity/catalog/catalog.h"
#include "core/time.h"

namespace stormproof::report {

// "0 B", "950 B", "12.3 kB", "40 MB", "280 GB", "1.5 TB": one decimal below 100 units, none
// above, a trailing ".0" dropped.
std::string FormatBytes(double bytes);
// FormatBytes(bytes_per_second) + "/s".
std::string FormatRate(double bytes_per_second);

// "850 ms", "12.3 s" below a minute (a drill's steps are measured finer than other durations);
// from a minute on, the one duration rule of core/time.h (ShortDuration: "18m30s", "1h42m",
// "2d3h"). Negative values get a leading "-".
std::string FormatMillis(int64_t ms);
inline std::string FormatSeconds(int64_t s) { return FormatMillis(s * 1000); }

// Times are formatted by core/time.h: FormatUtc ("2026-03-01 10:00:00 UTC") in text,
// FormatRfc3339 ("2026-03-01T10:00:00Z") in JSON, FormatUtcCompact ("20260301T100000Z") in file
// names, UtcDateOf(ns).ToString() ("2026-03-01") for a day.

// A drill's verdict for people: "pass", "pass with warnings", "fail", "error".
const char* VerdictText(catalog::Outcome outcome);
// The same as an id (JSON): "pass", "pass-with-warnings", "fail", "error".
const char* VerdictId(catalog::Outcome outcome);

// PercentOf (whole percent that never rounds a breach away) is in core/text.h.
// A share (0..1) as a percentage with one decimal, rounded *down* below 100%: "99.5%" for
// 0.9958, "50%" for 0.5, "100%" only for a share of 1 — compliance that was breached even
// briefly never reads 100%.
std::string SharePercent(double share);

}  // namespace stormproof::report

#endif  // STORMPROOF_CONTINUITY_REPORT_EVIDENCE_EVIDENCE_FORMAT_H_
