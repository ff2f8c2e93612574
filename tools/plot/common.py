"""Shared by the chart modules: reading a command's output, the figure size, atomic saving.

Every problem with an input becomes ChartInputError with one line naming the file and the
problem; plot.py prints it and exits with status 2.
"""
import json
import os

# Every chart is WIDTH_IN x HEIGHT_IN inches at DPI: 1200 x 700 pixels (the tests check it).
WIDTH_IN, HEIGHT_IN, DPI = 12.0, 7.0, 100


class ChartInputError(Exception):
    pass


def read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except OSError as e:
        raise ChartInputError(f"{path}: cannot read: {e.strerror}") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise ChartInputError(f"{path}: not JSON: {e}") from None


def read_jsonl(path):
    rows = []
    try:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if line.strip():
                    try:
                        rows.append(json.loads(line))
                    except ValueError as e:
                        raise ChartInputError(f"{path}: line {n}: not JSON: {e}") from None
    except OSError as e:
        raise ChartInputError(f"{path}: cannot read: {e.strerror}") from None
    return rows


def need(obj, key, where):
    """obj[key], or a one-line error naming `where` and the key."""
    if not isinstance(obj, dict) or key not in obj:
        raise ChartInputError(f"{where}: missing key \"{key}\"")
    return obj[key]


def number(obj, key, where):
    v = need(obj, key, where)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ChartInputError(f"{where}: \"{key}\" is not a number")
    return float(v)


def spans_decades(values, decades=2.0):
    """True when the positive values span more than `decades` powers of ten (then: log scale)."""
    pos = [v for v in values if v > 0]
    return len(pos) > 1 and max(pos) / min(pos) > 10 ** decades


def new_figure(plt, rows=1, **kw):
    return plt.subplots(rows, 1, figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained", **kw)


def save(fig, out):
    """Writes the PNG under a temporary name beside `out`, then renames it: never half-written."""
    directory = os.path.dirname(os.path.abspath(out))
    tmp = os.path.join(directory, f".{os.path.basename(out)}.tmp.{os.getpid()}")
    try:
        fig.savefig(tmp, dpi=DPI, format="png")
        os.replace(tmp, out)
    except OSError as e:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise ChartInputError(f"{out}: cannot write: {e.strerror}") from None
