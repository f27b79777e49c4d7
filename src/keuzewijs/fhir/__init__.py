"""FHIRPath from rule conditions; pack and decision export in R4 or R4B."""
