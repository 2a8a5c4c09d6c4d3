"""Drawing the pseudo-label diagnostics (matplotlib, headless)."""

import numpy as np


def plot_diagnostics(result: dict, title: str, path: str) -> np.ndarray:
    """Draw ``result`` (of
    :func:`~mmspml.evaluation.diagnostics.pseudo_label_diagnostics`) to a PNG:
    the histograms of p of hidden positives and negatives, the hidden-positive
    rate per bin, and GR's k(p) and v(p) when the result holds them.

    Args:
        result (dict): The diagnostics of one epoch.
        title (str): The picture's title.
        path (str): The PNG file to write.

    Returns:
        np.ndarray: The drawn picture, H x W x 3 RGB uint8.
    """
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    edges = np.asarray(result['bin_edges'])
    centers, width = (edges[:-1] + edges[1:]) / 2, np.diff(edges)
    fig, ax = plt.subplots(figsize=(8, 5.2), dpi=100)
    for key, color, label in (
        ('negatives', '#4c72b0', 'unannotated negatives'),
        ('hidden_positives', '#dd8452', 'hidden positives'),
    ):
        counts = np.asarray(result[key], dtype=float)
        ax.bar(
            centers,
            np.where(counts > 0, counts, np.nan),
            width,
            color=color,
            alpha=0.45,
            label=label,
        )
    ax.set_yscale('log')
    ax.set_xlabel('predicted p of an unannotated entry')
    ax.set_ylabel('entries per bin (log scale)')
    ax.set_xlim(0, 1)
    right = ax.twinx()
    rate = [np.nan if r is None else r for r in result['hidden_positive_rate']]
    right.plot(
        centers, rate, 'ko', ms=4, label='hidden-positive rate in the bin'
    )
    if 'k' in result:
        right.plot(result['curve_p'], result['k'], 'r-', label='GR k(p)')
        right.plot(result['curve_p'], result['v'], 'g--', label='GR v(p)')
    right.set_ylim(0, 1.02)
    right.set_ylabel('rate, k(p), v(p)')
    lines = ax.get_legend_handles_labels()
    more = right.get_legend_handles_labels()
    fig.legend(
        lines[0] + more[0],
        lines[1] + more[1],
        loc='lower center',
        fontsize=8,
        ncol=5,
        frameon=False,
    )
    items = [f'{k} = {v:.3f}' for k, v in result['scalars'].items()]
    ax.set_title(
        title + '\n' + ', '.join(items[:2]) + '\n' + ', '.join(items[2:]),
        fontsize=8,
    )
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    fig.savefig(path)
    fig.canvas.draw()
    image = np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()
    plt.close(fig)
    return image
