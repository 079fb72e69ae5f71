"""The designer pages' fixed words, as gettext messages of the platform's catalog (docs/languages.md).

The pages' scripts get them as one JSON object, translated for the request's language, so no text
is written in JavaScript."""
from __future__ import annotations

from types import MappingProxyType

from engines.form.i18n import catalog
from engines.form.ui_text import N_

TEXT = MappingProxyType({
    "heading": N_("Form designer"),
    "yaml_heading": N_("YAML editor"),
    "choose_app": N_("Choose the app to design."),
    "open_designer": N_("Design the forms"),
    "open_yaml": N_("Edit the YAML"),
    "palette": N_("Field types"),
    "palette_help": N_("Drag a field type onto the form, or click it to add it at the end."),
    "canvas": N_("Form"),
    "canvas_empty": N_("Drop field types here."),
    "properties": N_("Properties"),
    "nothing_selected": N_("Select a field to edit it."),
    "preview": N_("Preview"),
    "tables": N_("Tables"),
    "add_table": N_("Add a table"),
    "new_table_name": N_("Name of the new table (a-z, 0-9, _)"),
    "remove_table": N_("Remove this table"),
    "remove_field": N_("Remove field"),
    "move_up": N_("Move up"),
    "move_down": N_("Move down"),
    "bad_name": N_("Use a-z, 0-9 and _, starting with a letter."),
    "name_taken": N_("That name is taken."),
    "field_name": N_("Field name"),
    "field_type": N_("Type"),
    "label_zh": N_("Label (Chinese)"),
    "label_en": N_("Label (English)"),
    "help_zh": N_("Help text (Chinese)"),
    "help_en": N_("Help text (English)"),
    "required": N_("Required"),
    "unique": N_("Unique"),
    "default": N_("Default value"),
    "options": N_("Options, one per line: key | 中文 | English"),
    "min": N_("Minimum"),
    "max": N_("Maximum"),
    "pattern": N_("Pattern"),
    "link_target": N_("Linked table"),
    "save": N_("Save"),
    "saving": N_("Checking and saving…"),
    "saved": N_("Saved: the app now runs the new definition."),
    "unchanged": N_("Nothing changed."),
    "has_errors": N_("Not saved: fix the errors shown at their fields."),
    "plan": N_("Database changes"),
    "confirm_removal": N_("This removes data. Confirm to save anyway."),
    "confirm_save": N_("Remove and save"),
    "conflict": N_("Not saved: someone else changed the file since you opened it. Their changes:"),
    "reload_page": N_("Open the current version"),
    "open_form": N_("Open the generated form"),
    "file_errors": N_("Errors elsewhere in the definition"),
    "cannot_edit": N_("The designer cannot edit this file:"),
    "checking": N_("Checking…"),
    "valid": N_("The definition is valid."),
    "line": N_("line {n}"),
    "failed": N_("The server did not answer; nothing was saved."),
    "simulate_heading": N_("Before saving: what would these rules have done?"),
    "simulate_help": N_("Replays the period's recorded events through the text above, saved or not, on a copy "
                        "of the database, and shows the report in a new tab. Nothing is saved, changed or sent."),
    "simulate_from": N_("From"),
    "simulate_to": N_("To"),
    "simulate": N_("Simulate on past events"),
})


def texts(lang: str) -> dict[str, str]:
    found = catalog(lang)
    return {key: found.gettext(source) for key, source in TEXT.items()}
