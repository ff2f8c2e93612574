"""One engine at one precision in its own process (run.py starts it with the peers' venv):
loads the model, runs the asked work items and prints one line `RESULT {json}`."""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", required=True, choices=["torch", "openvino", "sdcpp", "openvino-convert"])
    ap.add_argument("--precision", default="fp32")
    ap.add_argument("--model", required=True)
    ap.add_argument("--cache", required=True)
    ap.add_argument("--work", default=",".join(common.WORK_ITEMS))
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--repeats", type=int, default=1)
    a = ap.parse_args()
    work = a.work.split(",")
    t0 = time.perf_counter()
    info = {}
    if a.engine == "openvino-convert":
        import peer_openvino
        peer_openvino.convert(a.model, a.cache)
        items = {}
    elif a.engine == "sdcpp":
        import peer_sdcpp
        items = peer_sdcpp.run(a.model, a.precision, work, a.steps, a.repeats)
    else:
        import keyframe_loop
        if a.engine == "torch":
            import peer_torch
            c = peer_torch.components(a.model, a.precision)
        else:
            import peer_openvino
            c = peer_openvino.components(a.model, a.precision, a.cache)
        info = getattr(c, "info", {})
        load = time.perf_counter() - t0
        items = keyframe_loop.run_items(c, a.model, a.cache, work, a.steps, a.repeats)
        info["load_seconds"] = load
    print("RESULT " + json.dumps({"items": items, "info": info, "process_seconds": time.perf_counter() - t0}),
          flush=True)


if __name__ == "__main__":
    main()
