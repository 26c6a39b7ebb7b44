// Diagnostics: the problems found while loading or checking a plan, each with a position.
//
// A Diagnostics collects them in the order found; callers sort for output. Not thread-safe.
#ifndef STORMPROOF_CONTINUITY_PLAN_DIAGNOSTICS_H_
#define STORMPROOF_CONTINUITY_PLAN_DIAGNOSTICS_H_

#include <string>
#include <vector>

#include "continuity/plan/plan.h"

namespace stormproof::plan {

// "'erp'": an id (or a value) as the messages quote it.
inline std::string Quoted(const std::string& id) { return "'" + id + "'"; }

enum class Severity { kError, kWarning };
const char* SeverityName(Severity severity);  // "error", "warning"

struct Diagnostic {
  Severity severity = Severity::kError;
  Mark mark;
  std::string
      message;       // names the offending id and field, e.g. "system 'erp': unknown owner 'jdo'"
  std::string rule;  // a stable rule name for machines, e.g. "unknown-reference"
};

class Diagnostics {
 public:
  void Error(const Mark& mark, std::string rule, std::string message);
  void Warning(const Mark& mark, std::string rule, std::string message);
  void Add(Diagnostic diagnostic);

  const std::vector<Diagnostic>& all() const { return items_; }
  size_t error_count() const { return errors_; }
  size_t warning_count() const { return items_.size() - errors_; }

  // Orders by file, line, column, then severity, keeping the order found among equals.
  void SortByPosition();

 private:
  std::vector<Diagnostic> items_;
  size_t errors_ = 0;
};

// "plan.yaml:42:7: error: system 'payroll-db': unknown owner 'jdoe'" — paths as in plan.files.
// Always one line: control characters (a line break, a terminal escape) are written as \xNN.
std::string FormatDiagnostic(const std::vector<std::string>& files, const Diagnostic& d);

}  // namespace stormproof::plan

#endif  // STORMPROOF_CONTINUITY_PLAN_DIAGNOSTICS_H_
