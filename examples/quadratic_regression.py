"""The seed tutorial's homework: fit y_hat = w1 * x**2 + w2 * x + b by SGD.

    python examples/quadratic_regression.py --device auto --epochs 100

The data lie on y = 2x, so the best quadratic drives w1 towards 0; each parameter has its own
learning rate, as in the homework.
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
    w1 = torch.tensor([1.0], device=device, requires_grad=True)
    w2 = torch.tensor([1.0], device=device, requires_grad=True)
    b = torch.tensor([1.0], device=device, requires_grad=True)

    def forward(x):
        return w1 * x ** 2 + w2 * x + b

    print(f'predict before training: 4 -> {forward(4.0).item():.4f}')
    losses = []
    for epoch in _common.progress(args, args.epochs, 'quadratic'):
        for x, y in zip(x_data, y_data):
            loss = (forward(x) - y) ** 2
            loss.backward()
            w1.data -= 0.02 * w1.grad.data
            w2.data -= 0.02 * w2.grad.data
            b.data -= 0.01 * b.grad.data
            w1.grad.zero_()
            w2.grad.zero_()
            b.grad.zero_()
        losses.append(loss.item())

    print(f'device: {device}  w1: {w1.item():.4f}  w2: {w2.item():.4f}  b: {b.item():.4f}')
    print(f'predict after training: 4 -> {forward(4.0).item():.4f}')
    with torch.no_grad():
        fit = [forward(x).item() for x in x_data]
    _common.save_plot(_common.plot_path(args, __file__), x_data, y_data, fit, losses,
                      'y = w1 x^2 + w2 x + b')
    print(f'final loss: {losses[-1]:.6g}')
    return losses[-1]


if __name__ == '__main__':
    main()
