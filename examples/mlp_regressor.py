"""A nonlinear MLP regressor: nn.Sequential, Adam, DataLoader - the README's main job.

    python examples/mlp_regressor.py --device auto --epochs 20

Fits y = sin(3x) + 0.3 x^2 + noise on [-2, 2] with a 1-H-H-1 tanh MLP. At the default size
(H = 256, 16384 samples, batch 1024) each step is about 0.2 GFLOP, enough work that a GPU
beats the CPU; --hidden and --batch-size scale it.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402


def main(argv=None):
    def extra(parser):
        parser.add_argument('--hidden', type=int, default=256)
        parser.add_argument('--samples', type=int, default=16384)
        parser.add_argument('--batch-size', type=int, default=1024)
        parser.add_argument('--lr', type=float, default=3e-3)
    args = _common.parse_args(__doc__.splitlines()[0], epochs=20, extra=extra, argv=argv)
    torch = _common.load_framework(args)
    nn = torch.nn
    device = _common.pick_device(torch, args.device)

    x = torch.rand(args.samples, 1) * 4 - 2
    y = torch.sin(3 * x) + 0.3 * x ** 2 + 0.05 * torch.randn(args.samples, 1)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y),
                                         batch_size=args.batch_size, shuffle=True)
    model = nn.Sequential(
        nn.Linear(1, args.hidden), nn.Tanh(),
        nn.Linear(args.hidden, args.hidden), nn.Tanh(),
        nn.Linear(args.hidden, 1),
    ).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.MSELoss()
    print(model)

    losses = []
    for epoch in _common.progress(args, args.epochs, 'mlp'):
        total, count = 0.0, 0
        for batch_x, batch_y in loader:
            batch_x, batch_y = batch_x.to(device), batch_y.to(device)
            optimizer.zero_grad()
            loss = loss_fn(model(batch_x), batch_y)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch_x)
            count += len(batch_x)
        losses.append(total / count)

    model.eval()
    with torch.no_grad():
        xs = torch.linspace(-2, 2, 200).reshape(-1, 1)
        fit = model(xs.to(device)).cpu().reshape(-1).tolist()
        truth = (torch.sin(3 * xs) + 0.3 * xs ** 2).reshape(-1).tolist()
    print(f'device: {device}  epochs: {args.epochs}  mean loss of the last epoch: '
          f'{losses[-1]:.6f}')
    _common.save_plot(_common.plot_path(args, __file__), xs.reshape(-1).tolist(), truth, fit,
                      losses, 'MLP regressor, y = sin(3x) + 0.3 x^2')
    print(f'final loss: {losses[-1]:.6g}')
    return losses[-1]


if __name__ == '__main__':
    main()
