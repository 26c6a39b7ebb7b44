// report/plan_output: what the commands that read the plan print (`plan check`, `plan audit`,
// `plan order`, `calendar`) — aligned plain text for a terminal (text_output.h) and the `--json`
// forms whose field names are a contract in docs/cli.md (json_output.h). Renderers return text;
// they never touch files. Pure functions; thread-safe.
#ifndef STORMPROOF_CONTINUITY_REPORT_PLAN_OUTPUT_PLAN_OUTPUT_H_
#define STORMPROOF_CONTINUITY_REPORT_PLAN_OUTPUT_PLAN_OUTPUT_H_

#include "continuity/report/plan_output/json_output.h"
#include "continuity/report/plan_output/text_output.h"

#endif  // STORMPROOF_CONTINUITY_REPORT_PLAN_OUTPUT_PLAN_OUTPUT_H_
