"""One tree under several environments, fresh processes taking turns (the order reversed
every other round): benchmarks/tree_ab.py's child program and cases, a variant per argument.

    python omp_spin_ab.py TREE ROUNDS CASES_FILE none GOMP_SPINCOUNT=3000 ...

`none` runs with the environment as it is; a variant may set several variables, separated
by commas (`A=1,B=2`: session 31's runs). Prints a markdown table: the median of each
variant's rounds, and the median of the rounds' ratios to the first variant.
"""
import json
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..'))
import tree_ab  # noqa: E402

tree, rounds, cases = sys.argv[1], int(sys.argv[2]), open(sys.argv[3]).read()
variants = [[tuple(kv.split('=', 1)) for kv in v.split(',')] if '=' in v else []
            for v in sys.argv[4:]]
names = [','.join(f'{name}={value}' for name, value in v) or 'as is' for v in variants]
child = tree_ab.PREAMBLE + cases + tree_ab.EPILOGUE
times = {}
for r in range(rounds):
    for assignments, label in (list(zip(variants, names)) if r % 2 == 0 else
                               list(zip(variants, names))[::-1]):
        env = dict(os.environ, **dict(assignments))
        done = subprocess.run([sys.executable, '-c', child, tree], env=env,
                              capture_output=True, text=True, check=True, cwd='/')
        for case, us in json.loads(done.stdout.strip().splitlines()[-1]).items():
            times.setdefault(case, {}).setdefault(label, []).append(us)
print('| case | ' + ' | '.join(names) + ' |')
print('|---|' + '---|' * len(names))
for case, by in times.items():
    first = by[names[0]]
    cells = [f'{statistics.median(first):.1f}'] + [
        f'{statistics.median(by[n]):.1f} '
        f'({statistics.median([x / y for x, y in zip(by[n], first)]):.2f})' for n in names[1:]]
    print(f'| {case} | ' + ' | '.join(cells) + ' |')
