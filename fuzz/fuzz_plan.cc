// The plan loader: LoadPlanFromText on arbitrary YAML, then the whole-plan validation that
// `plan check` runs on what loaded. Includes resolve against the current directory, so
// scripts/fuzz runs this target from an empty scratch directory.
#include <cstddef>
#include <cstdint>
#include <string>

#include "continuity/plan/loader.h"
#include "continuity/plan/validate.h"

using namespace stormproof;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  plan::LoadOptions options;
  options.max_file_bytes = 1u << 20;
  options.max_total_bytes = 4u << 20;
  std::string text(reinterpret_cast<const char*>(data), size);
  plan::LoadResult loaded = plan::LoadPlanFromText("fuzz.yaml", text, options);
  plan::ValidateOptions validate_options;
  validate_options.today = Date::FromCivil(2026, 1, 1);
  plan::Validate(loaded.plan, validate_options, &loaded.diagnostics);
  return 0;
}
