// base/enum_table.h on a table of its own: lookups both ways, the name list, and the one-line
// error for an unknown name.
#include <catch2/catch.hpp>

#include "base/enum_table.h"

using namespace zoomrt;

namespace {
enum class Fruit { apple, blood_orange, fig };
constexpr auto kFruits = make_enum_table<Fruit>({
    {Fruit::apple, "apple", "crisp"},
    {Fruit::blood_orange, "blood-orange", "red inside"},
    {Fruit::fig, "fig", ""},
});
}  // namespace

TEST_CASE("enum table: names, help and values in table order") {
  STATIC_REQUIRE(kFruits.size() == 3);
  STATIC_REQUIRE(kFruits.name(Fruit::blood_orange) == "blood-orange");
  STATIC_REQUIRE(kFruits.find("fig") == Fruit::fig);
  CHECK(kFruits.help(Fruit::apple) == "crisp");
  CHECK(kFruits.names() == "apple | blood-orange | fig");
  CHECK(kFruits.names(", ") == "apple, blood-orange, fig");
  CHECK(kFruits.names_with_help() == "apple (crisp); blood-orange (red inside); fig");
  CHECK(kFruits.values() == std::vector<Fruit>{Fruit::apple, Fruit::blood_orange, Fruit::fig});
  CHECK(kFruits.parse("apple", "--fruit") == Fruit::apple);
}

TEST_CASE("enum table: an unknown name is one line naming the option and every valid name") {
  CHECK_FALSE(kFruits.find("Apple").has_value());  // names are exact, case included
  CHECK_FALSE(kFruits.find("").has_value());
  CHECK_THROWS_AS(kFruits.parse("pear", "--fruit"), InputError);
  CHECK_THROWS_WITH(kFruits.parse("pear", "--fruit"), "--fruit: 'pear' is not one of apple | blood-orange | fig");
}
