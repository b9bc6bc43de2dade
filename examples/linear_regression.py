"""Linear regression y = w * x, one sample at a time, as the seed tutorial teaches it.

    python examples/linear_regression.py --device auto --epochs 100

The update goes through `.data` so that it is not recorded on the tape, and the gradient is
zeroed after each step because backward() accumulates.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402


def main(argv=None):
    args = _common.parse_args(__doc__.splitlines()[0], epochs=100, argv=argv)
    torch = _common.load_framework(args)
    device = _common.pick_device(torch, args.device)

    x_data = [1.0, 2.0, 3.0]
    y_data = [2.0, 4.0, 6.0]
    w = torch.tensor([1.0], device=device, requires_grad=True)

    def forward(x):
        return x * w

    losses = []
    for epoch in _common.progress(args, args.epochs, 'linear'):
        for x, y in zip(x_data, y_data):
            loss = (forward(x) - y) ** 2
            loss.backward()
            w.data = w.data - 0.01 * w.grad.data
            w.grad.data.zero_()
        losses.append(loss.item())

    print(f'device: {device}  w: {w.item():.6f}  predict(4): {forward(4.0).item():.6f}')
    with torch.no_grad():
        fit = [forward(x).item() for x in x_data]
    _common.save_plot(_common.plot_path(args, __file__), x_data, y_data, fit, losses,
                      'y = w * x')
    print(f'final loss: {losses[-1]:.6g}')
    return losses[-1]


if __name__ == '__main__':
    main()
