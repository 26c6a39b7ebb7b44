// Readers for each kind of plan entity, used by the loader. Internal to src/continuity/plan.
//
// Each reads one YAML mapping (one list item, or one top-level block) into `plan`, reporting
// problems into `out`. They never fail outright: a bad field is reported and left at its default.
#ifndef STORMPROOF_CONTINUITY_PLAN_INTERNAL_ENTITY_READERS_H_
#define STORMPROOF_CONTINUITY_PLAN_INTERNAL_ENTITY_READERS_H_

#include <string>
#include <utility>
#include <vector>

#include "continuity/plan/diagnostics.h"
#include "continuity/plan/internal/node_reader.h"
#include "continuity/plan/plan.h"
#include "continuity/plan/written_items.h"
#include "continuity/plan/internal/yaml_document.h"

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
void ReadScenario(const Source& source, const yaml::Node& node, Diagnostics* out, Plan* plan);

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

// "kind 'id'", or just "kind" while the id is unknown: how messages name a plan entity.
inline std::string Named(const std::string& kind, const std::string& id) {
  return id.empty() ? kind : kind + " '" + id + "'";
}

// Reads one list item that is an entity with an `id` (a person, a system, ...): records its mark,
// reads the required `id`, names it Named(kind, id) in every later message, lets `read_fields`
// read the rest, reports unknown keys and appends it to `list`. A non-mapping item is reported and
// not appended.
template <typename Entity, typename ReadFields>
void ReadIdentifiedItem(const Source& source, const yaml::Node& node, const std::string& kind,
                        Diagnostics* out, std::vector<Entity>* list, ReadFields read_fields) {
  NodeReader r(source, node, kind, out);
  if (!r.ok()) return;
  Entity entity;
  entity.mark = r.mark();
  r.Id("id", &entity.id);
  r.set_what(Named(kind, entity.id));
  read_fields(r, entity);
  r.Finish();
  list->push_back(std::move(entity));
}

}  // namespace stormproof::plan::internal

#endif  // STORMPROOF_CONTINUITY_PLAN_INTERNAL_ENTITY_READERS_H_
