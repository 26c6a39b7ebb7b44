// The evidence file's JSON (hosts.h; docs/catalog.md, "Many hosts, one catalog").
#include <nlohmann/json.hpp>

#include <optional>
#include <type_traits>

#include "continuity/hosts/hosts.h"

namespace stormproof::hosts {
namespace {

using nlohmann::json;

constexpr const char* kFormat = "stormproof evidence";

// Invalid UTF-8 (a file name quoted in an error) is replaced by U+FFFD.
std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

json Optional(const std::optional<int64_t>& value) {
  return value ? json(*value) : json(nullptr);
}

json StepJson(const catalog::DrillStep& step) {
  return {{"name", step.name},
          {"duration_ms", step.duration_ms},
          {"outcome", catalog::OutcomeName(step.outcome)},
          {"note", step.note},
          {"output", step.output}};
}

json DrillJson(const catalog::Drill& drill) {
  json steps = json::array();
  for (const catalog::DrillStep& step : drill.steps) steps.push_back(StepJson(step));
  return {{"adapter", drill.adapter},
          {"achieved_rto_ms", Optional(drill.achieved_rto_ms)},
          {"achieved_rpo_s", Optional(drill.achieved_rpo_s)},
          {"target_rto_s", Optional(drill.target_rto_s)},
          {"target_rpo_s", Optional(drill.target_rpo_s)},
          {"throughput_bytes_per_s", drill.throughput_bytes_per_s},
          {"reasons", drill.reasons},
          {"surprise", drill.surprise},
          {"absent_person", drill.absent_person},
          {"uncovered_steps", drill.uncovered_steps},
          {"steps", std::move(steps)}};
}

json RecordJson(const catalog::ImportedRecord& record) {
  const catalog::Run& run = record.run;
  json j = {{"record_id", run.record_id},
            {"host", run.host},
            {"kind", catalog::RunKindName(run.kind)},
            {"system", run.system},
            {"client", run.client},
            {"repository", run.repository},
            {"started_ns", run.started_ns},
            {"finished_ns", run.finished_ns},
            {"bytes", run.bytes},
            {"files", run.files},
            {"outcome", catalog::OutcomeName(run.outcome)},
            {"error", run.error},
            {"snapshot_id", run.snapshot_id},
            {"snapshot_time_ns", run.snapshot_time_ns},
            {"details", run.details}};
  if (record.drill) j["drill"] = DrillJson(*record.drill);
  return j;
}

// Reads typed members of one JSON object; the first problem is kept and named.
class Reader {
 public:
  Reader(const json& object, std::string where) : object_(object), where_(std::move(where)) {}

  template <typename T>
  T Get(const char* key) {
    if (!problem_.empty()) return T{};
    auto it = object_.find(key);
    if (it == object_.end()) return Fail<T>(std::string("missing '") + key + "'");
    if constexpr (std::is_same_v<T, std::string>) {
      if (!it->is_string()) return Fail<T>(std::string("'") + key + "' is not text");
    } else if constexpr (std::is_same_v<T, bool>) {
      if (!it->is_boolean()) return Fail<T>(std::string("'") + key + "' is not true or false");
    } else if constexpr (std::is_floating_point_v<T>) {
      if (!it->is_number()) return Fail<T>(std::string("'") + key + "' is not a number");
    } else if constexpr (std::is_integral_v<T>) {
      if (!it->is_number_integer()) return Fail<T>(std::string("'") + key + "' is not an integer");
    } else {
      if (!it->is_array()) return Fail<T>(std::string("'") + key + "' is not a list");
      for (const json& item : *it) {
        if (!item.is_string()) return Fail<T>(std::string("'") + key + "' is not a list of text");
      }
    }
    return it->get<T>();
  }

  std::optional<int64_t> OptionalInt(const char* key) {
    auto it = object_.find(key);
    if (it != object_.end() && it->is_null()) return std::nullopt;
    return Get<int64_t>(key);
  }

  template <typename T>
  T Parsed(Result<T> value) {
    if (!value && problem_.empty()) problem_ = value.error().message();
    return value ? *value : T{};
  }

  Status Done() const {
    if (problem_.empty()) return Ok();
    return Error::Parse(where_ + ": " + problem_);
  }

 private:
  template <typename T>
  T Fail(std::string problem) {
    problem_ = std::move(problem);
    return T{};
  }

