"""What every example shares: its command line, the device choice, a progress bar, the plot.

Each example is a plain script written against PyTorch's API; `import microtorch as torch`
is its only tie to microtorch (pass --framework torch to run the same code on PyTorch).
"""
import argparse
import importlib
import os


def parse_args(description, epochs, extra=None, argv=None):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('--device', default='auto', choices=['auto', 'cpu', 'cuda'],
                        help='auto: the GPU when there is one, else the CPU')
    parser.add_argument('--epochs', type=int, default=epochs)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--plot', default=None,
                        help='PNG file for the fit and the loss curve (default: next to the '
                             'script, named after it; "none" to skip)')
    parser.add_argument('--framework', default='microtorch', choices=['microtorch', 'torch'],
                        help='run the same code on PyTorch, to compare')
    parser.add_argument('--no-progress', action='store_true', help='hide the progress bar')
    if extra:
        extra(parser)
    return parser.parse_args(argv)


def load_framework(args):
    torch = importlib.import_module(args.framework)
    torch.manual_seed(args.seed)
    return torch


def pick_device(torch, name):
    if name == 'auto':
        return 'cuda' if torch.cuda.is_available() else 'cpu'
    if name == 'cuda' and not torch.cuda.is_available():
        reason = getattr(torch.cuda, 'unavailable_reason', lambda: 'no GPU')()
        raise SystemExit(f'--device cuda: CUDA is not available here ({reason})')
    return name


def progress(args, total, desc):
    """A tqdm progress bar over `total` epochs (a plain range when tqdm is missing)."""
    if args.no_progress:
        return range(total)
    try:
        from tqdm import tqdm
    except ImportError:
        return range(total)
    return tqdm(range(total), desc=desc, leave=False)


def plot_path(args, script):
    if args.plot == 'none':
        return None
    if args.plot:
        return args.plot
    return os.path.splitext(os.path.abspath(script))[0] + '.png'


def save_plot(path, x, y_true, y_pred, losses, title):
    """Two panels: the data with the model's fit, and the loss per epoch (log scale)."""
    if path is None:
        return
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        print('matplotlib is not installed: no plot written')
        return
    fig, (fit, curve) = plt.subplots(1, 2, figsize=(10, 4))
    fit.scatter(x, y_true, s=8, alpha=0.5, label='data')
    order = sorted(range(len(x)), key=lambda i: x[i])
    fit.plot([x[i] for i in order], [y_pred[i] for i in order], color='C1', label='model')
    fit.set_title(title)
    fit.legend()
    curve.plot(range(1, len(losses) + 1), losses)
    curve.set_yscale('log')
    curve.set_xlabel('epoch')
    curve.set_ylabel('loss')
    curve.set_title('training loss')
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f'plot: {path}')
