"""Small value types shared by every engine: labels, compile problems."""
