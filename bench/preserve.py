"""PDF → PDF/A-2b conversion speed on demo PDFs (fonts embedded, validated, text compared).

Prints a table and writes bench/results/preserve.json. The first conversion of a process prepares the
base CJK font (once); the median is over the conversions after it. CPU seconds are printed beside wall
seconds because the machine is shared.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, print_table, write_json

from dangan.demo import generate_cases, write_case
from dangan.digitize import convert_to_pdfa


def main(count: int = 12) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        pdfs = [
            p for case in generate_cases(count // 3 + 1, seed=7) for p in write_case(case, root).glob("*.pdf")
        ]
        pdfs = pdfs[:count]
        walls, cpus, ratios = [], [], []
        for i, pdf in enumerate(pdfs):
            out = root / f"out-{i}.pdf"
            w0, c0 = time.perf_counter(), time.process_time()
            convert_to_pdfa(pdf, out)
            walls.append(time.perf_counter() - w0)
            cpus.append(time.process_time() - c0)
            ratios.append(out.stat().st_size / pdf.stat().st_size)
    rows = [
        {"what": "first file (prepares the base font)", "wall_s": f"{walls[0]:.2f}", "cpu_s": f"{cpus[0]:.2f}"},
        {"what": f"median of the next {len(walls) - 1}", "wall_s": f"{statistics.median(walls[1:]):.2f}",
         "cpu_s": f"{statistics.median(cpus[1:]):.2f}"},
        {"what": "size of the copy / original (median)", "wall_s": f"{statistics.median(ratios):.1f}x", "cpu_s": ""},
    ]  # fmt: skip
    print_table("PDF → PDF/A-2b (demo PDFs)", rows, ["what", "wall_s", "cpu_s"])
    path = write_json("preserve", {"machine": machine(), "files": len(walls), "wall_s": walls, "cpu_s": cpus,
                                   "size_ratio": ratios, "rows": rows})  # fmt: skip
    print(f"\n{path}")


if __name__ == "__main__":
    main()
