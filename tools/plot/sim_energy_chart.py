"""`zoomrt sim --plot`: the run's energy per phase (text encoder, VAE encode, UNet calls, VAE
decode, glue ...), split into MAC compute, SRAM, DRAM and static (leakage) energy.

Input: the JSON summary of `zoomrt sim` with the key phase_energy_j (written by --plot):
[{name, mac, sram, dram, static}] in J, in the run's order.
"""
from common import ChartInputError, need, number, spans_decades

COMPONENTS = (("mac", "MAC compute"), ("sram", "SRAM"), ("dram", "DRAM"), ("static", "static (leakage)"))


def draw(plt, fig, ax, data, where):
    phases = need(data, "phase_energy_j", where)
    if not isinstance(phases, list) or not phases:
        raise ChartInputError(f"{where}: \"phase_energy_j\" is not a non-empty list")
    names = [str(need(p, "name", f"{where}: phase_energy_j[{i}]")) for i, p in enumerate(phases)]
    width = 0.8 / len(COMPONENTS)
    every = []
    for c, (key, label) in enumerate(COMPONENTS):
        values = [number(p, key, f"{where}: phase_energy_j[{i}]") for i, p in enumerate(phases)]
        every += values
        xs = [i - 0.4 + width * (c + 0.5) for i in range(len(phases))]
        total = sum(values)
        ax.bar(xs, values, width, label=f"{label} (run {total:.4g} J)")
    totals = [sum(number(p, k, where) for k, _ in COMPONENTS) for p in phases]
    ax.set_xticks(range(len(phases)), [f"{n}\n{t:.3g} J" for n, t in zip(names, totals)])
    ax.set_xlim(-0.6, len(phases) - 0.4)
    ax.set_xlabel("phase (its total energy under the name)")
    ax.set_ylabel("energy per phase (J)")
    if spans_decades(every):
        ax.set_yscale("log")
    ax.margins(y=0.1)
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(title="energy component", fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    energy = need(data, "energy_j", where)
    cap = data.get("power_cap_w") or 0
    ax.set_title(f"zoomrt sim: {data.get('model', '?')} on {data.get('npu', '?')}, {data.get('dtype', '?')}, "
                 f"{data.get('strategy', '?')}, power {data.get('power_policy', '?')}"
                 f"{f' (cap {cap:g} W)' if cap else ''}: {number(energy, 'total', where + ': energy_j'):.4g} J "
                 f"for {data.get('frames', 0):g} frame(s)")
