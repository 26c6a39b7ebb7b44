// Readers for each kind of plan entity, used by the loader. Internal to src/continuity/plan.
//
// Each reads one YAML mapping (one list item, or one top-level block) into `plan`, reporting
// problems into `out`. They never fail outright: a bad field is reported and left at its default.
#ifndef STORMPROOF_CONTINUITY_PLAN_ENTITY_READERS_H_
#define STORMPROOF_CONTINUITY_PLAN_ENTITY_READERS_H_

#include "continuity/plan/diagnostics.h"
#include "continuity/plan/node_reader.h"
#include "continuity/plan/plan.h"
#include "continuity/plan/written_items.h"
#include "continuity/plan/yaml_document.h"

namespace stormproof::plan::internal {

void ReadOrganisation(const Source& source, const yaml::Node& node, Diagnostics* out, Plan* plan);
void ReadReview(const Source& source, const yaml::Node& node, Diagnostics* out, Plan* plan);
void ReadPolicy(const Source& source, const yaml::Node& node, Diagnostics* out, Plan* plan);
void ReadRunSettings(const Source& source, const yaml::Node& node, Diagnostics* out, Plan* plan);
void ReadPerson(const Source& source, const yaml::Node& node, Diagnostics* out, Plan* plan);
void ReadRole(const Source& source, const yaml::Node& node, Diagnostics* out, Plan* plan);
void ReadClient(const Source& source, const yaml::Node& node, Diagnostics* out, Plan* plan);
void ReadTier(const Source& source, const yaml::Node& node, Diagnostics* out, Plan* plan);
void ReadSystem(const Source& source, const yaml::Node& node, Diagnostics* out, Plan* plan);
void ReadVendor(const Source& source, const yaml::Node& node, Diagnostics* out, Plan* plan);
void ReadSite(const Source& source, const yaml::Node& node, Diagnostics* out, Plan* plan);
void ReadRepository(const Source& source, const yaml::Node& node, Diagnostics* out, Plan* plan);
void ReadTraining(const Source& source, const yaml::Node& node, Diagnostics* out, Plan* plan);

// `path` as written in file `file` of the plan: absolute paths unchanged, relative ones joined to
// that file's directory. "" stays "".
std::string ResolveAgainstFile(const Plan& plan, int file, const std::string& path);

// Fills the run settings' defaults that depend on where the plan is: the catalog
// ("stormproof.db") and the reports directory ("reports") next to the root plan file.
// The loader calls it after reading every file.
void ApplyRunDefaults(Plan* plan);

// Where `item`, an item of the list `collection` ("systems", ...), was written
// (written_items.h).
WrittenItem DescribeItem(const Source& source, const yaml::Node& item, std::string collection);

// A list of security controls (a client's or the MSP's).
void ReadSecurityControls(const Source& source, const yaml::Node& node, const std::string& what,
                          Diagnostics* out, std::vector<SecurityControl>* controls);

}  // namespace stormproof::plan::internal

#endif  // STORMPROOF_CONTINUITY_PLAN_ENTITY_READERS_H_
