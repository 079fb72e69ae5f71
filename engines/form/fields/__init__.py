"""Field types: one module each; the registry is built from this package at start-up."""
from engines.form.fields.base import CompileContext, FieldError, FieldType
from engines.form.fields.registry import field_types

__all__ = ["CompileContext", "FieldError", "FieldType", "field_types"]
