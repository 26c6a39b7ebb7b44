// ThisHost (hosts.h).
#include <unistd.h>

#include <climits>

#include "continuity/hosts/hosts.h"

namespace stormproof::hosts {

std::string ThisHost() {
  char name[HOST_NAME_MAX + 1] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

std::vector<const plan::RepositorySpec*> EvidenceRepositories(const plan::Plan& plan) {
  std::vector<const plan::RepositorySpec*> repositories;
  for (const plan::RepositorySpec& repository : plan.repositories) {
    if (repository.kind == plan::RepositoryKind::kStormproof &&
        repository.medium != plan::Medium::kTape) {
      repositories.push_back(&repository);
    }
  }
  return repositories;
}

}  // namespace stormproof::hosts
