// A finding as a report or view scoped to one client shows it. The plan audit speaks to the
// MSP: one finding may name the systems of several clients ("losing Raj Patel stops 'ppe-mes'
// and 'hv-case'"), the MSP's own systems, or the MSP's people. A client must read only what
// concerns it: its own systems, and an MSP-side weakness only as its effect on them ("Systems
// 'X' and 'Y' depend on one engineer"), never another client's names, systems or people.
//
// Pure functions of the plan and the findings; thread-safe.
#ifndef STORMPROOF_CONTINUITY_ANALYSIS_CLIENT_VIEW_H_
#define STORMPROOF_CONTINUITY_ANALYSIS_CLIENT_VIEW_H_

#include <optional>
#include <string>
#include <vector>

#include "continuity/analysis/audit.h"
#include "continuity/plan/plan.h"

namespace stormproof::analysis {

// True when `finding` is about the MSP's own side rather than about one client's setup: it is
// about people (restorers, contacts, training, reviews), or it names a system that is not the
// client's (an MSP system, another client's). REQUIRES: client_id names a client of `plan`.
bool IsMspSide(const plan::Plan& plan, const Finding& finding, const std::string& client_id);

// The finding as `client_id` reads it, or nullopt when it does not concern that client (names
// none of its systems and does not list it in `clients`).
//
// A finding about the client's own setup is returned as it is, with `clients` = {client_id}.
// An MSP-side finding (IsMspSide) is reworded as its effect on the client: the title names only
// the client's affected systems ("Systems 'A' and 'B' depend on one engineer"), the detail
// and recommendation name no person, no other client and no system that is not the client's;
// `systems` keeps only the client's systems. Severity, area, rule and mark are kept.
std::optional<Finding> FindingForClient(const plan::Plan& plan, const Finding& finding,
                                        const std::string& client_id);

// FindingForClient() over a list, in its order, without the findings that do not concern the
// client.
std::vector<Finding> FindingsForClient(const plan::Plan& plan, const std::vector<Finding>& findings,
                                       const std::string& client_id);

}  // namespace stormproof::analysis

#endif  // STORMPROOF_CONTINUITY_ANALYSIS_CLIENT_VIEW_H_
