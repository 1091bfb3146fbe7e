#!/usr/bin/env bash
# Predicts a folder of recordings on a SLURM cluster: a job array of N tasks, task I running
# `framewise predict --shard I/N --resume` (recipes/slurm/predict-shard.sbatch), then a job that
# waits for all of them and runs `framewise merge-outputs` (merge-outputs.sbatch), which writes
# OUT/framewise-manifest.json as one `framewise predict` over the whole folder writes it.
#
#   recipes/slurm/predict-array.sh [--wait] MODEL.onnx INPUT_DIR OUT_DIR N [predict options...]
#
# Run it on a login node. MODEL, INPUT_DIR and OUT_DIR must be on a file system every node
# mounts at the same path. Each task finds `framewise` as $FRAMEWISE if set (a path to the
# command), else on its PATH: sbatch passes the submitting shell's environment to the jobs
# (--export=ALL, SLURM's default), so `export PATH=/shared/framewise/node_modules/.bin:$PATH`
# (or `module load`) before submitting reaches every node. Options after N go to predict
# (e.g. --format raven --probabilities). sbatch reads the usual SBATCH_* variables for the rest
# (SBATCH_PARTITION, SBATCH_ACCOUNT, SBATCH_TIMELIMIT); CPUS_PER_TASK (default 2) sets each
# task's cores, the two feature workers and model threads `framewise predict` uses.
# A task that fails or hits its time limit is rerun with the same command (`sbatch --array=I`
# of predict-shard.sbatch, or this script again): --resume skips the files it finished.
# Prints the array's and the merge job's ids; with --wait, waits for the merge and exits with
# its status.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
wait_flag=()
if [ "${1:-}" = "--wait" ]; then
  wait_flag=(--wait)
  shift
fi
if [ $# -lt 4 ]; then
  echo "usage: $0 [--wait] MODEL.onnx INPUT_DIR OUT_DIR N [predict options...]" >&2
  exit 2
fi
model="$(realpath "$1")"
input="$(realpath "$2")"
n="$4"
case "$n" in
  '' | *[!0-9]* | 0) echo "$0: N must be a whole number ≥ 1, not '$n'" >&2; exit 2 ;;
esac
mkdir -p "$3/slurm-logs"
out="$(realpath "$3")"
shift 4
[ -f "$model" ] || { echo "$0: $model: no such model" >&2; exit 1; }
[ -d "$input" ] || { echo "$0: $input: no such folder" >&2; exit 1; }

array=$(sbatch --parsable --array="0-$((n - 1))" --job-name=framewise-predict \
  --cpus-per-task="${CPUS_PER_TASK:-2}" --output="$out/slurm-logs/predict-%A_%a.out" \
  "$here/predict-shard.sbatch" "$model" "$input" "$out" "$n" "$@")
array="${array%%;*}" # --parsable prints id[;cluster]
# afterany: a shard whose files partly failed still wrote its manifest, and merge-outputs
# refuses a shard that did not finish, naming it.
merge=$(sbatch --parsable "${wait_flag[@]}" --dependency="afterany:$array" \
  --kill-on-invalid-dep=yes --job-name=framewise-merge --cpus-per-task=1 \
  --output="$out/slurm-logs/merge-%j.out" "$here/merge-outputs.sbatch" "$out")
echo "array $array merge ${merge%%;*}"
