"""The simulation's one error: it cannot start (no such app or database, a definition for another app,
a new definition that would remove data). Nothing was run; the live database was not touched."""


class SimulationError(Exception):
    pass
