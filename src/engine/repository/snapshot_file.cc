#include "engine/repository/snapshot_file.h"

#include <nlohmann/json.hpp>

#include "core/time.h"
#include "engine/repository/encoding.h"
#include "engine/repository/internal/signals_json.h"

namespace stormproof::repository {
namespace {

using nlohmann::json;

json EncodeSummary(const SnapshotSummary& s) {
  return {{"files_new", s.files_new},
          {"files_changed", s.files_changed},
          {"files_unmodified", s.files_unmodified},
          {"dirs", s.dirs},
          {"bytes_processed", s.bytes_processed},
          {"bytes_added", s.bytes_added},
          {"data_blobs_added", s.data_blobs_added},
          {"tree_blobs_added", s.tree_blobs_added},
          {"seconds", s.seconds}};
}

Result<SnapshotSummary> DecodeSummary(const json& j) {
  SnapshotSummary s;
  std::pair<const char*, uint64_t*> counts[] = {{"files_new", &s.files_new},
                                                {"files_changed", &s.files_changed},
                                                {"files_unmodified", &s.files_unmodified},
                                                {"dirs", &s.dirs},
                                                {"bytes_processed", &s.bytes_processed},
                                                {"bytes_added", &s.bytes_added},
                                                {"data_blobs_added", &s.data_blobs_added},
                                                {"tree_blobs_added", &s.tree_blobs_added}};
  for (auto [name, count] : counts) {
    STORMPROOF_ASSIGN_OR_RETURN(*count, IntegerFromJson<uint64_t>(j.at(name), name));
  }
  s.seconds = j.at("seconds").get<double>();
  return s;
}

json ByteStrings(const std::vector<std::string>& items) {
  json out = json::array();
  for (const std::string& item : items) out.push_back(ByteStringToJson(item));
  return out;
}

Result<std::vector<std::string>> ByteStringsFrom(const json& j) {
  if (!j.is_array()) return Error::FailedCheck("expected a list");
  std::vector<std::string> out;
  for (const json& item : j) {
    STORMPROOF_ASSIGN_OR_RETURN(std::string s, ByteStringFromJson(item));
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::map<std::string, std::string>> TagsFrom(const json& j) {
  if (!j.is_array()) return Error::FailedCheck("expected a list of tags");
  std::map<std::string, std::string> tags;
  for (const json& pair : j) {
    if (!pair.is_array() || pair.size() != 2) return Error::FailedCheck("bad tag");
    STORMPROOF_ASSIGN_OR_RETURN(std::string key, ByteStringFromJson(pair[0]));
    STORMPROOF_ASSIGN_OR_RETURN(tags[key], ByteStringFromJson(pair[1]));
  }
  return tags;
}

// "copied_from": {"repository": hex, "snapshot": hex}.
Result<Snapshot::CopyOrigin> CopyOriginFrom(const json& j) {
  if (!j.is_object()) return Error::FailedCheck("copied_from: expected an object");
  Snapshot::CopyOrigin origin;
  STORMPROOF_ASSIGN_OR_RETURN(origin.repository,
                              Id::FromHex(j.at("repository").get<std::string>()));
  STORMPROOF_ASSIGN_OR_RETURN(origin.snapshot, Id::FromHex(j.at("snapshot").get<std::string>()));
  return origin;
}

Result<Snapshot> DecodeFields(const json& j) {
  Snapshot s;
  STORMPROOF_ASSIGN_OR_RETURN(s.time_ns, ParseRfc3339(j.at("time").get<std::string>()));
  STORMPROOF_ASSIGN_OR_RETURN(s.hostname, ByteStringFromJson(j.at("hostname")));
  STORMPROOF_ASSIGN_OR_RETURN(s.username, ByteStringFromJson(j.at("username")));
  STORMPROOF_ASSIGN_OR_RETURN(s.paths, ByteStringsFrom(j.at("paths")));
  STORMPROOF_ASSIGN_OR_RETURN(s.tags, TagsFrom(j.at("tags")));
  STORMPROOF_ASSIGN_OR_RETURN(s.tree, Id::FromHex(j.at("tree").get<std::string>()));
  if (j.contains("parent")) {
    STORMPROOF_ASSIGN_OR_RETURN(s.parent, Id::FromHex(j.at("parent").get<std::string>()));
  }
  STORMPROOF_ASSIGN_OR_RETURN(s.skipped, ByteStringsFrom(j.at("skipped")));
  STORMPROOF_ASSIGN_OR_RETURN(s.summary, DecodeSummary(j.at("summary")));
  STORMPROOF_ASSIGN_OR_RETURN(s.program_version, ByteStringFromJson(j.at("program_version")));
  if (j.contains("repaired_from")) {
    STORMPROOF_ASSIGN_OR_RETURN(s.repaired_from,
                                Id::FromHex(j.at("repaired_from").get<std::string>()));
  }
  if (j.contains("lost")) {
    STORMPROOF_ASSIGN_OR_RETURN(s.lost, ByteStringsFrom(j.at("lost")));
  }
  if (j.contains("copied_from")) {
    STORMPROOF_ASSIGN_OR_RETURN(s.copied_from, CopyOriginFrom(j.at("copied_from")));
  }
  if (j.contains("signals")) {
    STORMPROOF_ASSIGN_OR_RETURN(s.signals, SignalsFromJson(j.at("signals")));
  }
  if (j.contains("verdict")) {
    STORMPROOF_ASSIGN_OR_RETURN(s.verdict, VerdictFromJson(j.at("verdict")));
  }
  return s;
}

}  // namespace

std::string EncodeSnapshot(const Snapshot& s) {
  json tags = json::array();
  for (const auto& [key, value] : s.tags) {
    tags.push_back(json::array({ByteStringToJson(key), ByteStringToJson(value)}));
  }
  json j = {{"time", FormatRfc3339Nanos(s.time_ns)},
            {"hostname", ByteStringToJson(s.hostname)},
            {"username", ByteStringToJson(s.username)},
            {"paths", ByteStrings(s.paths)},
            {"tags", tags},
            {"tree", s.tree.Hex()},
            {"skipped", ByteStrings(s.skipped)},
            {"summary", EncodeSummary(s.summary)},
            {"program_version", ByteStringToJson(s.program_version)}};
  if (s.parent) j["parent"] = s.parent->Hex();
  if (s.repaired_from) j["repaired_from"] = s.repaired_from->Hex();
  if (!s.lost.empty()) j["lost"] = ByteStrings(s.lost);
  if (s.copied_from) {
    j["copied_from"] = {{"repository", s.copied_from->repository.Hex()},
                        {"snapshot", s.copied_from->snapshot.Hex()}};
  }
  if (s.signals) j["signals"] = SignalsToJson(*s.signals);
  if (s.verdict) j["verdict"] = VerdictToJson(*s.verdict);
  return j.dump();
}

Result<Snapshot> DecodeSnapshot(ByteView json_text) {
  json j = json::parse(AsText(json_text), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Error::FailedCheck("snapshot is not JSON");
  try {
    return DecodeFields(j);
  } catch (const json::exception& e) {
    return Error::FailedCheck(std::string("malformed snapshot: ") + e.what());
  }
}

}  // namespace stormproof::repository
