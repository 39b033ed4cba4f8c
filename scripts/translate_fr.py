"""Set French translations for given msgids (clears fuzzy flags), then compile.

Usage: scripts/translate_fr.py < pairs.tsv   (msgid<TAB>msgstr per line; plural: msgid|plural)
"""

import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parent.parent / "locale/fr/LC_MESSAGES/django.po"


def main() -> None:
    catalogue = polib.pofile(str(PO))
    wanted = dict(line.rstrip("\n").split("\t", 1) for line in sys.stdin if "\t" in line)
    for entry in catalogue:
        if entry.msgid in wanted:
            entry.msgstr = wanted.pop(entry.msgid)
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            entry.previous_msgid = None
            entry.previous_msgid_plural = None  # alone, it makes a file msgmerge refuses
    catalogue.save()
    if wanted:
        sys.exit(f"not in the catalogue: {sorted(wanted)}")


if __name__ == "__main__":
    main()
