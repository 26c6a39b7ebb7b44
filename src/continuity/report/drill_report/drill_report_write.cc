// Writes the three forms of a drill report next to each other, each crash-safely.
#include <filesystem>
#include <system_error>

#include "core/file_io.h"
#include "continuity/report/drill_report/drill_report.h"
#include "continuity/report/drill_report/internal/drill_report_model.h"
#include "continuity/report/evidence/evidence_format.h"

namespace stormproof::report {
namespace {

bool SafeFileName(const std::string& name) {
  return !name.empty() && name != "." && name != ".." &&
         name.find_first_of(std::string("/\0", 2)) == std::string::npos;
}

}  // namespace

Status WriteDrillReports(const DrillReportInput& input, const std::string& dir,
                         std::string* json_path) {
  const catalog::Run& run = input.drill.run;
  if (!SafeFileName(run.system)) {
    return Error::InvalidArgument("drill report: system id '" + run.system +
                                  "' cannot be used as a directory name");
  }
  std::filesystem::path folder = std::filesystem::path(dir) / run.system;
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec) return Error::Io("cannot create " + folder.string() + ": " + ec.message());
  std::string base =
      (folder / (FormatUtcCompact(run.started_ns) + "-drill-" + std::to_string(run.id))).string();
  drill_internal::DrillReportModel model = drill_internal::BuildDrillReportModel(input);
  STORMPROOF_TRY(WriteFileAtomically(base + ".md", drill_internal::MarkdownOf(model)));
  STORMPROOF_TRY(WriteFileAtomically(base + ".html", drill_internal::HtmlOf(model)));
  STORMPROOF_TRY(WriteFileAtomically(
      base + ".json",
      drill_internal::JsonOf(model).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
          "\n"));
  if (json_path != nullptr) *json_path = base + ".json";
  return Ok();
}

}  // namespace stormproof::report
