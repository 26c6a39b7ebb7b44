// The pure parts of the immutability proof (immutability.h): what a retention must be, the
// server's word in a refusal, the random sample, the verdict.
#include <algorithm>
#include <numeric>
#include <random>

#include "core/time.h"
#include "engine/s3/immutability.h"

namespace stormproof::s3 {

const char* AttemptVerdictWord(ImmutabilityAttempt::Verdict verdict) {
  switch (verdict) {
    case ImmutabilityAttempt::Verdict::kRefused:
      return "refused";
    case ImmutabilityAttempt::Verdict::kAllowed:
      return "allowed";
    case ImmutabilityAttempt::Verdict::kSkipped:
      break;
  }
  return "skipped";
}

std::vector<std::string> ImmutabilityReport::Allowed() const {
  std::vector<std::string> allowed;
  for (const ImmutabilityAttempt& attempt : attempts) {
    if (attempt.verdict == ImmutabilityAttempt::Verdict::kAllowed) {
      allowed.push_back(attempt.allowed);
    }
  }
  allowed.insert(allowed.end(), short_retention.begin(), short_retention.end());
  allowed.insert(allowed.end(), problems.begin(), problems.end());
  return allowed;
}

std::optional<std::string> WeakerRetention(const std::optional<backend::Retention>& recorded,
                                           const backend::Retention& expected) {
  auto words = [](const backend::Retention& r) {
    return std::string(backend::RetentionModeWord(r.mode)) + " for " + std::to_string(r.days) +
           (r.days == 1 ? " day" : " days");
  };
  const std::string wanted = "the " + words(expected) + " the plan expects";
  if (!recorded) return "the repository's config records no Object Lock, not " + wanted;
  const bool weaker_mode = expected.mode == backend::Retention::Mode::kCompliance &&
                           recorded->mode != backend::Retention::Mode::kCompliance;
  if (!weaker_mode && recorded->days >= expected.days) return std::nullopt;
  return "the repository's config records " + words(*recorded) + ", weaker than " + wanted;
}

bool ImmutabilityReport::proven() const { return Allowed().empty() && sample.config > 0; }

std::optional<std::string> RetentionShortfall(const RetainedObject& object,
                                              const backend::Retention& promised, int64_t now_ns,
                                              int64_t valid_for_ns) {
  const std::string mode = backend::RetentionModeWord(promised.mode);
  if (!object.mode) {
    return object.key + " is not retained at all (the repository promises " + mode + " for " +
           std::to_string(promised.days) + " days): it can be deleted";
  }
  if (*object.mode != promised.mode) {
    return object.key + " is retained in " + backend::RetentionModeWord(*object.mode) +
           " mode, not the " + mode + " mode the repository records";
  }
  const int64_t promised_until =
      FloorSeconds(object.modified_ns) * kNsPerSecond + promised.days * kNsPerDay;
  if (object.retain_until_ns < promised_until - kNsPerSecond) {
    return object.key + " is retained until " + FormatUtc(object.retain_until_ns) +
           ", before the promised " + FormatUtc(promised_until) + " (written " +
           FormatUtc(object.modified_ns) + " + " + std::to_string(promised.days) + " days)";
  }
  if (object.retain_until_ns <= now_ns) {
    return object.key + " was retained only until " + FormatUtc(object.retain_until_ns) +
           ": it can be deleted now";
  }
  if (object.retain_until_ns < now_ns + valid_for_ns) {
    return object.key + " is retained only until " + FormatUtc(object.retain_until_ns) + " (" +
           ShortDurationNs(object.retain_until_ns - now_ns) + " left), before this proof stops "
           "counting at " + FormatUtc(now_ns + valid_for_ns) + ": it becomes deletable while "
           "the repository still reads as proven (run prune with the maintenance credentials "
           "to extend it)";
  }
  return std::nullopt;
}

std::string RefusalAnswer(std::string_view message) {
  // The markers of the S3 client's one-line errors (client.cc AnswerError, object_lock.cc
  // ObjectLockRefusal), most specific first: "what" itself may hold parentheses.
  for (std::string_view marker : {std::string_view("access denied ("),
                                  std::string_view("refused the request ("),
                                  std::string_view("Object Lock retention ("),
                                  std::string_view("under Object Lock ("),
                                  std::string_view("not found (")}) {
    size_t at = message.find(marker);
    if (at == std::string_view::npos) continue;
    std::string_view rest = message.substr(at + marker.size());
    return std::string(rest.substr(0, std::min(rest.find(')'), rest.find(':'))));
  }
  constexpr std::string_view kAnswered = "the server answered ";
  if (size_t at = message.find(kAnswered); at != std::string_view::npos) {
    std::string_view rest = message.substr(at + kAnswered.size());
    return std::string(rest.substr(0, rest.find(':')));
  }
  return "refused";
}

std::vector<std::string> ChooseSample(const std::vector<std::string>& items, int count,
                                      uint64_t seed) {
  if (count <= 0) return {};
  if (items.size() <= static_cast<size_t>(count)) return items;
  std::vector<size_t> order(items.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::mt19937_64 random(seed);
  std::shuffle(order.begin(), order.end(), random);
  order.resize(static_cast<size_t>(count));
  std::sort(order.begin(), order.end());
  std::vector<std::string> chosen;
  chosen.reserve(order.size());
  for (size_t i : order) chosen.push_back(items[i]);
  return chosen;
}

}  // namespace stormproof::s3
