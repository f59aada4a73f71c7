"""Growth curves as small PNGs (docs/bench/*.png) when matplotlib is installed (the
``bench`` extra); without it the benchmarks print their figures and draw nothing."""

from __future__ import annotations

import importlib.util
from pathlib import Path

AIM = 0.8


def plot_curves(path: Path, title: str, xlabel: str,
                series: dict[str, dict[int, float]], *, aim: float = AIM) -> Path | None:
    """One line per series: its value at each size divided by its value at the smallest
    size, so a flat cost is a line at 1.0 (the aim is drawn dashed). Returns the file
    written, or None when matplotlib is not installed."""
    if importlib.util.find_spec("matplotlib") is None:
        print("(matplotlib is not installed: no plot; pip install -e '.[bench]')")
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 3.2), dpi=110)
    top = 1.3
    for label, values in series.items():
        sizes = sorted(values)
        base = values[sizes[0]]
        ratios = [values[s] / base for s in sizes]
        top = max(top, 1.1 * max(ratios))
        ax.plot(sizes, ratios, marker="o", label=f"{label} ({base:,.0f}/s at {sizes[0]:,})")
    ax.axhline(aim, color="grey", linestyle="--", linewidth=1, label=f"aim ≥ {aim:.1f}×")
    ax.set_xscale("log")
    ax.set_ylim(0, top)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("throughput / smallest size")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="lower left")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    print(f"plot: {path}")
    return path
