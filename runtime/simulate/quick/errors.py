"""Deopt: the quick replay cannot finish this event exactly as the record service would; the event
goes to the record service instead (engines/form/records.py), after what came before is flushed."""


class Deopt(Exception):
    """Not an ExpressionError, RecordError nor any error the engine catches: it reaches the replay."""
