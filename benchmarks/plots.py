"""PNG plots of a benchmark run: kernel throughput against size, one panel per op family
and one figure per device, with the same-run copy bandwidth as the ceiling line."""
import os


def throughput_plots(results, folder):
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    written = []
    for device, data in results['devices'].items():
        rows = data.get('ops', [])
        if not rows:
            continue
        families = sorted({r['family'] for r in rows})
        fig, axes = plt.subplots(1, len(families), figsize=(5 * len(families), 4),
                                 squeeze=False)
        copy = data['copy']
        for ax, family in zip(axes[0], families):
            ax.plot([c['size'] for c in copy], [c['gbps'] for c in copy], 'k--',
                    label='copy')
            names = sorted({(r['op'], r['direction']) for r in rows if r['family'] == family})
            for op, direction in names:
                pts = [r for r in rows if (r['op'], r['direction']) == (op, direction)]
                ax.plot([p['size'] for p in pts], [p['gbps'] for p in pts], marker='.',
                        label=f'{op} {direction}')
            ax.set_xscale('log', base=2)
            ax.set_xlabel('elements (float32)')
            ax.set_ylabel('GB/s')
            ax.set_title(f'{device}: {family}')
            ax.legend(fontsize=6)
        fig.tight_layout()
        path = os.path.join(folder, f'throughput_{device}.png')
        fig.savefig(path, dpi=100)
        plt.close(fig)
        written.append(path)
    return written
