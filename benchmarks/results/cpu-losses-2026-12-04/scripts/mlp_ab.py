"""A/B of the small MLP step (1-64-64-1 sigmoid, batch 256, SGD): fresh processes of two trees
taking turns, median step time each; python mlp_ab.py TREE_A TREE_B ROUNDS

The harness now lives in ../../cpu-serial-twins-2026-12-05/scripts/step_ab.py ('mlp'); this
session's runs used its first form, 100 steps a timing where step_ab.py takes 50."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]
                       / 'cpu-serial-twins-2026-12-05' / 'scripts'))
import step_ab  # noqa: E402

step_ab.main(sys.argv[1:4] + ['mlp'])
