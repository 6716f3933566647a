#!/bin/bash
#PBS -N hpcsim
#PBS -l select=1:ncpus=32:mpiprocs=32
#PBS -l walltime=04:00:00
#PBS -j oe
#PBS -S /bin/bash
##PBS -A PROJECT
##PBS -q QUEUE
## Torque instead of the select line above:
##PBS -l nodes=1:ppn=32
#
# One hpcsim run on all the MPI slots of a PBS Pro or Torque job.
#
#   qsub -v HPCSIM_INPUT=inputs/quickstart.toml jobs/pbs_run.sh
#   qsub -v "HPCSIM_INPUT=inputs/quickstart.toml,HPCSIM_SET=run.end_time_s=600 bounce.L=3" jobs/pbs_run.sh
#   qsub -F "inputs/quickstart.toml --set run.end_time_s=600" jobs/pbs_run.sh     (Torque)
#
# The job changes to the directory qsub was run in ($PBS_O_WORKDIR): submit from the
# directory the input's [run] output_dir is relative to, the one that holds jobs/ (or pass
# HPCSIM_JOBS_DIR). Lines starting with `##PBS` are comments; remove one `#` to use them.
# Site settings (modules, venv, launcher) are in the SITE SECTION of jobs/common.sh; see
# jobs/README.md. HPCSIM_SET items are separated by spaces; qsub -v cannot carry commas,
# so put overrides with commas (lists) in the input file.
#
# What the job does:
#   1. `hpcsim validate` on the input: a typo ends the job in seconds (exit 2);
#   2. nothing, if the run in the output directory is already complete (exit 0);
#   3. `mpiexec -n NP hpcsim run INPUT --set ...` (NP = lines of $PBS_NODEFILE, i.e. the
#      mpiprocs), with `--restart latest` when the output directory holds a checkpoint.
#
# The stop signal. PBS has no option to signal a job some time before its walltime: at the
# limit it sends SIGTERM to the job's processes and SIGKILL shortly after (kill_delay), which
# may not leave time for a checkpoint, and Open MPI's mpiexec answers SIGTERM by ending
# the job itself. So this script starts a timer: HPCSIM_STOP_BEFORE_S (default 300) seconds
# before the walltime it sends SIGUSR1 to mpiexec, which passes it on to the ranks; they
# finish the step, write a checkpoint together and exit 0. The walltime is read with
# `qstat -f` (or from PBS_WALLTIME, Torque, or HPCSIM_WALLTIME=HH:MM:SS).
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

np=${HPCSIM_NP:-}
if [[ -z $np && -n ${PBS_NODEFILE:-} && -f ${PBS_NODEFILE:-} ]]; then
    np=$(wc -l < "$PBS_NODEFILE")
fi
np=${np:-1}
hpcsim_msg "PBS job ${PBS_JOBID:-(none)}, $np MPI rank(s)"
prep=0
hpcsim_prepare "$@" || prep=$?
case $prep in
    0) ;;
    20) exit 0 ;;
    *) exit "$prep" ;;
esac

read -r -a launcher <<< "${HPCSIM_LAUNCHER:-mpiexec -n $np}"
stop_after=${HPCSIM_STOP_AFTER_S:-$(hpcsim_pbs_stop_after_s)}
rc=0
hpcsim_launch "$stop_after" "${launcher[@]}" "$HPCSIM_EXE" "${HPCSIM_RUN_ARGS[@]}" || rc=$?
hpcsim_report "$rc"
st=0
"$HPCSIM_EXE" status "$HPCSIM_OUTPUT_DIR" || st=$?
if ((rc == 0 && st == 3)); then
    hpcsim_msg "not finished yet: submit this job again to continue from the checkpoint"
fi
exit "$rc"
