// Readers for the infrastructure side of a plan: tiers, systems, vendors, sites, repositories.
#include "continuity/plan/internal/entity_readers.h"
#include "continuity/plan/words.h"
#include "engine/storage/storage.h"

namespace stormproof::plan::internal {
namespace {

using yaml::Node;
using yaml::NodeKind;

void ReadRetention(const Source& source, const Node& node, const std::string& what,
                   Diagnostics* out, Tier::Retention* retention) {
  NodeReader r(source, node, what + ": retention", out);
  constexpr int kMax = 100000;
  r.Integer("keep_last", &retention->keep_last, 0, kMax);
  r.Integer("keep_hourly", &retention->keep_hourly, 0, kMax);
  r.Integer("keep_daily", &retention->keep_daily, 0, kMax);
  r.Integer("keep_weekly", &retention->keep_weekly, 0, kMax);
  r.Integer("keep_monthly", &retention->keep_monthly, 0, kMax);
  r.Integer("keep_yearly", &retention->keep_yearly, 0, kMax);
  r.Finish();
}

void ReadBackup(const Source& source, const Node& node, const std::string& what, Diagnostics* out,
                System* system) {
  NodeReader r(source, node, what + ": backup", out);
  system->backup.mark = r.mark();
  r.Texts("paths", &system->backup.paths);
  r.Texts("exclude", &system->backup.exclude);
  r.References("repositories", &system->backup.repositories);
  r.Texts("canaries", &system->backup.canaries, &system->backup.canary_marks);
  r.Finish();
}

void ReadChecklist(const Source& source, const Node& node, const std::string& what,
                   Diagnostics* out, System* system) {
  system->checklist_mark = source.MarkOf(node);
  ForEachItem(source, node, what + ": checklist", out, [&](const Node& item) {
    ChecklistStep step;
    step.mark = source.MarkOf(item);
    if (item.kind == NodeKind::kScalar) {
      step.text = item.value;
    } else {
      NodeReader r(source, item, what + ": checklist step", out);
      r.Text("step", &step.text, Need::kRequired);
      r.Text("skill", &step.skill);
      r.Finish();
    }
    system->checklist.push_back(std::move(step));
  });
}

// A shell command with a timeout (`restore.verify`, `restore.command`): a string, or
// {command, timeout}; `context` names it in messages ("system 'x': verify").
void ReadTimedCommand(const Source& source, const Node& node, const std::string& context,
                      Diagnostics* out, std::string* command, Duration* timeout) {
  if (node.kind == NodeKind::kScalar) {
    *command = node.value;
    return;
  }
  NodeReader r(source, node, context, out);
  r.Text("command", command, Need::kRequired);
  std::optional<Duration> value;
  if (r.DurationValue("timeout", &value)) *timeout = *value;
  r.Finish();
}

void ReadRestore(const Source& source, const Node& node, const std::string& what, Diagnostics* out,
                 System* system) {
  NodeReader r(source, node, what + ": restore", out);
  r.DurationValue("estimate", &system->restore_estimate);
  if (const Node* command = r.Child("command")) {
    ReadTimedCommand(source, *command, what + ": restore command", out, &system->restore_command,
                     &system->restore_timeout);
  }
  if (const Node* checklist = r.Child("checklist")) {
    ReadChecklist(source, *checklist, what, out, system);
  }
  if (const Node* verify = r.Child("verify")) {
    ReadTimedCommand(source, *verify, what + ": verify", out, &system->verify_command,
                     &system->verify_timeout);
  }
  r.Finish();
}

}  // namespace

void ReadTier(const Source& source, const Node& node, Diagnostics* out, Plan* plan) {
  ReadIdentifiedItem(source, node, "tier", out, &plan->tiers, [&](NodeReader& r, Tier& t) {
    r.Text("name", &t.name);
    r.Integer("rank", &t.rank, 1, 100);
    if (!r.Child("rank"))
      r.Problem(node, "missing-field", "missing required 'rank' (1 = most critical)");
    r.DurationValue("rto", &t.rto, &t.rto_mark, Need::kRequired);
    r.DurationValue("rpo", &t.rpo, &t.rpo_mark, Need::kRequired);
    r.DurationValue("mtpd", &t.mtpd, &t.mtpd_mark);
    r.Integer("copies", &t.copies, 1, 100);
    r.Integer("sites", &t.sites, 1, 100);
    r.Boolean("immutable", &t.immutable);
    r.CadenceValue("drill_every", &t.drill_every);
    r.DurationValue("drill_retry", &t.drill_retry, &t.drill_retry_mark);
    r.DurationValue("update_every", &t.update_every);
    if (const Node* retention = r.Child("retention")) {
      ReadRetention(source, *retention, r.what(), out, &t.retention);
    }
  });
}

void ReadSystem(const Source& source, const Node& node, Diagnostics* out, Plan* plan) {
  ReadIdentifiedItem(source, node, "system", out, &plan->systems, [&](NodeReader& r, System& s) {
    r.Text("name", &s.name);
    r.Id("host", &s.host, Need::kOptional);
    r.Reference("client", &s.client);
    r.Reference("owner", &s.owner, Need::kRequired);
    r.Reference("tier", &s.tier, Need::kRequired);
    r.DurationValue("rto", &s.rto, &s.rto_mark);
    r.DurationValue("rpo", &s.rpo, &s.rpo_mark);
    r.References("depends_on", &s.depends_on);
    r.References("failover", &s.failover);
    r.References("vendors", &s.vendors);
    r.References("sites", &s.sites);
    r.Texts("skills", &s.skills);
    r.Number("downtime_cost_per_hour", &s.downtime_cost_per_hour, 0, 1e15);
    if (const Node* backup = r.Child("backup")) ReadBackup(source, *backup, r.what(), out, &s);
    if (const Node* restore = r.Child("restore")) ReadRestore(source, *restore, r.what(), out, &s);
  });
}

void ReadVendor(const Source& source, const Node& node, Diagnostics* out, Plan* plan) {
  ReadIdentifiedItem(source, node, "vendor", out, &plan->vendors, [&](NodeReader& r, Vendor& v) {
    r.Text("name", &v.name);
    r.Choice("kind", &v.kind, VendorKindWords());
    if (const Node* c = r.Child("contacts")) ReadContacts(source, *c, r.what(), out, &v.contacts);
    r.Text("support", &v.support);
    r.References("alternatives", &v.alternatives);
  });
}

void ReadSite(const Source& source, const Node& node, Diagnostics* out, Plan* plan) {
  ReadIdentifiedItem(source, node, "site", out, &plan->sites, [&](NodeReader& r, Site& site) {
    r.Text("name", &site.name);
    r.Reference("client", &site.client);
    r.Text("address", &site.address);
    r.References("isps", &site.isps);
  });
}

// How many repositories this file listed before the one being read: its index N in the file's
// `repositories` list, for messages that name the field as repositories[N].location.
size_t RepositoriesBefore(const Plan& plan, int file) {
  size_t n = 0;
  for (const RepositorySpec& r : plan.repositories) n += r.mark.file == file ? 1 : 0;
  return n;
}

// A location storage cannot parse: a malformed s3: location is an error (bad-location: the
// offsite copy would silently never happen); another scheme (sftp:, b2:) is a warning
// (unsupported-location), because a plan may describe copies other tools make and that run and
// drills skip. credentials_file, region and bucket_lookup mean nothing to a location that is not
// s3: (a warning, s3-setting-unused).
void CheckLocation(const Source& source, NodeReader& r, size_t index, const RepositorySpec& repo,
                   Diagnostics* out) {
  const Node* node = r.Child("location");
  if (node == nullptr) return;
  const std::string field = r.what() + ": repositories[" + std::to_string(index) + "].location";
  Result<storage::Location> location = storage::ParseLocation(repo.location);
  if (!location && storage::IsRemote(repo.location)) {
    out->Error(source.MarkOf(*node), "bad-location", field + ": " + location.error().message());
  } else if (!location) {
    // "repository location 'sftp:x': this build cannot use ..." names the field itself here.
    std::string why = location.error().message();
    const std::string quoted = "repository location '" + repo.location + "': ";
    if (why.starts_with(quoted)) why = why.substr(quoted.size());
    out->Warning(source.MarkOf(*node), "unsupported-location",
                 field + " '" + repo.location + "': " + why + "; run and drills skip it");
  } else if (location->kind != storage::LocationKind::kS3 &&
             !(repo.credentials_file.empty() && repo.region.empty() &&
               !repo.bucket_lookup.has_value() && repo.maintenance_credentials_file.empty())) {
    out->Warning(source.MarkOf(*node), "s3-setting-unused",
                 field +
                     ": credentials_file, maintenance_credentials_file, region and bucket_lookup "
                     "apply only to s3: locations");
  }
  if (location && location->kind != storage::LocationKind::kS3 && repo.object_lock) {
    out->Warning(repo.object_lock_mark, "object-lock-unused",
                 r.what() + ": object_lock applies only to s3: locations; '" + repo.location +
                     "' is not locked by it");
  }
}

// object_lock: {mode: governance|compliance, days: N}, both required.
void ReadObjectLock(const Source& source, const Node& node, const std::string& what,
                    Diagnostics* out, RepositorySpec* repo) {
  NodeReader r(source, node, what + ": object_lock", out);
  RepositorySpec::ObjectLock lock;
  bool mode = r.Choice("mode", &lock.mode, ObjectLockModeWords());
  bool days = r.Integer("days", &lock.days, 1, 36500);
  if (r.ok() && !r.Child("mode")) {
    r.Problem(node, "missing-field", "missing required 'mode' (governance or compliance)");
  }
  if (r.ok() && !r.Child("days")) {
    r.Problem(node, "missing-field", "missing required 'days' (1 or more)");
  }
  r.Finish();
  repo->object_lock_mark = source.MarkOf(node);
  if (mode && days) repo->object_lock = lock;
}

void ReadRepository(const Source& source, const Node& node, Diagnostics* out, Plan* plan) {
  ReadIdentifiedItem(
      source, node, "repository", out, &plan->repositories,
      [&](NodeReader& r, RepositorySpec& repo) {
        r.Text("location", &repo.location, Need::kRequired);
        r.Reference("site", &repo.site);
        r.Choice("medium", &repo.medium, MediumWords());
        if (r.Boolean("immutable", &repo.immutable)) {
          repo.immutable_mark = source.MarkOf(*r.Child("immutable"));
        }
        r.Boolean("offline", &repo.offline);
        static const std::vector<std::pair<std::string_view, RepositoryKind>> kKinds = {
            {"stormproof", RepositoryKind::kStormproof},
            {"restic", RepositoryKind::kRestic},
            {"borg", RepositoryKind::kBorg}};
        r.Choice("kind", &repo.kind, kKinds);
        if (r.Text("password_file", &repo.password_file)) {
          repo.password_file = ResolveAgainstFile(*plan, source.file, repo.password_file);
        }
        if (r.Text("credentials_file", &repo.credentials_file)) {
          repo.credentials_file = ResolveAgainstFile(*plan, source.file, repo.credentials_file);
        }
        r.Text("region", &repo.region);
        static const std::vector<std::pair<std::string_view, BucketLookup>> kLookups = {
            {"auto", BucketLookup::kAuto},
            {"dns", BucketLookup::kDns},
            {"path", BucketLookup::kPath}};
        if (BucketLookup lookup{}; r.Choice("bucket_lookup", &lookup, kLookups)) {
          repo.bucket_lookup = lookup;
        }
        if (r.Text("maintenance_credentials_file", &repo.maintenance_credentials_file)) {
          repo.maintenance_credentials_file =
              ResolveAgainstFile(*plan, source.file, repo.maintenance_credentials_file);
        }
        r.Reference("copy_from", &repo.copy_from);
        r.DurationValue("copy_every", &repo.copy_every, &repo.copy_every_mark);
        if (const Node* lock = r.Child("object_lock")) {
          ReadObjectLock(source, *lock, r.what(), out, &repo);
        }
        CheckLocation(source, r, RepositoriesBefore(*plan, source.file), repo, out);
      });
}

}  // namespace stormproof::plan::internal
