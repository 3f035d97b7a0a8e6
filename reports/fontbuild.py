"""Build the shipped CJK font subset (思源黑体 / Noto Sans CJK SC, SIL OFL 1.1).

The repertoire is every character of GBK (all valid GBK double-byte codes decoded), plus ASCII,
Latin-1, CJK punctuation and full-width forms, so rare characters in names (堃, 玥, 䶮 is not in GBK
but 喆, 赟, 昇 are) print on a machine with no Chinese font installed. Hinting, the vertical tables
and unused OpenType layout are dropped to keep the file small and quick to load.

Run ``python manage.py build_report_font`` to regenerate ``static/fonts/``.
"""

from __future__ import annotations

from pathlib import Path

SOURCES = {
    "Regular": "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "Bold": "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
}
SC_INDEX = 2  # Noto Sans CJK SC inside the collection
FAMILY = "PB Noto Sans SC"


def gbk_repertoire() -> set[str]:
    """Every character GBK can encode: decode each valid double-byte code."""
    chars: set[str] = set()
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            if trail == 0x7F:
                continue
            try:
                ch = bytes((lead, trail)).decode("gbk")
            except UnicodeDecodeError:
                continue
            if len(ch) == 1:
                chars.add(ch)
    return chars


def repertoire() -> set[int]:
    cps = {ord(c) for c in gbk_repertoire()}
    cps.update(range(0x20, 0x7F))  # ASCII
    cps.update(range(0xA0, 0x100))  # Latin-1
    cps.update(range(0x2000, 0x2070))  # general punctuation (— … ‘’ “”)
    cps.update(range(0x2460, 0x24FF))  # ①②③
    cps.update(range(0x25A0, 0x2600))  # ■□▲△●○★☆
    cps.update(range(0x2600, 0x2610))
    cps.update(range(0x3000, 0x3040))  # CJK symbols and punctuation
    cps.update(range(0xFF00, 0xFFF0))  # full-width forms
    cps.update({0x00B7, 0x2022, 0x2116, 0x2103, 0x2190, 0x2191, 0x2192, 0x2193, 0x2713, 0x2714})
    return cps


def build(out_dir: Path, *, flavor: str | None = None) -> list[Path]:
    import logging

    from fontTools import subset

    logging.getLogger("fontTools").setLevel(logging.WARNING)
    from fontTools.ttLib import TTFont

    unicodes = sorted(repertoire())
    written = []
    for style, src in SOURCES.items():
        font = TTFont(src, fontNumber=SC_INDEX, lazy=False)
        opts = subset.Options()
        # Chinese body text needs no substitutions; closing over locl/fwid would double the glyphs.
        opts.layout_features = []
        opts.hinting = False
        opts.desubroutinize = False
        opts.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
        opts.notdef_outline = True
        opts.drop_tables += ["VORG", "vhea", "vmtx", "BASE", "DSIG"]
        opts.flavor = flavor
        sub = subset.Subsetter(options=opts)
        sub.populate(unicodes=unicodes)
        sub.subset(font)
        # Our own family name, so fontconfig never confuses it with a system Noto.
        name = font["name"]
        for rec in list(name.names):
            if rec.nameID in (1, 16):
                rec.string = FAMILY
            elif rec.nameID == 4:
                rec.string = f"{FAMILY} {style}"
            elif rec.nameID == 6:
                rec.string = f"PBNotoSansSC-{style}"
        ext = "otf" if flavor is None else flavor
        path = out_dir / f"PBNotoSansSC-{style}.{ext}"
        font.save(path)
        written.append(path)
    return written
