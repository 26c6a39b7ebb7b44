// Restorers: the one rule for who holds a skill and who can restore a system.
#include "continuity/plan/restorers.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace stormproof::plan {
namespace {

Person Someone(const std::string& id, std::vector<std::string> skills = {}) {
  Person person;
  person.id = id;
  person.skills = std::move(skills);
  return person;
}

TrainingRecord Trained(const std::string& person, const std::string& skill) {
  TrainingRecord record;
  record.person.id = person;
  record.skill = skill;
  return record;
}

System NeedingSkills(const std::string& id, std::vector<std::string> skills,
                     const std::string& owner = "") {
  System system;
  system.id = id;
  system.skills = std::move(skills);
  if (!owner.empty()) system.owner = Ref{owner, {}};
  return system;
}

// ann (index 0) owns db; bob is trained in db; cat holds both tags of files; dan only one.
Plan SmallPlan() {
  Plan plan;
  plan.people = {Someone("ann"), Someone("bob"), Someone("cat", {"linux", "nfs"}),
                 Someone("dan", {"linux"})};
  plan.training = {Trained("bob", "db")};
  plan.systems = {NeedingSkills("db", {}, "ann"), NeedingSkills("files", {"linux", "nfs"})};
  plan.BuildIndex();
  return plan;
}

TEST(RestorersTest, OwnerSystemIdOrEveryTag) {
  Plan plan = SmallPlan();
  Restorers restorers(plan);
  EXPECT_EQ(restorers.Of(plan.systems[0]), (std::vector<size_t>{0, 1}));
  EXPECT_EQ(restorers.Of(plan.systems[1]), (std::vector<size_t>{2}));
  EXPECT_TRUE(restorers.HasSkill(1, "db"));  // from the training record
  EXPECT_FALSE(restorers.CanRestore(3, plan.systems[1]));
  EXPECT_EQ(restorers.WithSkill("linux"), (std::vector<size_t>{2, 3}));
  EXPECT_TRUE(restorers.WithSkill("tape").empty());
}

TEST(RestorersTest, OnlyPeopleThePlanKnowsCount) {
  Plan plan = SmallPlan();
  plan.training.push_back(Trained("ghost", "db"));
  plan.training.push_back(Trained("ghost", "nfs"));
  plan.systems[1].owner = Ref{"gone", {}};
  Restorers restorers(plan);
  EXPECT_EQ(restorers.PersonIndex("ghost"), Restorers::kNoPerson);
  EXPECT_EQ(restorers.WithSkill("nfs"), (std::vector<size_t>{2}));
  EXPECT_EQ(restorers.Of(plan.systems[0]), (std::vector<size_t>{0, 1}));
  EXPECT_EQ(restorers.Of(plan.systems[1]), (std::vector<size_t>{2}));
  EXPECT_EQ(PeopleWhoCanRestore(plan, plan.systems[1]), (std::vector<std::string>{"cat"}));
}

TEST(RestorersTest, ADuplicatedIdGathersSkillsUnderTheFirstPerson) {
  Plan plan = SmallPlan();
  plan.people.push_back(Someone("dan", {"nfs"}));
  plan.BuildIndex();
  Restorers restorers(plan);
  EXPECT_EQ(restorers.Of(plan.systems[1]), (std::vector<size_t>{2, 3}));
  EXPECT_EQ(PeopleWhoCanRestore(plan, plan.systems[1]), (std::vector<std::string>{"cat", "dan"}));
}

// Of() finds people from the index; on random plans it agrees with asking everyone.
TEST(RestorersTest, OfAgreesWithCanRestoreOnEveryone) {
  std::mt19937 random(5);
  const std::vector<std::string> tags = {"a", "b", "c", "s0", "s1"};
  Plan plan;
  for (int p = 0; p < 12; ++p) {
    Person person = Someone("p" + std::to_string(p % 10));  // p0 and p1 are written twice
    for (const std::string& tag : tags) {
      if (random() % 3 == 0) person.skills.push_back(tag);
    }
    plan.people.push_back(person);
  }
  for (int i = 0; i < 10; ++i) plan.training.push_back(Trained("p" + std::to_string(i), "s1"));
  for (int s = 0; s < 20; ++s) {
    System system = NeedingSkills("s" + std::to_string(s % 3), {}, "p" + std::to_string(s % 14));
    for (const char* tag : {"a", "b", "c"}) {
      if (random() % 2 == 0) system.skills.push_back(tag);
    }
    plan.systems.push_back(system);
  }
  plan.BuildIndex();
  Restorers restorers(plan);
  for (const System& system : plan.systems) {
    std::vector<size_t> everyone;
    for (size_t p = 0; p < plan.people.size(); ++p) {
      if (restorers.PersonIndex(plan.people[p].id) == p && restorers.CanRestore(p, system)) {
        everyone.push_back(p);
      }
    }
    EXPECT_EQ(restorers.Of(system), everyone) << system.id;
  }
}

}  // namespace
}  // namespace stormproof::plan
