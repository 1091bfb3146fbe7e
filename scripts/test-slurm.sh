#!/usr/bin/env bash
# `npm run test:slurm`: recipes/slurm/predict-array.sh on a real single-node SLURM cluster started
# here. Installs Debian's slurm-wlm and munge if missing, starts munged, slurmctld and slurmd
# with a generated slurm.conf (this host, its CPUs and memory, every path under a temp folder,
# its own munge socket and ports, so a cluster already on the machine is not touched), trains a
# tiny model through the CLI, runs the array (3 shards) and its merge job, and checks that the
# outputs and the merged manifest equal one `framewise predict` over the same folder; then loses
# one output and reruns that task alone, which must redo that file only. Stops the
# daemons at the end; on failure prints their logs. Needs root or sudo (slurmd runs jobs as
# their user); without either it skips, except under CI=true, where it fails (as the tests of
# engine/testing/tools.ts do). FRAMEWISE_SLURM_KEEP=1 keeps the temp folder.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shards=3

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if ! sudo -n true 2>/dev/null; then
    why="test-slurm needs root or passwordless sudo (slurmd runs the jobs as their user)"
    [ "${CI:-}" = true ] && { echo "$why; CI must not skip it" >&2; exit 1; }
    echo "[skipped] $why"
    exit 0
  fi
  SUDO=(sudo)
fi

echo "=== slurm-wlm and munge"
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null ||
  ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends \
    slurm-wlm munge
fi
dpkg-query -W -f '${Package} ${Version}\n' slurmctld slurmd slurm-client munge

work="$(mktemp -d /tmp/framewise-slurm.XXXXXX)"
chmod 755 "$work" # the jobs run as this user; the daemons' folders below stay root's
daemons="$work/daemons"
# munged wants its key in a folder only it reads and its socket in one everyone can enter
mkdir -p "$daemons/munge-key" "$daemons/munge-socket" "$daemons/state" "$daemons/spool"
chmod 700 "$daemons/munge-key"
chmod 755 "$daemons" "$daemons/munge-socket"
export SLURM_CONF="$daemons/slurm.conf"
pids=()

