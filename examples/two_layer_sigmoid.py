"""A two-layer net with a sigmoid between the layers, trained by hand-written SGD.

    python examples/two_layer_sigmoid.py --device auto --epochs 2000

y_hat = W2 sigmoid(W1 x + b1) + b2 fits y = sin(x) on [-3, 3]; without the sigmoid the two
layers would collapse into one linear map (the seed tutorial's point). The update uses
`no_grad` and in-place ops; gradients are cleared with `grad = None`.
"""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402


def main(argv=None):
    def extra(parser):
        parser.add_argument('--hidden', type=int, default=16)
        parser.add_argument('--lr', type=float, default=0.5)
    args = _common.parse_args(__doc__.splitlines()[0], epochs=2000, extra=extra, argv=argv)
    torch = _common.load_framework(args)
    device = _common.pick_device(torch, args.device)

    x = torch.linspace(-3, 3, 64, device=device).reshape(-1, 1)
    y = torch.sin(x)
    bound1, bound2 = 1.0, 1.0 / math.sqrt(args.hidden)
    w1 = (torch.rand(1, args.hidden, device=device) * 2 - 1) * bound1
    b1 = (torch.rand(args.hidden, device=device) * 2 - 1) * bound1
    w2 = (torch.rand(args.hidden, 1, device=device) * 2 - 1) * bound2
    b2 = torch.zeros(1, device=device)
    params = [w1, b1, w2, b2]
    for p in params:
        p.requires_grad_(True)

    def forward(inputs):
        hidden = torch.sigmoid(inputs @ w1 + b1)
        return hidden @ w2 + b2

    losses = []
    for epoch in _common.progress(args, args.epochs, 'two-layer'):
        loss = ((forward(x) - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= args.lr * p.grad
                p.grad = None
        losses.append(loss.item())

    print(f'device: {device}  hidden: {args.hidden}  loss: {losses[-1]:.6f}')
    with torch.no_grad():
        fit = forward(x).reshape(-1).tolist()
    _common.save_plot(_common.plot_path(args, __file__), x.reshape(-1).tolist(),
                      y.reshape(-1).tolist(), fit, losses, 'two-layer sigmoid net, y = sin(x)')
    print(f'final loss: {losses[-1]:.6g}')
    return losses[-1]


if __name__ == '__main__':
    main()
