#!/bin/bash
#SBATCH --job-name=hpcsim
#SBATCH --nodes=1
#SBATCH --ntasks-per-node=32
#SBATCH --cpus-per-task=1
#SBATCH --time=04:00:00
#SBATCH --signal=USR1@300
#SBATCH --output=%x-%j.out
##SBATCH --account=PROJECT
##SBATCH --partition=PARTITION
#
# One hpcsim run on all the tasks of a Slurm job.
#
#   sbatch jobs/slurm_run.sh INPUT [--set TABLE.KEY=VALUE]...
#   sbatch --export=ALL,HPCSIM_INPUT=inputs/quickstart.toml,HPCSIM_SET="run.end_time_s=600" jobs/slurm_run.sh
#
# Submit from the directory the input's [run] output_dir is relative to (usually the
# project checkout): Slurm starts the job there. Lines starting with `##SBATCH` are
# comments; remove one `#` to use them. Site settings (modules, venv, launcher) are in the
# SITE SECTION of jobs/common.sh; see jobs/README.md.
#
# What the job does:
#   1. `hpcsim validate` on the input: a typo ends the job in seconds (exit 2);
#   2. nothing, if the run in the output directory is already complete (exit 0);
#   3. `srun hpcsim run INPUT --set ...`, with `--restart latest` when the output directory
#      holds a checkpoint, so resubmitting the same job continues the run.
#
# The stop signal. `--signal=USR1@300` (without `B:`) makes Slurm send SIGUSR1 to every
# task of the job step about 300 s before the time limit (Slurm may send it up to a minute
# earlier). The hpcsim ranks are those tasks: they finish the current step, write a
# checkpoint together and exit 0. With `--signal=B:USR1@300` only this batch shell would
# get the signal; the script then passes it on to srun (see hpcsim_launch in common.sh),
# which also works, but the direct form does not depend on the shell being alive and
# responsive. Choose the 300 s to exceed one time step plus writing one checkpoint;
# without the early signal the ranks only get SIGTERM at the limit itself, followed by
# SIGKILL after the site's KillWait (often 30 s), which may be too short for a checkpoint.
set -euo pipefail

# --- find jobs/common.sh. Slurm runs a copy of this script from its spool directory, so look
# in $HPCSIM_JOBS_DIR, next to the submitted script (scontrol), next to this file (when run
# with bash directly) and in ./jobs of the submission directory.
_submitted=""
if [[ -n ${SLURM_JOB_ID:-} ]] && command -v scontrol > /dev/null 2>&1; then
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

hpcsim_msg "Slurm job ${SLURM_JOB_ID:-(none)} on ${SLURM_JOB_NUM_NODES:-?} node(s), ${SLURM_NTASKS:-?} task(s)"
prep=0
hpcsim_prepare "$@" || prep=$?
case $prep in
    0) ;;
    20) exit 0 ;;
    *) exit "$prep" ;;
esac

read -r -a launcher <<< "${HPCSIM_LAUNCHER:-srun}"
rc=0
hpcsim_launch "${HPCSIM_STOP_AFTER_S:-0}" "${launcher[@]}" "$HPCSIM_EXE" "${HPCSIM_RUN_ARGS[@]}" || rc=$?
hpcsim_report "$rc"
st=0
"$HPCSIM_EXE" status "$HPCSIM_OUTPUT_DIR" || st=$?
if ((rc == 0 && st == 3)); then
    hpcsim_msg "not finished yet: submit this job again to continue from the checkpoint"
fi
exit "$rc"