stop() {
  local status=$?
  set +e
  if [ "$status" -ne 0 ]; then
    echo "=== test-slurm FAILED (exit $status); daemon logs:" >&2
    for log in "$daemons/slurmctld.log" "$daemons/slurmd.log" "$work"/*.console; do
      echo "--- $log" >&2
      "${SUDO[@]}" tail -n 60 "$log" >&2 2>/dev/null
    done
    for log in "$work"/out/slurm-logs/*.out; do
      [ -f "$log" ] && { echo "--- $log" >&2; tail -n 30 "$log" >&2; }
    done
  fi
  for pid in "${pids[@]}"; do "${SUDO[@]}" kill "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do "${SUDO[@]}" kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  if [ "${FRAMEWISE_SLURM_KEEP:-}" = 1 ]; then echo "kept $work"; else "${SUDO[@]}" rm -rf "$work"; fi
  exit "$status"
}
trap stop EXIT

# A free TCP port (asked of the kernel, so a cluster already here keeps its own).
free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close() })'
}

echo "=== munged"
key="$daemons/munge-key"
dd if=/dev/urandom of="$key/munge.key" bs=1024 count=1 status=none
chmod 400 "$key/munge.key"
socket="$daemons/munge-socket/munge.socket"
"${SUDO[@]}" chown -R root:root "$daemons"
# In the foreground each daemon logs to stderr (and slurm's to their log files too).
"${SUDO[@]}" munged --foreground --socket="$socket" --key-file="$key/munge.key" \
  --pid-file="$key/munged.pid" --seed-file="$key/munged.seed" 2>"$work/munged.console" &
pids+=($!)
for _ in $(seq 50); do [ -S "$socket" ] && break; sleep 0.1; done
munge --socket="$socket" -n | unmunge --socket="$socket" >/dev/null

echo "=== slurm.conf"
host="$(hostname -s)"
cpus="$(nproc)"
memory=$(($(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) / 1024 - 256)) # MB, under what slurmd finds
"${SUDO[@]}" tee "$SLURM_CONF" >/dev/null <<EOF
ClusterName=framewise-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
StateSaveLocation=$daemons/state
SlurmdSpoolDir=$daemons/spool
SlurmctldPidFile=$daemons/slurmctld.pid
SlurmdPidFile=$daemons/slurmd.pid
SlurmctldLogFile=$daemons/slurmctld.log
SlurmdLogFile=$daemons/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
"${SUDO[@]}" chmod 644 "$SLURM_CONF"
cat "$SLURM_CONF"

echo "=== slurmctld, slurmd"
"${SUDO[@]}" env SLURM_CONF="$SLURM_CONF" slurmctld -D -c -f "$SLURM_CONF" 2>"$work/slurmctld.console" &
pids+=($!)
"${SUDO[@]}" env SLURM_CONF="$SLURM_CONF" slurmd -D -f "$SLURM_CONF" -N "$host" 2>"$work/slurmd.console" &
pids+=($!)
state=""
for _ in $(seq 60); do
  state="$(sinfo -h -n "$host" -o %T 2>/dev/null || true)"
  [ "$state" = idle ] && break
  sleep 0.5
done
[ "$state" = idle ] || { echo "test-slurm: the node is '$state', not idle, after 30 s" >&2; exit 1; }
sinfo

echo "=== data and a tiny model"
cd "$root"
# `framewise` as a node finds it: on PATH, which sbatch passes on to the jobs.
mkdir -p "$work/bin"
cat >"$work/bin/framewise" <<EOF
#!/bin/sh
exec node --import tsx "$root/engine/cli.ts" "\$@"
EOF
chmod +x "$work/bin/framewise"
export PATH="$work/bin:$PATH"
node --import tsx scripts/slurm-fixture.ts "$work"
framewise train "$work/train" --out "$work/model.onnx" --hidden 8 --layers 1 --epochs 3 --seed 1 \
  >/dev/null 2>"$work/train.log" || { cat "$work/train.log" >&2; exit 1; }

echo "=== one process"
framewise predict "$work/model.onnx" "$work/in" --out "$work/single" --probabilities >/dev/null 2>&1

echo "=== the job array ($shards shards) and the merge"
started=$(date +%s)
CPUS_PER_TASK=1 recipes/slurm/predict-array.sh --wait "$work/model.onnx" "$work/in" "$work/out" \
  "$shards" --probabilities
echo "array and merge: $(($(date +%s) - started)) s"

echo "=== compare"
for i in $(seq 0 $((shards - 1))); do
  [ -f "$work/out/framewise-manifest.shard-$i-of-$shards.json" ] ||
    { echo "test-slurm: shard $i wrote no manifest" >&2; exit 1; }
done
node - "$work/single" "$work/out" <<'EOF'
// The outputs must be byte for byte the single run's, each input in one shard, and the merged
// manifest the single run's apart from its time and the out folder's name.
const fs = require('node:fs')
const path = require('node:path')
const [single, out] = process.argv.slice(2)
const list = (root, rel = '') =>
  fs.readdirSync(path.join(root, rel), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? e.name === 'slurm-logs' ? [] : list(root, path.join(rel, e.name))
      : /^framewise-manifest/.test(e.name) ? [] : [path.join(rel, e.name)],
  )
const a = list(single).sort()
const b = list(out).sort()
const fail = (why) => { console.error(`test-slurm: ${why}`); process.exit(1) }
if (a.length === 0 || JSON.stringify(a) !== JSON.stringify(b))
  fail(`the array wrote ${b.length} outputs, one process ${a.length}`)
for (const f of a)
  if (!fs.readFileSync(path.join(single, f)).equals(fs.readFileSync(path.join(out, f))))
    fail(`${f} differs from the single run's`)
const manifest = (dir) =>
  JSON.parse(fs.readFileSync(path.join(dir, 'framewise-manifest.json'), 'utf8').replaceAll(dir, 'OUT'))
const [m1, m2] = [manifest(single), manifest(out)]
delete m1.updated
delete m2.updated
if (JSON.stringify(m1) !== JSON.stringify(m2)) fail('the merged manifest differs from the single run\'s')
const seen = new Set()
for (const f of fs.readdirSync(out).filter((n) => /^framewise-manifest\.shard-/.test(n)))
  for (const e of JSON.parse(fs.readFileSync(path.join(out, f), 'utf8')).files) {
    if (seen.has(e.input)) fail(`${e.input} is in two shards`)
    seen.add(e.input)
  }
if (seen.size !== m1.inputs) fail(`the shards hold ${seen.size} inputs, not ${m1.inputs}`)
console.log(`${a.length} outputs of ${m1.inputs} inputs equal the single run's; merged manifest equal`)
EOF
for log in "$work"/out/slurm-logs/predict-*.out; do
  echo "$(basename "$log"): $(grep -h '^  "done"' "$log" || echo no summary)"
done

echo "=== one task rerun with --resume, after one of its outputs was lost"
shard1="$work/out/framewise-manifest.shard-1-of-$shards.json"
lost="$(node -e 'console.log(require(process.argv[1]).files[0].outputs[0])' "$shard1")"
rm "$lost"
sbatch --wait --quiet --array=1 --cpus-per-task=1 --output="$work/out/slurm-logs/rerun-%A_%a.out" \
  recipes/slurm/predict-shard.sbatch "$work/model.onnx" "$work/in" "$work/out" "$shards" --probabilities
cmp "$lost" "${lost/#$work\/out/$work/single}"
node -e '
  const m = require(process.argv[1])
  const n = (s) => m.files.filter((f) => f.status === s).length
  if (n("done") !== 1 || n("skipped") !== m.files.length - 1)
    throw new Error(`the rerun did ${n("done")} and skipped ${n("skipped")} of ${m.files.length}`)
  console.log(`redid the lost file, skipped ${n("skipped")}`)' "$shard1"
framewise merge-outputs "$work/out" >/dev/null
echo "=== test-slurm passed"
