"""Statistics (issue 16, DESIGN.md §8): service levels, volumes, reuse with an environmental
estimate and loan costs, computed from the order events (`figures` counts, `selectors` reads and
caches, `report` builds the tables, `charts` draws them as SVG, `exports` writes .xlsx/.csv)."""
