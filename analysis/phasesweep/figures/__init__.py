"""Figures: figure1 (a trace), figure2 (the four panels of a sweep), cut (a metric along one
axis with replica bands). Each module has plot(...) -> matplotlib Figure and main(argv)."""
