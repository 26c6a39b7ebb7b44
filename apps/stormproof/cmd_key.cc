// stormproof key list|add|remove|passwd: several passwords open one repository; each is a key
// file holding the same master key, so adding or removing a password never re-encrypts data.
#include <fmt/format.h>

#include "apps/stormproof/context.h"
#include "apps/stormproof/entry_format.h"
#include "apps/stormproof/repo_access.h"
#include "core/id_prefix.h"

namespace stormproof::cli {
namespace {

using repository::KeyInfo;

struct KeyFlags {
  std::string new_password_file;  // key add, key passwd
  std::string id;                 // key remove
};

std::string ShortName(const std::string& name) { return name.substr(0, 8); }

Outcome RunKeyList(Context* context) {
  Outcome failed;
  auto repo = OpenRepositoryOrReport(*context, &failed);
  if (!repo) return failed;
  auto keys = repo->ListKeys();
  if (!keys) return ReportEngineError(keys.error());
  if (context->json) {
    nlohmann::json list = nlohmann::json::array();
    for (const KeyInfo& k : *keys) {
      list.push_back({{"id", k.name},
                      {"short_id", ShortName(k.name)},
                      {"current", k.current},
                      {"username", k.username},
                      {"hostname", k.hostname},
                      {"created_ns", k.created_ns}});
    }
    PrintJson(list);
    return Outcome::Ok();
  }
  fmt::print(" {:<10}{:<12}{:<20}{}\n", "ID", "User", "Host", "Created");
  for (const KeyInfo& k : *keys) {
    fmt::print("{}{:<10}{:<12}{:<20}{}\n", k.current ? "*" : " ", ShortName(k.name),
               EscapeName(k.username), EscapeName(k.hostname), FormatUtc(k.created_ns));
  }
  return Outcome::Ok();
}

Outcome RunKeyAdd(Context* context, const KeyFlags& flags) {
  Outcome failed;
  auto repo = OpenRepositoryOrReport(*context, &failed);
  if (!repo) return failed;
  auto password = ReadNewPassword(flags.new_password_file);
  if (!password) return ReportEngineError(password.error());
  auto name = repo->AddKey(*password);
  if (!name) return ReportEngineError(name.error());
  if (context->json) {
    PrintJson({{"message_type", "key_added"}, {"id", *name}});
  } else {
    fmt::print("saved new key {}\n", ShortName(*name));
  }
  return Outcome::Ok();
}

// The key named by an id or unique id prefix. Errors: kNotFound, kInvalidArgument (ambiguous).
Result<std::string> ResolveKey(const std::vector<KeyInfo>& keys, const std::string& prefix) {
  std::vector<std::string> names;
  for (const KeyInfo& k : keys) names.push_back(k.name);
  STORMPROOF_ASSIGN_OR_RETURN(size_t found, FindByIdPrefix(names, prefix, "key"));
  return names[found];
}

Outcome RunKeyRemove(Context* context, const KeyFlags& flags) {
  Outcome failed;
  auto repo = OpenRepositoryOrReport(*context, &failed);
  if (!repo) return failed;
  auto keys = repo->ListKeys();
  if (!keys) return ReportEngineError(keys.error());
  auto name = ResolveKey(*keys, flags.id);
  if (!name) return ReportEngineError(name.error());
  Status removed = repo->RemoveKey(*name);
  if (!removed) return ReportEngineError(removed.error());
  if (context->json) {
    PrintJson({{"message_type", "key_removed"}, {"id", *name}});
  } else {
    fmt::print("removed key {}\n", ShortName(*name));
  }
  return Outcome::Ok();
}

std::string CurrentKey(const std::vector<KeyInfo>& keys) {
  for (const KeyInfo& k : keys) {
    if (k.current) return k.name;
  }
  return "";
}

Outcome RunKeyPasswd(Context* context, const KeyFlags& flags) {
  Outcome failed;
  auto repo = OpenRepositoryOrReport(*context, &failed);
  if (!repo) return failed;
  auto password = ReadNewPassword(flags.new_password_file);
  if (!password) return ReportEngineError(password.error());
  auto before = repo->ListKeys();
  if (!before) return ReportEngineError(before.error());
  Status changed = repo->ChangePassword(*password);
  if (!changed) return ReportEngineError(changed.error());
  auto after = repo->ListKeys();
  std::string old_key = CurrentKey(*before), new_key = after ? CurrentKey(*after) : "";
  if (context->json) {
    PrintJson({{"message_type", "password_changed"}, {"id", new_key}, {"removed", old_key}});
  } else {
    fmt::print("changed the password: new key {}, removed key {}\n", ShortName(new_key),
               ShortName(old_key));
  }
  return Outcome::Ok();
}

void AddNewPasswordOption(CLI::App* cmd, KeyFlags* flags) {
  cmd->add_option("--new-password-file", flags->new_password_file,
                  "Read the new password from the first line of FILE (default: prompt twice on "
                  "a terminal)")
      ->type_name("FILE");
}

}  // namespace

void AddKeyCommand(CLI::App* app, Context* context) {
  auto flags = std::make_shared<KeyFlags>();
  CLI::App* key = app->add_subcommand(
      "key",
      "Manage the passwords that open the repository. Each password is a key file wrapping the "
      "same master key: adding, changing or removing one never re-encrypts any data.");
  key->require_subcommand(1);
  CLI::App* list = key->add_subcommand(
      "list",
      "List the keys: id, user and host that made it, creation time; '*' marks the key "
      "this password opened");
  list->callback([context] { context->outcome = RunKeyList(context); });
  CLI::App* add = key->add_subcommand(
      "add", "Add a password: a new key for the same master key (the current password is needed)");
  AddNewPasswordOption(add, flags.get());
  add->callback([context, flags] { context->outcome = RunKeyAdd(context, *flags); });
  CLI::App* remove = key->add_subcommand(
      "remove", "Remove the key ID (an id prefix); refuses the key in use and the last key");
  remove->add_option("id", flags->id, "Key id or unique prefix (see 'key list')")->required();
  remove->callback([context, flags] { context->outcome = RunKeyRemove(context, *flags); });
  CLI::App* passwd = key->add_subcommand(
      "passwd", "Change the password in use: adds a key for the new password, removes the old one");
  AddNewPasswordOption(passwd, flags.get());
  passwd->callback([context, flags] { context->outcome = RunKeyPasswd(context, *flags); });
  for (CLI::App* sub : key->get_subcommands({})) sub->fallthrough();
  key->fallthrough();
}

}  // namespace stormproof::cli
