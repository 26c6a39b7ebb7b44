#include "apps/stormproof/context.h"

#include <fmt/format.h>

#include <cstdio>
#include <iostream>

#include "core/file_io.h"
#include "continuity/plan/validate.h"

namespace stormproof::cli {

Result<Clock> CommandClock(const Context& context) {
  auto clock = Clock::FromAsOf(context.as_of);
  if (!clock) return clock.error().WithContext("--as-of");
  return clock;
}

Result<Date> Today(const Context& context) {
  STORMPROOF_ASSIGN_OR_RETURN(Clock clock, CommandClock(context));
  return clock.Today();
}

int64_t NowNs(const Context& context, Date today) {
  return (context.as_of.empty() ? Clock::System() : Clock::AsOf(today)).NowNs();
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

Reported<UsablePlan> LoadUsablePlan(const Context& context) {
  auto today = Today(context);
  if (!today) {
    PrintError(today.error().message());
    return Outcome::Failed(today.error());
  }
  UsablePlan usable{plan::LoadPlan(context.plan_path, PlanLoadOptions(context)), *today};
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
  return usable.loaded.readable ? Outcome::Problems() : Outcome::Failed();
}

Outcome WriteOutput(const std::string& out_path, const std::string& text) {
  if (out_path.empty() || out_path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return Outcome::Ok();
  }
  Status written = WriteFileAtomically(out_path, text);
  if (!written) {
    PrintError(written.error().message());
    return Outcome::Failed();  // exit 1 whatever the code: the file could not be written
  }
  return Outcome::Ok();
}

}  // namespace stormproof::cli
