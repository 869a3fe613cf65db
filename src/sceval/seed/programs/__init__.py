"""The six portfolio programs of the committed seed, one file each (`sceval.seed.portfolio`
lists them in order)."""
