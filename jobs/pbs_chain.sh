#!/bin/bash
#PBS -N hpcsim-chain
#PBS -l select=1:ncpus=32:mpiprocs=32
#PBS -l walltime=04:00:00
#PBS -j oe
#PBS -S /bin/bash
##PBS -A PROJECT
##PBS -q QUEUE
## Torque instead of the select line above:
##PBS -l nodes=1:ppn=32
#
# A chain of PBS jobs that carries one hpcsim run to the end, however many walltimes it
# needs. Each job runs like jobs/pbs_run.sh (validate, then `mpiexec hpcsim run`, with
# `--restart latest` when a checkpoint exists, SIGUSR1 HPCSIM_STOP_BEFORE_S seconds before
# the walltime) and then decides:
#
#   hpcsim exited 0 and `hpcsim status OUTPUT_DIR` says complete (0)  -> the chain ends
#   hpcsim exited 0, status incomplete (3), fewer than HPCSIM_CHAIN_MAX jobs so far
#                                      -> qsub -W depend=afterany:<this job> <this script>
#   hpcsim exited 1 (crash), 2 (bad input or unusable checkpoint), anything else (killed,
#   launcher failure), no readable output, HPCSIM_CHAIN_MAX jobs reached, or SIGTERM to
#   this script (the job was cancelled, or its stop signal came too late)
#                                      -> the chain stops (this job exits non-zero)
#
# so a crash or a bad input never loops. Start it once, from the directory holding jobs/:
#
#   qsub -v HPCSIM_INPUT=inputs/quickstart.toml jobs/pbs_chain.sh
#   qsub -v "HPCSIM_INPUT=inputs/quickstart.toml,HPCSIM_SET=run.end_time_s=86400,HPCSIM_CHAIN_MAX=50" jobs/pbs_chain.sh
#
# Later jobs get, through qsub -v: the input, the overrides (as HPCSIM_SET, separated by
# spaces: overrides whose values contain spaces or commas belong in the input file),
# HPCSIM_CHAIN_LINK (1, 2, ...), HPCSIM_CHAIN_MAX, and those of HPCSIM_VENV,
# HPCSIM_LAUNCHER, HPCSIM_NP, HPCSIM_STOP_BEFORE_S, HPCSIM_WALLTIME, HPCSIM_SHOW_INFO,
# HPCSIM_PYTHON that are set. The script resubmitted is $HPCSIM_CHAIN_SCRIPT, by default
# jobs/pbs_chain.sh. `qdel` the held successor to end a chain early. See jobs/pbs_run.sh
# for the header and the stop signal.
set -euo pipefail

if [[ -n ${PBS_O_WORKDIR:-} ]]; then
    cd "$PBS_O_WORKDIR"
fi
# --- find jobs/common.sh (PBS runs a copy of this script from its spool directory).
for _dir in "${HPCSIM_JOBS_DIR:-}" "$(dirname "${BASH_SOURCE[0]}")" "$PWD/jobs"; do
    if [[ -n $_dir && -f $_dir/common.sh ]]; then
        HPCSIM_JOBS_DIR=$(cd "$_dir" && pwd)
        break
    fi
done
if [[ ! -f ${HPCSIM_JOBS_DIR:-}/common.sh ]]; then
    echo "hpcsim-job: cannot find jobs/common.sh; submit from the directory holding jobs/ or set HPCSIM_JOBS_DIR" >&2
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
np=${HPCSIM_NP:-}
if [[ -z $np && -n ${PBS_NODEFILE:-} && -f ${PBS_NODEFILE:-} ]]; then
    np=$(wc -l < "$PBS_NODEFILE")
fi
np=${np:-1}
hpcsim_msg "PBS job ${PBS_JOBID:-(none)}, chain job $link of at most $max, $np MPI rank(s)"
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
# Later jobs get the input and the overrides through qsub -v: check now, not after the run.
for item in "$HPCSIM_INPUT" "${HPCSIM_OVERRIDES[@]+"${HPCSIM_OVERRIDES[@]}"}"; do
    if [[ $item == *,* || $item == *[[:space:]]* ]]; then
        hpcsim_msg "'$item' cannot be passed on with qsub -v (comma or space): move it into" \
            "the input file; chain stops"
        exit 2
    fi
done

read -r -a launcher <<< "${HPCSIM_LAUNCHER:-mpiexec -n $np}"
stop_after=${HPCSIM_STOP_AFTER_S:-$(hpcsim_pbs_stop_after_s)}
rc=0
hpcsim_launch "$stop_after" "${launcher[@]}" "$HPCSIM_EXE" "${HPCSIM_RUN_ARGS[@]}" || rc=$?
hpcsim_report "$rc"
decision=$(hpcsim_chain_decide "$rc" "$HPCSIM_OUTPUT_DIR" "$link" "$max" "$HPCSIM_TERMINATED")

if [[ $decision == resubmit ]]; then
    next=${HPCSIM_CHAIN_SCRIPT:-$HPCSIM_JOBS_DIR/pbs_chain.sh}
    vars="HPCSIM_INPUT=$HPCSIM_INPUT,HPCSIM_CHAIN_LINK=$((link + 1)),HPCSIM_CHAIN_MAX=$max"
    vars+=",HPCSIM_JOBS_DIR=$HPCSIM_JOBS_DIR,HPCSIM_CHAIN_SCRIPT=$next"
    if ((${#HPCSIM_OVERRIDES[@]})); then
        vars+=",HPCSIM_SET=${HPCSIM_OVERRIDES[*]}"
    fi
    for name in HPCSIM_VENV HPCSIM_LAUNCHER HPCSIM_NP HPCSIM_STOP_BEFORE_S HPCSIM_WALLTIME \
        HPCSIM_SHOW_INFO HPCSIM_PYTHON; do
        if [[ -n ${!name:-} ]]; then
            vars+=",$name=${!name}"
        fi
    done
    dependency=()
    [[ -z ${PBS_JOBID:-} ]] || dependency=(-W "depend=afterany:$PBS_JOBID")
    if ! submitted=$(qsub "${dependency[@]+"${dependency[@]}"}" -v "$vars" "$next"); then
        hpcsim_msg "qsub failed; continue by hand: qsub -v \"$vars\" $next"
        exit 1
    fi
    hpcsim_msg "next job: $submitted"
fi
exit "$(hpcsim_chain_exit_status "$rc" "$decision")"
