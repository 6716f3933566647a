# shellcheck shell=bash
# jobs/common.sh: logic shared by slurm_run.sh, slurm_chain.sh, pbs_run.sh, pbs_chain.sh.
#
# This file is sourced, never run or submitted. It only defines functions; nothing happens
# until a job script calls them. Per-site settings (modules, virtual environment, MPI
# launcher) live in the SITE SECTION just below, so that all four job scripts share them.
#
# Variables read (all optional; set them in the environment, with `sbatch --export` or
# `qsub -v`):
#   HPCSIM_INPUT (or INPUT)  input file, when it is not given as the first argument
#   HPCSIM_SET               extra overrides "table.key=value table.key=value ..." (split on
#                            white space; applied before the --set arguments)
#   HPCSIM_VENV              virtual environment to use; "none" to skip (default: the .venv
#                            next to the jobs/ directory, when there is one)
#   HPCSIM_LAUNCHER          MPI launcher command line (default: "srun" for Slurm,
#                            "mpiexec -n NP" for PBS); `hpcsim run ...` is appended
#   HPCSIM_NP                PBS: rank count (default: the lines of $PBS_NODEFILE)
#   HPCSIM_STOP_BEFORE_S     PBS: send SIGUSR1 this long before the walltime (default 300)
#   HPCSIM_WALLTIME          PBS: the walltime, [[HH:]MM:]SS, if `qstat -f` cannot tell
#   HPCSIM_STOP_AFTER_S      send SIGUSR1 after this many seconds instead (tests, sites
#                            without `--signal`)
#   HPCSIM_SHOW_INFO         1 (default) prints `hpcsim info` (the software stack) first
#   HPCSIM_PYTHON            Python with hpcsim (default: the one in hpcsim's #! line)
#   HPCSIM_JOBS_DIR          the directory of this file, if the scripts cannot find it
#   HPCSIM_CHAIN_MAX         chain scripts: maximum number of jobs in a chain (default 20)
#   HPCSIM_CHAIN_LINK        chain scripts: number of this job in its chain (set by the chain)
#   HPCSIM_CHAIN_SCRIPT      chain scripts: the script to resubmit (set by the chain)

# ================================ SITE SECTION ================================
# Edit this function for your cluster. It runs in every job before anything else and must
# leave `hpcsim` (and the Python it runs on) on PATH. mpi4py, h5py (parallel build) and
# petsc4py must be the builds made for the site's MPI: see docs/cluster.md.
hpcsim_site_setup() {
    # --- environment modules (examples; names differ from site to site) ---
    # module purge
    # module load gcc/12 openmpi/4.1 hdf5/1.14-mpi python/3.11 petsc/3.19
    # export PETSC_DIR=/path/to/petsc          # only if the module does not set it

    # --- virtual environment (created with --system-site-packages on top of the modules) ---
    local venv=${HPCSIM_VENV:-${HPCSIM_JOBS_DIR:-.}/../.venv}
    if [[ $venv != none && -x $venv/bin/hpcsim ]]; then
        venv=$(cd "$venv" && pwd)
        export VIRTUAL_ENV=$venv PATH=$venv/bin:$PATH
    elif [[ -n ${HPCSIM_VENV:-} && $venv != none ]]; then
        hpcsim_msg "HPCSIM_VENV=$venv has no bin/hpcsim; using hpcsim from PATH"
    fi

    # --- launcher, if the default (srun; PBS: mpiexec -n NP) does not fit ---
    # export HPCSIM_LAUNCHER="srun --mpi=pmix"

    # --- file systems without flock (HDF5 error "unable to lock file") ---
    # export HDF5_USE_FILE_LOCKING=FALSE

    # --- threads: hpcsim is parallel through MPI ranks only ---
    export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
}
# ============================== END SITE SECTION ==============================

hpcsim_msg() { printf 'hpcsim-job: %s\n' "$*" >&2; }

