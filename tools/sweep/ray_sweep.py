#!/usr/bin/env python3
"""The Ray engine of `zoomrt sweep --ray auto|ADDRESS` (zoomrt execs this with its own path).

1. `zoomrt sweep SPACE --out DIR --list-pending` cuts a torn last line of DIR/points.jsonl and
   prints the unfinished points as batches "A:B" (contiguous point indices).
2. Each batch is one Ray task (1 CPU, retried on worker or node failure) that runs
   `zoomrt sweep SPACE --points A:B --lines -` on its node: one process per batch, so start-up and
   graph building are paid once per batch and the plan caches are shared inside it.
3. As tasks finish, their lines are appended to DIR/points.jsonl (whole lines, fsync'd, a hash
   already there never twice) and the node that ran each point to DIR/nodes.jsonl (a side file,
   not part of the results).
4. `zoomrt sweep SPACE --out DIR` then finds nothing pending and finishes: points.jsonl rewritten
   in point order (byte-identical to the local engine's), pareto.json/.csv, the chart.

Every node must see the zoomrt binary and the space file at the same paths (one machine, or a
shared file system). Bad input: one line "zoomrt sweep: ..." on stderr and exit status 2.
"""
import argparse
import json
import os
import socket
import subprocess
import sys


def fail(msg):
    print(f"zoomrt sweep: {msg}", file=sys.stderr)
    sys.exit(2)


def check_reachable(address):
    """An ADDRESS host:port must accept a TCP connection within 5 s (ray.init would wait longer)."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        fail(f"--ray {address}: expected auto or HOST:PORT of a Ray head")
    try:
        with socket.create_connection((host, int(port)), timeout=5):
            pass
    except OSError as e:
        fail(f"--ray {address}: cannot connect: {e.strerror or e}")


def existing_hashes(path):
    hashes = set()
    if os.path.exists(path):
        with open(path, "rb") as f:
            for line in f:
                if line.endswith(b"\n"):
                    hashes.add(json.loads(line)["hash"])
    return hashes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--zoomrt", required=True)
    ap.add_argument("--space", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--address", required=True)
    ap.add_argument("--batch", type=int, default=0)
    ap.add_argument("--retries", type=int, default=4)
    a = ap.parse_args()
    if a.address != "auto":
        check_reachable(a.address)

    import ray

    # Ray's core prints a warning per connection retry on fd 2: hidden while connecting, so a
    # failure is the one line below.
    saved_stderr = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        ray.init(address=a.address, logging_level="ERROR", log_to_driver=False)
        error = None
    except Exception as e:  # ConnectionError and friends: bad input, not a bug
        error = str(e).splitlines()[0] if str(e) else type(e).__name__
    finally:
        os.dup2(saved_stderr, 2)
        os.close(devnull)
        os.close(saved_stderr)
    if error:
        fail(f"--ray {a.address}: cannot connect: {error}")

    listing = [a.zoomrt, "sweep", a.space, "--out", a.out, "--list-pending", "--jobs", "1"]
    if a.batch:
        listing += ["--batch", str(a.batch)]
    r = subprocess.run(listing, capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stderr)
        sys.exit(r.returncode)
    batches = [line for line in r.stdout.split() if line]

    @ray.remote(num_cpus=1, max_retries=a.retries, retry_exceptions=[subprocess.CalledProcessError])
    def run_batch(zoomrt, space, points):
        node = ray.get_runtime_context().get_node_id()
        out = subprocess.run([zoomrt, "sweep", space, "--points", points, "--lines", "-"],
                             capture_output=True, text=True)
        if out.returncode == 2:  # bad input: retrying cannot help
            return node, None, out.stderr
        if out.returncode != 0:
            raise subprocess.CalledProcessError(out.returncode, points, out.stdout, out.stderr)
        return node, out.stdout.splitlines(), ""

    points_path = os.path.join(a.out, "points.jsonl")
    nodes_path = os.path.join(a.out, "nodes.jsonl")
    seen = existing_hashes(points_path)
    pending = {run_batch.remote(a.zoomrt, a.space, b): b for b in batches}
    done_points = 0
    fd = os.open(points_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    with open(nodes_path, "a") as nodes:
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            ref = ready[0]
            batch = pending.pop(ref)
            try:
                node, lines, err = ray.get(ref)
            except Exception as e:
                fail(f"--ray {a.address}: batch {batch} failed after {a.retries} retries: {type(e).__name__}")
            if lines is None:
                sys.stderr.write(err)
                sys.exit(2)
            for line in lines:
                h = json.loads(line)["hash"]
                if h in seen:
                    continue
                os.write(fd, (line + "\n").encode())
                os.fsync(fd)
                seen.add(h)
                nodes.write(json.dumps({"hash": h, "node": node}) + "\n")
                nodes.flush()
                done_points += 1
    os.close(fd)
    print(f"zoomrt sweep: ray: {done_points} points in {len(batches)} batch(es) on "
          f"{len(ray.nodes())} node(s)", file=sys.stderr)
    ray.shutdown()
    sys.stdout.flush()
    os.execv(a.zoomrt, [a.zoomrt, "sweep", a.space, "--out", a.out, "--jobs", "1"])


if __name__ == "__main__":
    main()
