"""`zoomrt sim --plot-timeline`: the NPU's clock frequency and power per layer over time (layer-wise
frequency scaling under --power-policy dfs-layer; one operating point under fixed or dvfs), with
the power cap as a dashed line when one is set and the phases shaded.

Input: the JSON summary of `zoomrt sim` with the key timeline (written by --plot-timeline):
columns name, phase, repeats, start_s, latency_s, freq_mhz, power_w, one entry per accounted layer in run
order, each layer executed once (a UNet layer that runs in every UNet call is shown once).
"""
from common import ChartInputError, need, number

COLUMNS = ("phase", "start_s", "latency_s", "freq_mhz", "power_w")


def _columns(data, where):
    t = need(data, "timeline", where)
    cols = {k: need(t, k, f"{where}: timeline") for k in COLUMNS}
    n = len(cols["start_s"]) if isinstance(cols["start_s"], list) else 0
    if n == 0:
        raise ChartInputError(f"{where}: timeline.start_s is not a non-empty list")
    for k, v in cols.items():
        if not isinstance(v, list) or len(v) != n:
            raise ChartInputError(f"{where}: timeline.{k} is not a list of {n} entries")
        if k != "phase" and not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
            raise ChartInputError(f"{where}: timeline.{k} has an entry that is not a number")
    return cols, n


def _steps(starts_ms, ends_ms, values):
    """x, y of a step line holding each layer's value over its span."""
    xs, ys = [], []
    for a, b, v in zip(starts_ms, ends_ms, values):
        xs += [a, b]
        ys += [v, v]
    return xs, ys


def draw(plt, fig, axes, data, where):
    cols, n = _columns(data, where)
    start = [s * 1e3 for s in cols["start_s"]]
    end = [s + d * 1e3 for s, d in zip(start, cols["latency_s"])]
    f_ax, p_ax = axes
    f_ax.plot(*_steps(start, end, cols["freq_mhz"]), color="tab:blue", lw=1.2, label="NPU clock")
    p_ax.plot(*_steps(start, end, cols["power_w"]), color="tab:red", lw=1.0, label="NPU power (per layer)")
    cap = data.get("power_cap_w") or 0
    if cap > 0:
        p_ax.axhline(cap, ls="--", color="black", lw=1.2, label=f"power cap {cap:g} W")
    # Phases: alternate shading, the name at the top of the frequency panel.
    spans, phase_start = [], 0
    for i in range(1, n + 1):
        if i == n or cols["phase"][i] != cols["phase"][phase_start]:
            spans.append((cols["phase"][phase_start], start[phase_start], end[i - 1]))
            phase_start = i
    total = end[-1] - start[0] if end[-1] > start[0] else 1.0
    for k, (name, a, b) in enumerate(spans):
        for ax in axes:
            if k % 2:
                ax.axvspan(a, b, color="0.92", zorder=0)
        if (b - a) / total > 0.04:
            f_ax.annotate(str(name), ((a + b) / 2, 1.0), xycoords=("data", "axes fraction"), xytext=(0, -12),
                          textcoords="offset points", ha="center", fontsize=8)
    f_ax.set_ylabel("NPU clock (MHz)")
    f_ax.set_ylim(0, max(cols["freq_mhz"]) * 1.2)
    p_ax.set_ylabel("NPU power (W)")
    p_ax.set_ylim(0, max(max(cols["power_w"]), cap) * 1.15)
    p_ax.set_xlabel("time, each layer executed once in run order (ms)")
    for ax in axes:
        ax.set_xlim(start[0], end[-1])
        ax.grid(True, alpha=0.3)
        ax.legend(loc="lower right", fontsize=9)
    policy = data.get("power_policy", "?")
    f_ax.set_title(f"zoomrt sim: {data.get('model', '?')} on {data.get('npu', '?')}, {data.get('dtype', '?')}, "
                   f"power policy {policy}{f', cap {cap:g} W' if cap else ''}: clock and power of {n} layers")
