#include "continuity/plan/diagnostics.h"

#include <algorithm>
#include <tuple>

#include "core/text.h"

namespace stormproof::plan {

const char* SeverityName(Severity severity) {
  return severity == Severity::kError ? "error" : "warning";
}

void Diagnostics::Error(const Mark& mark, std::string rule, std::string message) {
  Add({Severity::kError, mark, std::move(message), std::move(rule)});
}

void Diagnostics::Warning(const Mark& mark, std::string rule, std::string message) {
  Add({Severity::kWarning, mark, std::move(message), std::move(rule)});
}

void Diagnostics::Add(Diagnostic diagnostic) {
  if (diagnostic.severity == Severity::kError) ++errors_;
  items_.push_back(std::move(diagnostic));
}

void Diagnostics::SortByPosition() {
  std::stable_sort(items_.begin(), items_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.mark.file, a.mark.line, a.mark.column, a.severity) <
           std::tie(b.mark.file, b.mark.line, b.mark.column, b.severity);
  });
}

std::string FormatDiagnostic(const std::vector<std::string>& files, const Diagnostic& d) {
  std::string where = "plan";
  if (d.mark.file >= 0 && static_cast<size_t>(d.mark.file) < files.size()) {
    where = files[d.mark.file];
    if (d.mark.line > 0) {
      where += ":" + std::to_string(d.mark.line) + ":" + std::to_string(d.mark.column);
    }
  }
  return EscapeControls(where + ": " + SeverityName(d.severity) + ": " + d.message);
}

}  // namespace stormproof::plan
