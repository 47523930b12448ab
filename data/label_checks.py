"""The figures data/README.md gives about our labels, from the label files alone.

    python -m qunguard.data.label_checks

- noise estimate: share of the blind re-labelled training rows (labels/noise_check) whose
  training label differs from the hand label, per training label; all rows and blind rows only;
- mapping agreement: per reviewed slice (labels/review_tg_harm, review_game_sms), the share of
  rows where the mapping agrees with the hand label, as the file recorded it when labelled
  (`mapped`, "before") and as data/mapping.py maps it now ("after"), over the rows it keeps.
"""
from __future__ import annotations

from collections import Counter, defaultdict

from qunguard.data.hand_labels import NOISE_CHECK_FILE, read_label_file
from qunguard.data.mapping import clean_text, map_row
from qunguard.data.sources import RawRow
from qunguard.model.labels import LABELS

REVIEW_FILES = ("review_tg_harm.jsonl.gz", "review_game_sms.jsonl.gz")


def noise_estimate(rows: list[dict]) -> dict[str, dict[str, tuple[int, int]]]:
    """training label -> {"all": (wrong, n), "blind": (wrong, n)}."""
    out: dict[str, dict[str, list[int]]] = {lab: {"all": [0, 0], "blind": [0, 0]} for lab in LABELS}
    for r in rows:
        wrong = int(r["label"] != r["data_label"])
        for part in ("all", "blind") if r["blind"] else ("all",):
            out[r["data_label"]][part][0] += wrong
            out[r["data_label"]][part][1] += 1
    return {lab: {part: (w, n) for part, (w, n) in parts.items()} for lab, parts in out.items()}


def mapping_agreement(rows: list[dict]) -> dict[tuple, dict[str, tuple[int, int]]]:
    """(source, raw label, slice) -> {"before": (agree, kept), "after": (agree, kept)}."""
    out: dict[tuple, dict[str, list[int]]] = defaultdict(lambda: {"before": [0, 0], "after": [0, 0]})
    for r in rows:
        key = (r["source"], r["raw_label"], r.get("slice"))
        raw = RawRow(r["text"], r["source"], r["raw_label"])
        now = map_row(raw, clean_text(raw))
        for when, mapped in (("before", r.get("mapped")), ("after", now[0] if now else None)):
            if mapped is not None:
                out[key][when][0] += int(mapped == r["label"])
                out[key][when][1] += 1
    return {k: {when: (a, n) for when, (a, n) in v.items()} for k, v in out.items()}


def _share(a: int, n: int) -> str:
    return f"{a}/{n} = {a / n:.1%}" if n else "–"


def main() -> None:
    print("noise estimate (training label differs from the blind hand label):")
    noise = read_label_file(NOISE_CHECK_FILE)
    for lab, parts in noise_estimate(noise).items():
        print(f"  {lab}: all {_share(*parts['all'])}, blind rows only {_share(*parts['blind'])}")
    wrong = Counter((r["data_label"], r["label"]) for r in noise if r["label"] != r["data_label"])
    print("  training label -> hand label:", ", ".join(f"{a} -> {b} x{n}" for (a, b), n in wrong.most_common()))
    rows = [r for name in REVIEW_FILES for r in read_label_file(name)]
    print("\nmapping agreement with the hand labels, before (as labelled) -> after (data/mapping.py now):")
    for (source, raw, slice_), v in sorted(mapping_agreement(rows).items(), key=str):
        where = f"{source} label {raw}" + (f", slice {slice_}" if slice_ else "")
        print(f"  {where}: {_share(*v['before'])} -> {_share(*v['after'])}")


if __name__ == "__main__":
    main()
