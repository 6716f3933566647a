#!/usr/bin/env bash
# Set up hpcsim on Debian 12 (as root or with sudo): the MPI stack from Debian packages and
# a virtual environment on the system Python that sees them, with the rest from PyPI.
# Idempotent: packages already installed are not reinstalled; an existing venv is reused.
#
#   bash tools/setup.sh VENV_DIR DEBIAN_PACKAGE...
set -euo pipefail
venv=$1; shift
missing=()
for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    echo "setup: installing Debian packages: ${missing[*]}"
    sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
if [[ ! -x "$venv/bin/python" ]]; then
    echo "setup: creating virtual environment $venv on /usr/bin/python3 (with system site packages)"
    /usr/bin/python3 -m venv --system-site-packages "$venv"
fi
# numpy<2 keeps Debian's compiled petsc4py and h5py working; numba from PyPI matches it.
"$venv/bin/python" -m pip install -q --disable-pip-version-check "numpy<2" -e ".[test,plot]"
"$venv/bin/python" -c "import hpcsim.info as i; d = i.stack_info(); \
assert d['hdf5_parallel'], 'h5py is not the MPI build'; \
assert not str(d['petsc4py']).startswith('not found'), d['petsc4py']; \
print('setup: ok (numpy', d['numpy'], '| numba', d['numba'], '| PETSc', d['petsc'], '| HDF5', d['hdf5'], 'parallel)')"
