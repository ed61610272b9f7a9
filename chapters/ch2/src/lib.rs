//! Chapter 2 keeps its fixtures here; its tests are in `tests/`.