  const json& object_;
  std::string where_;
  std::string problem_;
};

Result<catalog::DrillStep> ReadStep(const json& j, const std::string& where) {
  if (!j.is_object()) return Error::Parse(where + ": not an object");
  Reader r(j, where);
  catalog::DrillStep step;
  step.name = r.Get<std::string>("name");
  step.duration_ms = r.Get<int64_t>("duration_ms");
  step.outcome = r.Parsed(catalog::ParseOutcome(r.Get<std::string>("outcome")));
  step.note = r.Get<std::string>("note");
  step.output = r.Get<std::vector<std::string>>("output");
  STORMPROOF_TRY(r.Done());
  return step;
}

Result<catalog::Drill> ReadDrill(const json& j, const std::string& where) {
  if (!j.is_object()) return Error::Parse(where + ": not an object");
  Reader r(j, where);
  catalog::Drill drill;
  drill.adapter = r.Get<std::string>("adapter");
  drill.achieved_rto_ms = r.OptionalInt("achieved_rto_ms");
  drill.achieved_rpo_s = r.OptionalInt("achieved_rpo_s");
  drill.target_rto_s = r.OptionalInt("target_rto_s");
  drill.target_rpo_s = r.OptionalInt("target_rpo_s");
  drill.throughput_bytes_per_s = r.Get<double>("throughput_bytes_per_s");
  drill.reasons = r.Get<std::vector<std::string>>("reasons");
  drill.surprise = r.Get<bool>("surprise");
  drill.absent_person = r.Get<std::string>("absent_person");
  drill.uncovered_steps = r.Get<std::vector<std::string>>("uncovered_steps");
  STORMPROOF_TRY(r.Done());
  const json& steps = j.contains("steps") ? j["steps"] : json();
  if (!steps.is_array()) return Error::Parse(where + ": 'steps' is not a list");
  for (size_t i = 0; i < steps.size(); ++i) {
    STORMPROOF_ASSIGN_OR_RETURN(catalog::DrillStep step,
                                ReadStep(steps[i], where + ": step " + std::to_string(i + 1)));
    drill.steps.push_back(std::move(step));
  }
  return drill;
}

Result<catalog::ImportedRecord> ReadRecord(const json& j, const std::string& where) {
  if (!j.is_object()) return Error::Parse(where + ": not an object");
  Reader r(j, where);
  catalog::ImportedRecord record;
  catalog::Run& run = record.run;
  run.record_id = r.Get<std::string>("record_id");
  run.host = r.Get<std::string>("host");
  run.kind = r.Parsed(catalog::ParseRunKind(r.Get<std::string>("kind")));
  run.system = r.Get<std::string>("system");
  run.client = r.Get<std::string>("client");
  run.repository = r.Get<std::string>("repository");
  run.started_ns = r.Get<int64_t>("started_ns");
  run.finished_ns = r.Get<int64_t>("finished_ns");
  run.bytes = r.Get<uint64_t>("bytes");
  run.files = r.Get<uint64_t>("files");
  run.outcome = r.Parsed(catalog::ParseOutcome(r.Get<std::string>("outcome")));
  run.error = r.Get<std::string>("error");
  run.snapshot_id = r.Get<std::string>("snapshot_id");
  run.snapshot_time_ns = r.Get<int64_t>("snapshot_time_ns");
  run.details = r.Get<std::string>("details");
  STORMPROOF_TRY(r.Done());
  if (run.record_id.empty()) return Error::Parse(where + ": empty 'record_id'");
  if (run.kind == catalog::RunKind::kDrill) {
    if (!j.contains("drill")) return Error::Parse(where + ": a drill without 'drill'");
    STORMPROOF_ASSIGN_OR_RETURN(record.drill, ReadDrill(j["drill"], where + ": drill"));
  }
  return record;
}

}  // namespace

std::string EncodeEvidence(const EvidenceFile& file) {
  json records = json::array();
  for (const catalog::ImportedRecord& record : file.records) records.push_back(RecordJson(record));
  return Dump({{"format", kFormat},
               {"version", kEvidenceFormatVersion},
               {"host", file.host},
               {"written_ns", file.written_ns},
               {"runs", std::move(records)}});
}

Result<EvidenceFile> DecodeEvidence(const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || j.value("format", "") != kFormat) {
    return Error::Parse("not a stormproof evidence document");
  }
  Reader r(j, "evidence");
  int version = r.Get<int>("version");
  EvidenceFile file;
  file.host = r.Get<std::string>("host");
  file.written_ns = r.Get<int64_t>("written_ns");
  STORMPROOF_TRY(r.Done());
  if (version > kEvidenceFormatVersion) {
    return Error::InvalidArgument("written by a newer stormproof (evidence format " +
                                  std::to_string(version) + "); upgrade this one");
  }
  const json& runs = j.contains("runs") ? j["runs"] : json();
  if (!runs.is_array()) return Error::Parse("evidence: 'runs' is not a list");
  for (size_t i = 0; i < runs.size(); ++i) {
    STORMPROOF_ASSIGN_OR_RETURN(catalog::ImportedRecord record,
                                ReadRecord(runs[i], "run " + std::to_string(i + 1)));
    file.records.push_back(std::move(record));
  }
  return file;
}

}  // namespace stormproof::hosts
