#include "apps/stormproof/context.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "core/file_io.h"
#include "continuity/plan/validate.h"
#include "continuity/readiness/readiness.h"

namespace stormproof::cli {

Result<Date> Today(const Context& context) {
  if (context.as_of.empty()) return Date::Today();
  auto date = Date::Parse(context.as_of);
  if (!date) return date.error().WithContext("--as-of");
  return date;
}

int64_t NowNs(const Context& context, Date today) {
  if (!context.as_of.empty()) return readiness::EndOfDayNs(today);
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void PrintError(const std::string& message) { fmt::print(stderr, "stormproof: {}\n", message); }

void PrintJson(const nlohmann::json& value) {
  std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  fmt::print("{}\n", text);
}

void PrintJsonWithArray(const nlohmann::json& head, const std::string& key, size_t count,
                        const std::function<nlohmann::json(size_t)>& item) {
  constexpr auto kReplace = nlohmann::json::error_handler_t::replace;
  std::string text = head.dump(-1, ' ', false, kReplace);
  text.pop_back();  // the closing brace; the array goes last
  text += (head.empty() ? "" : ",") + nlohmann::json(key).dump() + ":[";
  std::fwrite(text.data(), 1, text.size(), stdout);
  for (size_t i = 0; i < count; ++i) {
    std::string one = (i ? "," : "") + item(i).dump(-1, ' ', false, kReplace);
    std::fwrite(one.data(), 1, one.size(), stdout);
  }
  std::fputs("]}\n", stdout);
}

plan::LoadOptions PlanLoadOptions(const Context& context) {
  plan::LoadOptions options;
  options.allow_include_outside = context.allow_include_outside;
  return options;
}

std::optional<UsablePlan> LoadUsablePlan(Context* context) {
  auto today = Today(*context);
  if (!today) {
    PrintError(today.error().message());
    context->exit_code = kExitUsage;
    return std::nullopt;
  }
  UsablePlan usable{plan::LoadPlan(context->plan_path, PlanLoadOptions(*context)), *today};
  plan::Diagnostics& diagnostics = usable.loaded.diagnostics;
  if (usable.loaded.readable) {
    plan::Validate(usable.loaded.plan, {*today}, &diagnostics);
  }
  if (diagnostics.error_count() == 0) return usable;
  constexpr size_t kShown = 20;
  size_t shown = 0;
  for (const plan::Diagnostic& d : diagnostics.all()) {
    if (d.severity != plan::Severity::kError || shown++ >= kShown) continue;
    fmt::print(stderr, "{}\n", plan::FormatDiagnostic(usable.loaded.plan.files, d));
  }
  PrintError(fmt::format(
      "the plan has {} error(s){}; run 'stormproof plan check' for the full list",
      diagnostics.error_count(), diagnostics.error_count() > kShown ? " (first 20 shown)" : ""));
  context->exit_code = usable.loaded.readable ? kExitProblems : kExitError;
  return std::nullopt;
}

bool WriteOutput(Context* context, const std::string& out_path, const std::string& text) {
  if (out_path.empty() || out_path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return true;
  }
  Status written = WriteFileAtomically(out_path, text);
  if (!written) {
    PrintError(written.error().message());
    context->exit_code = kExitError;
    return false;
  }
  return true;
}

}  // namespace stormproof::cli
