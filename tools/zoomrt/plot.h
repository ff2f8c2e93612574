// Charts of the --plot options: the command writes the data a chart is drawn from (its own JSON)
// atomically beside the PNG, then python3 runs tools/plot/ (matplotlib) on it. The scripts are
// embedded into the binary at configure time (tools/CMakeLists.txt), so zoomrt draws from any
// directory and an installed or copied binary needs no source tree; `python3 tools/plot/plot.py
// KIND INPUT OUTPUT.png` runs the same code from the checkout. The interpreter: $ZOOMRT_PYTHON,
// else /usr/bin/python3 (Debian's python3-matplotlib), else python3 on PATH. tools/plot/README.md.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace zoomrt::cli {

// Where a chart's data goes: FILE.png -> FILE.json (any other name: NAME.json appended).
std::string chart_data_path(const std::string& png);

// Writes `data` to chart_data_path(png) atomically, then draws chart `kind` (tools/plot/plot.py)
// from it into `png`. A missing python3 or matplotlib, or a chart that cannot be drawn, throws
// InputError naming `option` (one line; what to install), after the data file is written.
void draw_chart_from(const std::string& option, const std::string& kind, const nlohmann::json& data,
                     const std::string& png);

// Draws chart `kind` from an existing input (a file or, for "sweep", a folder). Same errors.
void draw_chart(const std::string& option, const std::string& kind, const std::string& input,
                const std::string& png);

}  // namespace zoomrt::cli
