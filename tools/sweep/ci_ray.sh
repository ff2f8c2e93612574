#!/usr/bin/env bash
# CI (issue 13 item 5): a two-node Ray cluster on 127.0.0.1 (a head and a worker started with
# `ray start`, one CPU each) runs tools/sweep/ci_space.json with one point per task. Checks that
# both nodes ran points, kills the worker's raylet part-way, and checks that the sweep still
# finishes with every point and a points.jsonl byte-identical to the local engine's. The cluster
# is stopped on every path (trap). Needs a built zoomrt (ZOOMRT_BIN, default build/tools/zoomrt);
# creates the venv (tools/sweep/setup_venv.sh) when it is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
zoomrt="${ZOOMRT_BIN:-build/tools/zoomrt}"
venv="${ZOOMRT_SWEEPENV:-../sweepenv}"
[ -x "$venv/bin/ray" ] || tools/sweep/setup_venv.sh
ray="$venv/bin/ray"
port="${ZOOMRT_RAY_PORT:-6479}"
worker_port=$((port + 1))
work="$(mktemp -d /tmp/zoomrt_ci_ray.XXXXXX)"
space="$PWD/tools/sweep/ci_space.json"

cleanup() {
  "$ray" stop --force >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
distinct_nodes() {
  { grep -o '"node": "[0-9a-f]*"' "$work/ray/nodes.jsonl" 2>/dev/null || true; } | sort -u | wc -l
}
fail() {
  echo "ci_ray: FAIL: $*" >&2
  exit 1
}

echo "ci_ray: local engine"
"$zoomrt" sweep "$space" --out "$work/local" --jobs 1 2>"$work/local.log" || { cat "$work/local.log" >&2; fail "local sweep"; }
total=$(wc -l <"$work/local/points.jsonl")

echo "ci_ray: starting a head and a worker on 127.0.0.1:$port"
# Quick failure detection, so the killed worker's tasks are retried within seconds.
export RAY_health_check_period_ms=500 RAY_health_check_failure_threshold=4 RAY_health_check_timeout_ms=500
"$ray" start --head --node-ip-address 127.0.0.1 --port "$port" --num-cpus 1 --include-dashboard=false \
  --disable-usage-stats >"$work/head.log" 2>&1 || { cat "$work/head.log" >&2; fail "ray start --head"; }
"$ray" start --address "127.0.0.1:$port" --node-ip-address 127.0.0.1 --num-cpus 1 \
  --node-manager-port "$worker_port" --disable-usage-stats >"$work/worker.log" 2>&1 ||
  { cat "$work/worker.log" >&2; fail "ray start (worker)"; }

echo "ci_ray: sweep on Ray ($total points, one per task)"
ZOOMRT_SWEEPENV="$venv" "$zoomrt" sweep "$space" --out "$work/ray" --ray "127.0.0.1:$port" --batch 1 \
  >"$work/ray.log" 2>&1 &
sweep_pid=$!

# Part-way: once both nodes have run points, kill the worker's raylet (its tasks die with it).
raylet_pid=$(ps -eo pid=,args= | awk -v p="--node_manager_port=$worker_port" '$0 ~ /raylet\/raylet/ && index($0, p) {print $1}')
[ -n "$raylet_pid" ] || fail "no raylet listening on node manager port $worker_port"
killed=0
for _ in $(seq 1 600); do
  if ! kill -0 "$sweep_pid" 2>/dev/null; then break; fi
  nodes=$(distinct_nodes)
  if [ "$nodes" -ge 2 ]; then
    done_now=$(wc -l <"$work/ray/points.jsonl")
    echo "ci_ray: both nodes ran points; killing the worker (raylet $raylet_pid) at $done_now/$total points"
    kill -9 "$raylet_pid"
    killed=1
    break
  fi
  sleep 0.2
done
wait "$sweep_pid" || { cat "$work/ray.log" >&2; fail "ray sweep exited non-zero"; }
[ "$killed" = 1 ] || fail "the sweep ended before both nodes had run points"
[ "$done_now" -lt "$total" ] || fail "the worker was killed after every point was done"
nodes=$(distinct_nodes)
[ "$nodes" -eq 2 ] || fail "points ran on $nodes node(s), expected 2"
cmp "$work/local/points.jsonl" "$work/ray/points.jsonl" || fail "Ray and local points.jsonl differ"
cmp "$work/local/pareto.json" "$work/ray/pareto.json" || fail "Ray and local pareto.json differ"
echo "ci_ray: OK: $total points on 2 nodes, worker killed part-way, lines identical to the local engine"
