#!/usr/bin/env bash
# What a session lent a GPU runs there, prepared here so that no device time goes on writing it.
# The device tool gives a session 15 minutes of device time in all (a machine's start, a minute
# or more, included) and at most 10 minutes a command, so the work comes in two phases, one
# command each, every step under a time limit of its own so that a slow step cannot eat the
# next one's time and what finished still comes back:
#
#   check    the environment (nvidia-smi, python -m microtorch), every kernel against the CPU
#            (benchmarks/cuda_smoke.py) and the whole test suite (8 pytest workers)  ~5 min
#   measure  benchmarks/run.py on the GPU beside PyTorch (kernels; matmul, training steps
#            and host overhead), then every kernel once under compute-sanitizer's memcheck
#            and racecheck (issue #7)                                                   ~6 min
#
# From the repository root, through the device tool's `run` (its $OUT comes back), with this
# checkout's commit written into the command (the copy there has no .git):
#   MICROTORCH_COMMIT=1a2b3c4 bash benchmarks/gpu_session.sh check
# Each phase leaves $OUT/<phase>.log (each step's exit status, time and last lines) and
# $OUT/<phase>.tar.gz (each step's whole output; the benchmark's JSON, tables and plots): the
# tool returns at most 8 files, so the outputs travel as one archive.
set -u
phase=${1:?usage: gpu_session.sh check|measure}
OUT=${OUT:-/tmp/gpu-session}
work=$OUT/$phase
mkdir -p "$work"
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
log=$OUT/$phase.log
python=${PYTHON:-python3}

step() {     # step NAME SECONDS COMMAND...: run it under a limit, output to $work/NAME.txt
    local name=$1 limit=$2 start rc
    shift 2
    start=$(date +%s)
    timeout --kill-after=10 "$limit" "$@" >"$work/$name.txt" 2>&1
    rc=$?
    {
        echo "== $name: exit $rc after $(($(date +%s) - start)) s (limit $limit s)"
        tail -n 8 "$work/$name.txt"
    } | tee -a "$log"
}

echo "commit ${MICROTORCH_COMMIT:-unknown}, $(date -u +%Y-%m-%dT%H:%MZ)" | tee "$log"
case $phase in
    check)
        step env 60 bash -c "nvidia-smi; $python -m microtorch"
        step smoke 120 "$python" benchmarks/cuda_smoke.py
        step tests 270 "$python" -m pytest -q -n 8 -p no:cacheprovider
        ;;
    measure)
        # run.py writes its results at the end: two runs, so that one running out of time
        # does not take the other's results with it. The kernels (64 primitives, 2^10 to
        # 2^26 elements; drawing the arguments takes about a minute on the host), then the
        # rest on both devices (the CPU/GPU crossover batch needs both).
        step bench-ops 200 "$python" benchmarks/run.py --device cuda --compare-torch \
            --sections ops --out "$work/bench-ops"
        step bench-rest 150 "$python" benchmarks/run.py --device all --compare-torch \
            --sections matmul,training,overhead --out "$work/bench-rest"
        step memcheck 90 compute-sanitizer --tool memcheck --error-exitcode 9 \
            "$python" benchmarks/cuda_smoke.py --no-bench
        step racecheck 90 compute-sanitizer --tool racecheck --error-exitcode 9 \
            "$python" benchmarks/cuda_smoke.py --no-bench
        ;;
    *)
        echo "unknown phase: $phase (check or measure)" >&2
        exit 2
        ;;
esac
tar czf "$OUT/$phase.tar.gz" -C "$OUT" "$phase"
