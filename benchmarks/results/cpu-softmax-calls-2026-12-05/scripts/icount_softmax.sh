# The callgrind counts of icount.md: run from /work with the start of the session checked out
# at /work/s30/base (git worktree add /work/s30/base a7de9c9) and this tree at /work/main.
. /work/main/.venv/bin/activate
SETUP="import microtorch as torch
import microtorch.nn.functional as F
x = torch.randn(256, 64); xg = torch.randn(256, 64, requires_grad=True)
t = torch.randint(0, 64, (256,)); x1 = torch.randn(1, 8); x3 = torch.randn(4, 8, 16)"
for tree in /work/s30/base /work/main; do
    echo "== $tree"
    TREE=$tree python "$(dirname "$0")/icount.py" "$SETUP" "torch.log_softmax(x, -1)" \
        "torch.log_softmax(x1, -1)" "torch.softmax(x3, -1)" \
        "torch.softmax(xg, -1).sum().backward()"
done
