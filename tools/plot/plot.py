#!/usr/bin/env python3
"""The charts of zoomrt's --plot options, drawn with matplotlib from a command's own output.

    python3 tools/plot/plot.py KIND INPUT OUTPUT.png

KIND    INPUT
tiling  JSON of `zoomrt tiling compare --json` (a topology)          tiling_chart.py
energy  JSON summary of `zoomrt sim` with phase_energy_j (--plot)     sim_energy_chart.py
dfs     JSON summary of `zoomrt sim` with timeline (--plot-timeline)  sim_timeline_chart.py
sweep   a finished `zoomrt sweep` folder (points.jsonl, pareto.json)  sweep_chart.py

Every chart is 1200 x 700 pixels. The PNG is written under a temporary name and renamed. Exit
status: 0 drawn; 2 bad input or arguments (one line on stderr naming the file and the problem);
3 matplotlib is missing (one line saying what to install). zoomrt runs this same code from the
copy embedded in its binary (tools/zoomrt/plot.cpp).
"""
import sys

KINDS = ("tiling", "energy", "dfs", "sweep")
INSTALL = "scripts/setup.sh (or: apt-get install python3-matplotlib)"


def main(argv):
    if len(argv) != 3 or argv[0] not in KINDS:
        print(f"usage: plot.py {{{'|'.join(KINDS)}}} INPUT OUTPUT.png", file=sys.stderr)
        return 2
    kind, source, out = argv
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"plot: matplotlib is missing: install it with {INSTALL}", file=sys.stderr)
        return 3
    from common import ChartInputError, new_figure, read_json, save
    try:
        if kind == "sweep":
            import sweep_chart as chart
            data = chart.load(source)
        else:
            import sim_energy_chart
            import sim_timeline_chart
            import tiling_chart
            chart = {"tiling": tiling_chart, "energy": sim_energy_chart, "dfs": sim_timeline_chart}[kind]
            data = read_json(source)
            if not isinstance(data, dict):
                raise ChartInputError(f"{source}: not a JSON object")
        fig, axes = new_figure(plt, rows=2, sharex=True) if kind == "dfs" else new_figure(plt)
        chart.draw(plt, fig, axes, data, source)
        save(fig, out)
    except ChartInputError as e:
        print(f"plot {kind}: {e}", file=sys.stderr)
        return 2
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as e:
        print(f"plot {kind}: {source}: unexpected content ({type(e).__name__}: {e})", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
