"""Write the public JSON contracts (Advice) to docs/contracts/. Run after changing
engine/contract.py;
tests/engine/test_contract_file.py fails while the committed file is out of date."""

from __future__ import annotations

import json
from pathlib import Path

from keuzewijs.engine.contract import Advice

OUT = Path(__file__).resolve().parents[1] / "docs" / "contracts" / "advice.schema.json"


def advice_schema_text() -> str:
    return json.dumps(Advice.model_json_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    OUT.write_text(advice_schema_text(), encoding="utf-8")
    print(f"wrote {OUT}")
