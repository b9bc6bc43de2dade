"""Linear regression y = w * x by SGD, as in the seed tutorial, on the GPU when there is one.

    python examples/linear_regression.py --device auto --epochs 100 --seed 0

Prints the loss every 10 epochs and `final loss: <value>` last.
"""
import argparse

import microtorch as torch


def pick_device(name):
    if name == 'auto':
        return 'cuda' if torch.cuda.is_available() else 'cpu'
    return name


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='auto', choices=['auto', 'cpu', 'cuda'])
    parser.add_argument('--epochs', type=int, default=100)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--lr', type=float, default=0.05)
    args = parser.parse_args(argv)
    device = pick_device(args.device)
    torch.manual_seed(args.seed)

    x_data = torch.tensor([1.0, 2.0, 3.0], device=device)
    y_data = torch.tensor([2.0, 4.0, 6.0], device=device)
    w = torch.randn(1, device=device, requires_grad=True)
    print(f'device: {device}, initial w: {w.item():.4f}')

    for epoch in range(args.epochs):
        for x, y in zip(x_data, y_data):
            loss = (x * w - y) ** 2
            loss.backward()
            with torch.no_grad():          # the update must not be recorded on the tape
                w -= args.lr * w.grad
            w.grad.zero_()
        if epoch % 10 == 0 or epoch == args.epochs - 1:
            print(f'epoch {epoch:4d}  loss {loss.item():.6f}  w {w.item():.6f}')
    print(f'final loss: {loss.item():.6g}')
    return loss.item()


if __name__ == '__main__':
    main()
