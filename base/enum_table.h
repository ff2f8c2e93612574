// EnumTable: the one place a family of named values (a strategy, a power policy, a format...)
// keeps its names and help texts. Every name a user types or reads comes from here: parsing,
// the "a | b | c" lists of help texts, and the error for an unknown name, which is one line
// naming the option and listing every valid name (InputError: exit 2 in the CLI).
//
//   enum class Colour { red, green };
//   inline constexpr EnumTable<Colour, 2> kColours{{{{Colour::red, "red", "warm"},
//                                                    {Colour::green, "green", "cool"}}}};
//   kColours.parse("green", "--colour");  // Colour::green
//   kColours.names();                     // "red | green"
#pragma once
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace zoomrt {

template <class E>
struct EnumEntry {
  E value;
  std::string_view name;
  std::string_view help;
};

template <class E, size_t N>
struct EnumTable {
  std::array<EnumEntry<E>, N> entries;

  constexpr size_t size() const { return N; }
  constexpr const EnumEntry<E>* begin() const { return entries.data(); }
  constexpr const EnumEntry<E>* end() const { return entries.data() + N; }

  // The entry of `v`; every value of the family has one (a missing one is a bug: "?").
  constexpr std::string_view name(E v) const {
    for (const auto& e : entries)
      if (e.value == v) return e.name;
    return "?";
  }
  constexpr std::string_view help(E v) const {
    for (const auto& e : entries)
      if (e.value == v) return e.help;
    return "?";
  }
  constexpr std::optional<E> find(std::string_view name) const {
    for (const auto& e : entries)
      if (e.name == name) return e.value;
    return std::nullopt;
  }
  std::vector<E> values() const {
    std::vector<E> v;
    for (const auto& e : entries) v.push_back(e.value);
    return v;
  }
  // "a | b | c" (or joined by `separator`), in table order.
  std::string names(std::string_view separator = " | ") const {
    std::string s;
    for (const auto& e : entries) (s += s.empty() ? "" : separator) += e.name;
    return s;
  }
  // "a (help of a), b (help of b)": for an option's help text.
  std::string names_with_help() const {
    std::string s;
    for (const auto& e : entries) {
      (s += s.empty() ? "" : "; ") += e.name;
      if (!e.help.empty()) ((s += " (") += e.help) += ")";
    }
    return s;
  }
  // The value named `name`; otherwise InputError "<what>: 'x' is not one of a | b | c".
  E parse(std::string_view name, std::string_view what) const {
    if (const auto v = find(name)) return *v;
    fail_input("{}: '{}' is not one of {}", what, name, names());
  }
};

// Deduces N from a braced list: make_enum_table<Colour>({{...}, {...}}).
template <class E, size_t N>
constexpr EnumTable<E, N> make_enum_table(const EnumEntry<E> (&e)[N]) {
  EnumTable<E, N> t{};
  for (size_t i = 0; i < N; ++i) t.entries[i] = e[i];
  return t;
}

}  // namespace zoomrt
