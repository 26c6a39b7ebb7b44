// report/evidence: what the evidence reports (drill reports, the readiness report) and the
// commands that print evidence (`drill`, `status`) share — how sizes, rates, durations, UTC times
// and verdicts are written (evidence_format.h), and the evidence reports' HTML head and verdict
// badge (evidence_html.h). Pure functions; thread-safe.
#ifndef STORMPROOF_CONTINUITY_REPORT_EVIDENCE_EVIDENCE_H_
#define STORMPROOF_CONTINUITY_REPORT_EVIDENCE_EVIDENCE_H_

#include "continuity/report/evidence/evidence_format.h"
#include "continuity/report/evidence/evidence_html.h"

#endif  // STORMPROOF_CONTINUITY_REPORT_EVIDENCE_EVIDENCE_H_
