// Command-line options whose values are one of an EnumTable's names (base/enum_table.h): the
// name is parsed into the typed value when the command line is read, the help text lists the
// table's names, and an unknown name is one line naming the option and listing the valid
// names (InputError: exit 2).
#pragma once
#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "base/enum_table.h"

namespace zoomrt::cli {

// `--name VALUE` into `value`; its current value is shown as the default.
template <class E, size_t N>
CLI::Option* add_enum_option(CLI::App& app, const std::string& name, E& value, const EnumTable<E, N>& table,
                             const std::string& help) {
  return app
      .add_option_function<std::string>(
          name, [&value, &table, name](const std::string& s) { value = table.parse(s, name); },
          help + (help.empty() ? "" : ": ") + table.names())
      ->type_name("TEXT")
      ->default_str(std::string(table.name(value)));
}

// The same for an option without a default (`value` stays empty unless given).
template <class E, size_t N>
CLI::Option* add_enum_option(CLI::App& app, const std::string& name, std::optional<E>& value,
                             const EnumTable<E, N>& table, const std::string& help) {
  return app
      .add_option_function<std::string>(
          name, [&value, &table, name](const std::string& s) { value = table.parse(s, name); },
          help + (help.empty() ? "" : ": ") + table.names())
      ->type_name("TEXT");
}

// `--name NAME` kept as its name (for values passed on by name, like the noise scheduler that
// the model's own config may also name), checked against the table when read.
template <class E, size_t N>
CLI::Option* add_enum_name_option(CLI::App& app, const std::string& name, std::string& value,
                                  const EnumTable<E, N>& table, const std::string& help) {
  return app
      .add_option_function<std::string>(
          name,
          [&value, &table, name](const std::string& s) {
            table.parse(s, name);
            value = s;
          },
          help + (help.empty() ? "" : ": ") + table.names())
      ->type_name("TEXT");
}

}  // namespace zoomrt::cli
