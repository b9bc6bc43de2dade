"""Polynomial regression with nn.Linear and smooth_l1_loss, in PyTorch's classic style.

    python examples/polynomial_regression.py --device auto --epochs 200

A random degree-4 polynomial is the target; features are x, x^2, x^3, x^4 built with
unsqueeze and cat; the update is `param.data.add_(-lr * param.grad)` after `fc.zero_grad()`.
Written for PyTorch's API: only the import decides which framework runs it.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402

DEGREE = 4


def main(argv=None):
    def extra(parser):
        parser.add_argument('--batch-size', type=int, default=32)
        parser.add_argument('--lr', type=float, default=0.1)
    args = _common.parse_args(__doc__.splitlines()[0], epochs=200, extra=extra, argv=argv)
    torch = _common.load_framework(args)
    F = torch.nn.functional
    device = _common.pick_device(torch, args.device)

    w_target = (torch.randn(DEGREE, 1) * 5).to(device)
    b_target = (torch.randn(1) * 5).to(device)

    def make_features(x):
        """Rows [x, x^2, x^3, x^4] for a column of x."""
        x = x.unsqueeze(1)
        return torch.cat([x ** i for i in range(1, DEGREE + 1)], 1)

    def target(x):
        return x.mm(w_target) + b_target.item()

    def poly_desc(w, b):
        terms = ' '.join('{:+.2f} x^{}'.format(v, i + 1) for i, v in enumerate(w))
        return 'y = ' + terms + ' {:+.2f}'.format(b[0])

    def get_batch(batch_size):
        x = torch.randn(batch_size, device=device)
        features = make_features(x)
        return features, target(features)

    fc = torch.nn.Linear(w_target.size(0), 1).to(device)
    losses = []
    for epoch in _common.progress(args, args.epochs, 'polynomial'):
        batch_x, batch_y = get_batch(args.batch_size)
        fc.zero_grad()
        output = F.smooth_l1_loss(fc(batch_x), batch_y)
        output.backward()
        for param in fc.parameters():
            param.data.add_(-args.lr * param.grad)
        losses.append(output.item())

    print('Learned function:\t' + poly_desc(fc.weight.view(-1), fc.bias))
    print('Actual function:\t' + poly_desc(w_target.view(-1), b_target))
    with torch.no_grad():
        xs = torch.linspace(-2, 2, 100, device=device)
        fit = fc(make_features(xs)).reshape(-1).tolist()
        truth = target(make_features(xs)).reshape(-1).tolist()
    _common.save_plot(_common.plot_path(args, __file__), xs.tolist(), truth, fit, losses,
                      'polynomial regression')
    print(f'final loss: {losses[-1]:.6g}')
    return losses[-1]


if __name__ == '__main__':
    main()