# The Python interpreter that runs `hpcsim` (its #! line), or $HPCSIM_PYTHON, or python3.
hpcsim_python() {
    if [[ -n ${HPCSIM_PYTHON:-} ]]; then
        printf '%s\n' "$HPCSIM_PYTHON"
        return
    fi
    local exe line
    exe=$(command -v hpcsim) || true
    if [[ -n $exe ]]; then
        IFS= read -r line < "$exe" || true
        line=${line#\#!}
        if [[ $line == /*python* && -x $line ]]; then
            printf '%s\n' "$line"
            return
        fi
    fi
    printf '%s\n' python3
}

# hpcsim_parse_args [INPUT] [--set TABLE.KEY=VALUE]...
# Sets HPCSIM_INPUT and the array HPCSIM_OVERRIDES (the TABLE.KEY=VALUE items: first those
# of $HPCSIM_SET, then those of the arguments, so the arguments win). Returns 2 on a usage
# error.
hpcsim_parse_args() {
    local input=${HPCSIM_INPUT:-${INPUT:-}} positional=0
    local -a env_items=()
    HPCSIM_OVERRIDES=()
    if [[ -n ${HPCSIM_SET:-} ]]; then
        read -r -a env_items <<< "$HPCSIM_SET"
        HPCSIM_OVERRIDES+=("${env_items[@]}")
    fi
    while (($#)); do
        case $1 in
            --set)
                if (($# < 2)); then
                    hpcsim_msg "--set needs TABLE.KEY=VALUE"
                    return 2
                fi
                HPCSIM_OVERRIDES+=("$2")
                shift 2
                ;;
            --set=*)
                HPCSIM_OVERRIDES+=("${1#--set=}")
                shift
                ;;
            -*)
                hpcsim_msg "unknown option $1 (expected: INPUT [--set TABLE.KEY=VALUE]...)"
                return 2
                ;;
            *)
                if ((positional++)); then
                    hpcsim_msg "more than one input file given: $input and $1"
                    return 2
                fi
                input=$1
                shift
                ;;
        esac
    done
    if [[ -z $input ]]; then
        hpcsim_msg "no input file: give it as the first argument or in HPCSIM_INPUT"
        return 2
    fi
    HPCSIM_INPUT=$input
}

# Fills the array HPCSIM_SET_ARGS (--set ITEM --set ITEM ...) from HPCSIM_OVERRIDES.
hpcsim_set_args() {
    local item
    HPCSIM_SET_ARGS=()
    for item in "${HPCSIM_OVERRIDES[@]+"${HPCSIM_OVERRIDES[@]}"}"; do
        HPCSIM_SET_ARGS+=(--set "$item")
    done
}

# hpcsim_inspect_input INPUT [TABLE.KEY=VALUE]...: print two lines: [run] output_dir of the
# input with the overrides applied, as hpcsim itself reads it; then "done" when that
# directory holds a complete run that reached the input's end_time_s (a longer end_time_s
# continues a complete run from its last checkpoint), else "todo".
hpcsim_inspect_input() {
    "$(hpcsim_python)" -c '
import os
import sys

import hpcsim.config

run = hpcsim.config.load(sys.argv[1], sys.argv[2:]).run
done = False
path = os.path.join(run.output_dir, "output.h5")
if os.path.isfile(path):
    import h5py
    try:
        with h5py.File(path, "r") as f:
            done = bool(f.attrs.get("complete", False))
            if done and not run.steady_state:
                t = f["timeseries/time_s"]
                done = len(t) > 0 and t[-1] >= run.end_time_s * (1 - 1e-12)
    except (OSError, KeyError):
        done = False
print(run.output_dir)
print("done" if done else "todo")
' "$@"
}

# hpcsim_latest_checkpoint OUTPUT_DIR: print the newest checkpoint file name (if any).
# hpcsim itself decides which one is usable (`--restart latest` skips unreadable ones).
hpcsim_latest_checkpoint() {
    local path latest=""
    for path in "$1"/checkpoints/checkpoint_*.h5; do
        [[ -f $path ]] && latest=$path  # the glob sorts by the zero-padded step number
    done
    [[ -n $latest ]] && printf '%s\n' "$latest"
    return 0
}

# hpcsim_prepare [INPUT] [--set TABLE.KEY=VALUE]...
# Everything before the run: site set-up, arguments, `hpcsim validate` (a typo fails here in
# seconds, not after the job waited in the queue and started all ranks), the output
# directory (nothing to do if it holds the complete run), and `--restart latest` when a
# checkpoint exists. Sets HPCSIM_INPUT, HPCSIM_OVERRIDES, HPCSIM_SET_ARGS,
# HPCSIM_OUTPUT_DIR, HPCSIM_EXE (absolute path of hpcsim) and HPCSIM_RUN_ARGS (the
# arguments of `hpcsim`).
# Returns 0 when there is something to run, 2 on bad input or set-up, 20 when the run in the
# output directory is already complete.
hpcsim_prepare() {
    hpcsim_site_setup
    hpcsim_parse_args "$@" || return 2
    hpcsim_set_args
    if ! HPCSIM_EXE=$(command -v hpcsim); then
        hpcsim_msg "hpcsim is not on PATH: edit the site section of jobs/common.sh"
        return 2
    fi
    if [[ ${HPCSIM_SHOW_INFO:-1} == 1 ]]; then
        "$HPCSIM_EXE" info || true
    fi
    if ! "$HPCSIM_EXE" validate "$HPCSIM_INPUT" "${HPCSIM_SET_ARGS[@]+"${HPCSIM_SET_ARGS[@]}"}"; then
        hpcsim_msg "input rejected; nothing was run"
        return 2
    fi
    local inspected
    if ! inspected=$(hpcsim_inspect_input "$HPCSIM_INPUT" \
            "${HPCSIM_OVERRIDES[@]+"${HPCSIM_OVERRIDES[@]}"}"); then
        hpcsim_msg "could not read [run] output_dir from $HPCSIM_INPUT"
        return 2
    fi
    HPCSIM_OUTPUT_DIR=${inspected%$'\n'*}
    hpcsim_msg "input $HPCSIM_INPUT${HPCSIM_OVERRIDES[*]+ (overrides: ${HPCSIM_OVERRIDES[*]})}"
    hpcsim_msg "output directory $HPCSIM_OUTPUT_DIR (working directory $PWD)"
    if [[ ${inspected##*$'\n'} == "done" ]]; then
        hpcsim_msg "the run in $HPCSIM_OUTPUT_DIR is already complete; nothing to do"
        return 20
    fi
    HPCSIM_RUN_ARGS=(run "$HPCSIM_INPUT" "${HPCSIM_SET_ARGS[@]+"${HPCSIM_SET_ARGS[@]}"}")
    local latest
    latest=$(hpcsim_latest_checkpoint "$HPCSIM_OUTPUT_DIR")
    if [[ -n $latest ]]; then
        HPCSIM_RUN_ARGS+=(--restart latest)
        hpcsim_msg "checkpoints found (newest $latest): restarting with --restart latest"
    else
        hpcsim_msg "no checkpoint in $HPCSIM_OUTPUT_DIR/checkpoints: starting from t = 0"
    fi
    return 0
}

# hpcsim_launch STOP_AFTER_S COMMAND...
# Runs COMMAND (the MPI launcher with hpcsim) in the background and waits for it; returns
# its exit status. Sets HPCSIM_TERMINATED=1 if this shell got SIGTERM meanwhile (the job is
# being cancelled, or is at its time limit). A SIGUSR1 or SIGTERM that reaches this batch
# shell is passed on to COMMAND as SIGUSR1 (srun and Open MPI's mpiexec hand SIGUSR1 on to every rank; hpcsim
# needs it on one rank only). If STOP_AFTER_S > 0, SIGUSR1 is also sent after that many
# seconds (PBS has no "signal before the limit" option). SIGUSR1, not SIGTERM: Open MPI's
# mpiexec answers SIGTERM by killing the ranks after a few seconds, possibly in the middle
# of writing the checkpoint.
hpcsim_launch() {
    local stop_after=$1 rc timer="" again
    shift
    _HPCSIM_INTERRUPTED=0
    HPCSIM_TERMINATED=0
    "$@" &
    _HPCSIM_CHILD=$!
    trap '_hpcsim_stop_child USR1' USR1
    trap '_hpcsim_stop_child TERM' TERM
    if [[ $stop_after =~ ^[0-9]+$ ]] && ((stop_after > 0)); then
        (
            sleep "$stop_after" &
            sleeper=$!
            trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
            if wait "$sleeper"; then
                hpcsim_msg "stop time reached: sending SIGUSR1 to the run (pid $_HPCSIM_CHILD) so it checkpoints and exits"
                kill -USR1 "$_HPCSIM_CHILD" 2>/dev/null
            fi
        ) &
        timer=$!
    fi
    wait "$_HPCSIM_CHILD" && rc=0 || rc=$?
    # A trapped signal interrupts `wait` (status > 128) while the run goes on: wait again.
    while ((rc > 128 && _HPCSIM_INTERRUPTED)); do
        _HPCSIM_INTERRUPTED=0
        wait "$_HPCSIM_CHILD" && again=0 || again=$?
        ((again == 127)) && break  # it had already ended; rc is its status
        rc=$again
    done
    trap - USR1 TERM
    if [[ -n $timer ]]; then
        kill "$timer" 2>/dev/null || true
        wait "$timer" 2>/dev/null || true
    fi
    return "$rc"
}

_hpcsim_stop_child() {
    _HPCSIM_INTERRUPTED=1
    # shellcheck disable=SC2034  # HPCSIM_TERMINATED is read by the chain scripts
    [[ $1 != TERM ]] || HPCSIM_TERMINATED=1
    hpcsim_msg "SIG$1 reached the job script: passing SIGUSR1 to the run (pid $_HPCSIM_CHILD)"
    kill -USR1 "$_HPCSIM_CHILD" 2>/dev/null || true
}

# hpcsim_report RUN_STATUS: one line on how the run ended.
hpcsim_report() {
    case $1 in
        0) hpcsim_msg "hpcsim exited 0 (finished, or stopped by a signal after writing a checkpoint)" ;;
        1) hpcsim_msg "hpcsim exited 1: the run failed; see the messages above" ;;
        2) hpcsim_msg "hpcsim exited 2: bad input or unusable checkpoint; nothing was computed" ;;
        *) hpcsim_msg "the launcher exited $1 (killed by the batch system or a node failure?)" ;;
    esac
}

# hpcsim_chain_decide RUN_STATUS OUTPUT_DIR LINK MAX_LINKS [TERMINATED]
# The decision of the chain scripts after a run. Prints one word on stdout:
#   complete  the run is complete (`hpcsim status` exits 0): the chain ends
#   resubmit  the run exited 0 and is incomplete (status 3), LINK < MAX_LINKS, and the job
#             script did not get SIGTERM (TERMINATED is 0 or absent)
#   stop      anything else: exit 1 (crash), 2 (bad input or checkpoint), another status
#             (killed, launcher failure), no readable output, the chain limit reached, or
#             the job cancelled (scancel/qdel send SIGTERM to the job script too)
# and the reason on stderr. Always returns 0.
hpcsim_chain_decide() {
    local run_rc=$1 outdir=$2 link=$3 max=$4 terminated=${5:-0} st=0
    case $run_rc in
        0) ;;
        1)
            hpcsim_msg "chain stops: the run failed (exit 1); resubmitting would fail again"
            echo stop
            return 0
            ;;
        2)
            hpcsim_msg "chain stops: bad input or unusable checkpoint (exit 2)"
            echo stop
            return 0
            ;;
        *)
            hpcsim_msg "chain stops: the run ended with status $run_rc (killed? launcher failure?)"
            echo stop
            return 0
            ;;
    esac
    hpcsim status "$outdir" >&2 || st=$?
    case $st in
        0)
            hpcsim_msg "chain ends: the run is complete"
            echo complete
            ;;
        3)
            if ((terminated)); then
                hpcsim_msg "chain stops: the job script got SIGTERM (job cancelled, or at its time" \
                    "limit before the stop signal came)"
                echo stop
            elif ((link >= max)); then
                hpcsim_msg "chain stops: run incomplete after $link jobs, the limit (HPCSIM_CHAIN_MAX=$max)"
                echo stop
            else
                hpcsim_msg "run incomplete after job $link of at most $max: submitting the next job"
                echo resubmit
            fi
            ;;
        *)
            hpcsim_msg "chain stops: no readable output in $outdir (hpcsim status exited $st)"
            echo stop
            ;;
    esac
    return 0
}

# hpcsim_chain_exit_status RUN_STATUS DECISION: the exit status of a chain job.
hpcsim_chain_exit_status() {
    case $2 in
        complete | resubmit) echo 0 ;;
        *) if (($1 != 0)); then echo "$1"; else echo 3; fi ;;
    esac
}

# hpcsim_hms_to_s [[HH:]MM:]SS: seconds (the PBS walltime format); nothing if not a time.
hpcsim_hms_to_s() {
    [[ $1 =~ ^[0-9]+(:[0-9]+){0,2}$ ]] || return 0
    awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }' <<< "$1"
}

# hpcsim_pbs_stop_after_s: seconds from now until the run should get SIGUSR1, i.e. the
# job's walltime minus HPCSIM_STOP_BEFORE_S (default 300) minus the time this job script
# has already used; 0 (no timer) when the walltime is unknown. The walltime comes from
# HPCSIM_WALLTIME ([[HH:]MM:]SS), PBS_WALLTIME (Torque, seconds) or `qstat -f` (PBS Pro).
hpcsim_pbs_stop_after_s() {
    local margin=${HPCSIM_STOP_BEFORE_S:-300} text wall left stop
    text=${HPCSIM_WALLTIME:-${PBS_WALLTIME:-}}
    if [[ -z $text && -n ${PBS_JOBID:-} ]] && command -v qstat > /dev/null 2>&1; then
        text=$(qstat -f "$PBS_JOBID" 2>/dev/null \
            | sed -n 's/^[[:space:]]*Resource_List\.walltime[[:space:]]*=[[:space:]]*//p' | head -n 1) || true
    fi
    wall=$(hpcsim_hms_to_s "$text")
    if [[ -z $wall ]]; then
        hpcsim_msg "walltime unknown (set HPCSIM_WALLTIME=HH:MM:SS): no stop signal before the limit"
        echo 0
        return 0
    fi
    left=$((wall - SECONDS))
    stop=$((left - margin))
    if ((stop < 1)); then
        stop=$((left / 2 > 1 ? left / 2 : 1))
        hpcsim_msg "walltime ${wall} s is shorter than the stop margin ${margin} s: stopping after ${stop} s"
    fi
    hpcsim_msg "walltime ${wall} s: the run gets SIGUSR1 after ${stop} s (${margin} s before the limit)"
    echo "$stop"
}
