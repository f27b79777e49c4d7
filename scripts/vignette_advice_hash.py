"""One hash over the advice JSON of every vignette, in both languages, and of every vignette with
each answer left out in turn: equal before and after a refactor means the advice is
byte-identical. Usage: python scripts/vignette_advice_hash.py [KNOWLEDGE_DIR]"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from keuzewijs.engine import advise_pack
from keuzewijs.packs import get_library
from keuzewijs.validation.vignettes import load_vignettes

KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"


def advice_hash(knowledge: Path) -> tuple[int, str]:
    library = get_library(knowledge)
    digest = hashlib.sha256()
    count = 0
    for condition in sorted(library.packs):
        pack = library.pack(condition)
        for vignette in load_vignettes(library, condition):
            whole = dict(vignette.profile)
            profiles = [whole] + [{k: v for k, v in whole.items() if k != left} for left in whole]
            for profile in profiles:
                for lang in ("nl", "en"):
                    advice = advise_pack(library, pack, profile, lang)
                    digest.update(advice.model_dump_json().encode())
                    count += 1
    return count, digest.hexdigest()


if __name__ == "__main__":
    n, hexdigest = advice_hash(Path(sys.argv[1]) if len(sys.argv) > 1 else KNOWLEDGE)
    print(f"{n} advices, sha256 {hexdigest}")
