#!/bin/bash
#SBATCH --job-name=hpcsim-chain
#SBATCH --nodes=1
#SBATCH --ntasks-per-node=32
#SBATCH --cpus-per-task=1
#SBATCH --time=04:00:00
#SBATCH --signal=USR1@300
#SBATCH --output=%x-%j.out
##SBATCH --account=PROJECT
##SBATCH --partition=PARTITION
#
# A chain of Slurm jobs that carries one hpcsim run to the end, however many time limits
# it needs. Each job runs like jobs/slurm_run.sh (validate, then `srun hpcsim run`, with
# `--restart latest` when a checkpoint exists) and then decides:
#
#   hpcsim exited 0 and `hpcsim status OUTPUT_DIR` says complete (0)  -> the chain ends
#   hpcsim exited 0, status incomplete (3), fewer than HPCSIM_CHAIN_MAX jobs so far
#                                      -> sbatch --dependency=afterany:<this job> <this script>
#   hpcsim exited 1 (crash), 2 (bad input or unusable checkpoint), anything else (killed,
#   launcher failure), no readable output, HPCSIM_CHAIN_MAX jobs reached, or SIGTERM to
#   this script (the job was cancelled, or its stop signal came too late)
#                                      -> the chain stops (this job exits non-zero)
#
# so a crash or a bad input never loops. Start it once:
#
#   sbatch jobs/slurm_chain.sh INPUT [--set TABLE.KEY=VALUE]...
#   HPCSIM_CHAIN_MAX=50 sbatch jobs/slurm_chain.sh inputs/quickstart.toml
#
# Later jobs get the same input and overrides as arguments, HPCSIM_CHAIN_LINK (1, 2, ...)
# and the rest of the environment (sbatch --export=ALL). They are submitted from the job
# itself, so the cluster must allow sbatch on compute nodes (almost all do). `scancel` the
# pending successor to end a chain early. The stop signal (`--signal=USR1@300`, delivered
# to the hpcsim tasks themselves rather than with `B:` to this shell) is explained in
# jobs/slurm_run.sh: it is what lets each job checkpoint before its time limit.
set -euo pipefail

# --- find jobs/common.sh. Slurm runs a copy of this script from its spool directory, so look
# in $HPCSIM_JOBS_DIR, next to the submitted script ($HPCSIM_CHAIN_SCRIPT, or scontrol for
# the first job), next to this file (when run with bash directly) and in ./jobs of the
# submission directory. The submitted script is also what the chain resubmits.
_submitted=${HPCSIM_CHAIN_SCRIPT:-}
if [[ -z $_submitted && -n ${SLURM_JOB_ID:-} ]] && command -v scontrol > /dev/null 2>&1; then
    _submitted=$(scontrol show job "$SLURM_JOB_ID" 2>/dev/null \
        | sed -n 's/^[[:space:]]*Command=\([^[:space:]]*\).*/\1/p' | head -n 1) || true
    [[ -z $_submitted || $_submitted == /* ]] || _submitted=${SLURM_SUBMIT_DIR:-$PWD}/$_submitted
fi
for _dir in "${HPCSIM_JOBS_DIR:-}" "${_submitted:+$(dirname "$_submitted")}" \
    "$(dirname "${BASH_SOURCE[0]}")" "${SLURM_SUBMIT_DIR:-$PWD}/jobs"; do
    if [[ -n $_dir && -f $_dir/common.sh ]]; then
        HPCSIM_JOBS_DIR=$(cd "$_dir" && pwd)
        break
    fi
done
if [[ ! -f ${HPCSIM_JOBS_DIR:-}/common.sh ]]; then
    echo "hpcsim-job: cannot find jobs/common.sh; set HPCSIM_JOBS_DIR" >&2
    exit 2
fi
export HPCSIM_JOBS_DIR
# shellcheck source=jobs/common.sh
source "$HPCSIM_JOBS_DIR/common.sh"

link=${HPCSIM_CHAIN_LINK:-1}
max=${HPCSIM_CHAIN_MAX:-20}
if ! [[ $link =~ ^[0-9]+$ && $max =~ ^[0-9]+$ ]]; then
    hpcsim_msg "HPCSIM_CHAIN_LINK=$link and HPCSIM_CHAIN_MAX=$max must be whole numbers"
    exit 2
fi
hpcsim_msg "Slurm job ${SLURM_JOB_ID:-(none)}, chain job $link of at most $max," \
    "${SLURM_JOB_NUM_NODES:-?} node(s), ${SLURM_NTASKS:-?} task(s)"
prep=0
hpcsim_prepare "$@" || prep=$?
case $prep in
    0) ;;
    20) exit 0 ;;
    *)
        hpcsim_msg "chain stops"
        exit "$prep"
        ;;
esac

read -r -a launcher <<< "${HPCSIM_LAUNCHER:-srun}"
rc=0
hpcsim_launch "${HPCSIM_STOP_AFTER_S:-0}" "${launcher[@]}" "$HPCSIM_EXE" "${HPCSIM_RUN_ARGS[@]}" || rc=$?
hpcsim_report "$rc"
decision=$(hpcsim_chain_decide "$rc" "$HPCSIM_OUTPUT_DIR" "$link" "$max" "$HPCSIM_TERMINATED")

if [[ $decision == resubmit ]]; then
    next=${_submitted:-$HPCSIM_JOBS_DIR/slurm_chain.sh}
    dependency=()
    [[ -z ${SLURM_JOB_ID:-} ]] || dependency=(--dependency="afterany:$SLURM_JOB_ID")
    # The input and overrides travel as arguments; clear their environment forms so they
    # are not applied twice.
    args=("$HPCSIM_INPUT" "${HPCSIM_SET_ARGS[@]+"${HPCSIM_SET_ARGS[@]}"}")
    if ! submitted=$(
        unset HPCSIM_INPUT INPUT HPCSIM_SET
        export HPCSIM_CHAIN_LINK=$((link + 1)) HPCSIM_CHAIN_MAX=$max HPCSIM_CHAIN_SCRIPT=$next
        sbatch "${dependency[@]+"${dependency[@]}"}" "$next" "${args[@]}"
    ); then
        hpcsim_msg "sbatch failed; continue by hand: HPCSIM_CHAIN_LINK=$((link + 1)) sbatch $next ${args[*]}"
        exit 1
    fi
    hpcsim_msg "next job: $submitted"
fi
exit "$(hpcsim_chain_exit_status "$rc" "$decision")"
