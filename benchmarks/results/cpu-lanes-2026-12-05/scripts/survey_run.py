"""python survey_run.py [CASES] [ROUNDS]: survey.py for PyTorch and microtorch in fresh
processes taking turns; per case the medians over rounds, as microtorch / PyTorch."""
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run(lib, chosen):
    out = subprocess.run([sys.executable, os.path.join(HERE, 'survey.py'), lib] + chosen,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    chosen = [sys.argv[1]] if len(sys.argv) > 1 and sys.argv[1] else []
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    got = {'torch': [], 'microtorch': []}
    for r in range(rounds):
        for lib in (('torch', 'microtorch') if r % 2 == 0 else ('microtorch', 'torch')):
            got[lib].append(run(lib, chosen))
    print('| case | forward mt / torch | f+b mt / torch | mt us (f, f+b) | torch us (f, f+b) |')
    print('|---|---|---|---|---|')
    for name in got['torch'][0]:
        mine = [statistics.median(r[name][k] for r in got['microtorch']) for k in (0, 1)]
        theirs = [statistics.median(r[name][k] for r in got['torch']) for k in (0, 1)]
        print(f'| {name} | {mine[0] / theirs[0]:.2f} | {mine[1] / theirs[1]:.2f} | '
              f'{mine[0]:.0f}, {mine[1]:.0f} | {theirs[0]:.0f}, {theirs[1]:.0f} |')


main()
