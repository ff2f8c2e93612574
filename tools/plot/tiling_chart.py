"""`zoomrt tiling compare --plot`: DRAM energy per layer, one bar per tiling strategy.

Input: the JSON of `zoomrt tiling compare --json` on a topology (layers[].results[strategy]
.dram_energy_j, strategies, totals). The legend carries each strategy's run total.
"""
from common import ChartInputError, need, number, spans_decades


def draw(plt, fig, ax, data, where):
    strategies = need(data, "strategies", where)
    layers = need(data, "layers", where)
    if not isinstance(strategies, list) or not strategies:
        raise ChartInputError(f"{where}: \"strategies\" is not a non-empty list")
    if not isinstance(layers, list) or not layers:
        raise ChartInputError(f"{where}: \"layers\" is not a non-empty list")
    names = [str(need(layer, "name", f"{where}: layers[{i}]")) for i, layer in enumerate(layers)]
    totals = need(data, "totals", where)
    width = 0.8 / len(strategies)
    every = []
    for s, strategy in enumerate(strategies):
        values = []
        for i, layer in enumerate(layers):
            cell = need(need(layer, "results", f"{where}: layers[{i}]"), strategy, f"{where}: layers[{i}].results")
            values.append(number(cell, "dram_energy_j", f"{where}: layers[{i}].results.{strategy}") * 1e3)
        every += values
        total_mj = number(need(totals, strategy, f"{where}: totals"), "dram_energy_j", f"{where}: totals.{strategy}") * 1e3
        xs = [i - 0.4 + width * (s + 0.5) for i in range(len(layers))]
        ax.bar(xs, values, width, label=f"{strategy} (run {total_mj:.4g} mJ)")
    ax.set_xticks(range(len(layers)), names, rotation=60 if len(layers) > 8 else 0, ha="right" if len(layers) > 8 else "center",
                  fontsize=8 if len(layers) > 20 else 10)
    ax.set_xlim(-0.6, len(layers) - 0.4)
    ax.set_xlabel("layer")
    ax.set_ylabel("DRAM energy per layer (mJ)")
    if spans_decades(every):
        ax.set_yscale("log")
    ax.margins(y=0.1)
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(title="tiling strategy", fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(f"zoomrt tiling compare: {data.get('model', '?')} on {data.get('npu', '?')}, "
                 f"{data.get('dtype', '?')}, objective {data.get('objective', '?')}")
