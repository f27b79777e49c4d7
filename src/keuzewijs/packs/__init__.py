"""Knowledge packs: pydantic models of the data in `knowledge/<condition-id>/` and their loader."""
