#!/bin/sh
# A cases file for this folder's runs on stdout: the three training steps (the first 29 lines
# of session 28's omp_spin_cases.py), then the extras file given, if any.
#   sh make_cases.sh [extras_pool.py | extras_spin.py | extras_spin2.py] > /tmp/cases.py
here=$(dirname "$0")
sed -n 1,29p "$here/../../cpu-page-aligned-2026-12-05/scripts/omp_spin_cases.py"
[ -n "$1" ] && cat "$here/$1"
exit 0
