"""Evidence engine: absolute effects the GRADE way (and, in later modules, pooling of study data)."""
