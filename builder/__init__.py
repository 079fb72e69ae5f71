"""The compiler driver: YAML with marks -> JSON Schema -> engine compile steps -> frozen App."""
from builder.compile import BuildFailed, compile_app, compile_files
from builder.errors import BuildError

__all__ = ["BuildError", "BuildFailed", "compile_app", "compile_files"]
