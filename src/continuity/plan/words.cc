// The words are part of the plan format (docs/plan-schema.md): never rename one.
#include "continuity/plan/words.h"

namespace stormproof::plan {

const WordTable<ContactKind>& ContactKindWords() {
  static const WordTable<ContactKind> kWords = {
      {"email", ContactKind::kEmail},   {"phone", ContactKind::kPhone},
      {"mobile", ContactKind::kMobile}, {"chat", ContactKind::kChat},
      {"sms", ContactKind::kSms},       {"pager", ContactKind::kPager}};
  return kWords;
}

const WordTable<ControlKind>& ControlKindWords() {
  static const WordTable<ControlKind> kWords = {
      {"edr", ControlKind::kEdr},
      {"mfa", ControlKind::kMfa},
      {"patching", ControlKind::kPatching},
      {"vulnerability_scanning", ControlKind::kVulnerabilityScanning},
      {"monitoring", ControlKind::kMonitoring},
      {"email_filtering", ControlKind::kEmailFiltering},
      {"awareness_training", ControlKind::kAwarenessTraining},
      {"compliance", ControlKind::kCompliance}};
  return kWords;
}

const WordTable<VendorKind>& VendorKindWords() {
  static const WordTable<VendorKind> kWords = {
      {"isp", VendorKind::kIsp},           {"cloud", VendorKind::kCloud},
      {"saas", VendorKind::kSaas},         {"hardware", VendorKind::kHardware},
      {"software", VendorKind::kSoftware}, {"colocation", VendorKind::kColocation},
      {"other", VendorKind::kOther}};
  return kWords;
}

const WordTable<Medium>& MediumWords() {
  static const WordTable<Medium> kWords = {{"disk", Medium::kDisk},
                                           {"object", Medium::kObject},
                                           {"tape", Medium::kTape},
                                           {"cloud", Medium::kCloud}};
  return kWords;
}

const WordTable<ObjectLockMode>& ObjectLockModeWords() {
  static const WordTable<ObjectLockMode> kWords = {{"governance", ObjectLockMode::kGovernance},
                                                   {"compliance", ObjectLockMode::kCompliance}};
  return kWords;
}

const WordTable<Weekday>& WeekdayWords() {
  static const WordTable<Weekday> kWords = {
      {"monday", Weekday::kMonday},       {"tuesday", Weekday::kTuesday},
      {"wednesday", Weekday::kWednesday}, {"thursday", Weekday::kThursday},
      {"friday", Weekday::kFriday},       {"saturday", Weekday::kSaturday},
      {"sunday", Weekday::kSunday}};
  return kWords;
}

const WordTable<RepositoryDamage>& RepositoryDamageWords() {
  static const WordTable<RepositoryDamage> kWords = {{"lost", RepositoryDamage::kLost},
                                                     {"encrypted", RepositoryDamage::kEncrypted}};
  return kWords;
}

}  // namespace stormproof::plan
