"""Write the real-subset inputs of the migest golden files (run before ``make_golden.R``).

    python tests/flows/golden/export_inputs.py [STORE] OUTDIR

STORE defaults to LABOURLINK_STORE / data/labourlink.duckdb. Writes, per subset of
``tests/flows/subsets.py``, ``<name>__stock_start.csv``, ``<name>__stock_end.csv`` and
``<name>__vital.csv`` (persons, full precision) into OUTDIR. These inputs are cut from the
official files and are not committed; the golden outputs made from them are.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from subsets import SUBSETS, build_subset  # noqa: E402

from labourlink.store import connect  # noqa: E402


def main(argv: list[str]) -> None:
    store = Path(argv[0]) if len(argv) > 1 else None
    out = Path(argv[-1])
    out.mkdir(parents=True, exist_ok=True)
    con = connect(store)
    try:
        for name in SUBSETS:
            for part, frame in build_subset(con, name).frames().items():
                frame.to_csv(out / f"{name}__{part}.csv", float_format="%.17g")
    finally:
        con.close()
    print(f"wrote {3 * len(SUBSETS)} files to {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
