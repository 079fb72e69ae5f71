"""The fixed words of the generated pages, as gettext messages.

Templates call `t("key")` (injected by the pages blueprint), Python calls `translate(key, lang)`. A key
names its English text, which is the msgid of the gettext catalog; the Chinese is in
engines/form/translations/zh/LC_MESSAGES/messages.po. `{name}` placeholders are filled from keyword
arguments after translation: `t("total", n=12)`. docs/languages.md says how to add or change a text.
"""
from __future__ import annotations

from types import MappingProxyType

from engines.form.i18n import catalog


def N_(text: str) -> str:
    """Marks a text for `pybabel extract -k N_`; translated when shown, not here."""
    return text


# To add a text: `"key": N_("English text"),` here (English only: the Chinese goes in the catalog), then
# `make translations`, write the msgstr in translations/zh/LC_MESSAGES/messages.po, `make translations`
# again. tests/test_languages.py fails until the Chinese is there and compiled.
TEXT = MappingProxyType({
    "brand": N_("Tessera"),
    "history": N_("History"),
    "audit_log": N_("Audit log"),
    "audit_empty": N_("No entries match."),
    "when": N_("When"),
    "who": N_("Who"),
    "source": N_("Source"),
    "action": N_("Action"),
    "changes": N_("Changes"),
    "record": N_("Record"),
    "older": N_("Older"),
    "action_create": N_("created"),
    "action_update": N_("updated"),
    "action_delete": N_("deleted"),
    "home": N_("Home"),
    "apps": N_("Apps"),
    "no_apps": N_("No apps are installed yet."),
    "tables": N_("Tables"),
    "records_n": N_("{n} records"),
    "open": N_("Open"),
    "new": N_("New"),
    "new_record": N_("{table}: new record"),
    "edit": N_("Edit"),
    "edit_record": N_("{table}: edit"),
    "delete": N_("Delete"),
    "save": N_("Save"),
    "cancel": N_("Cancel"),
    "back": N_("Back"),
    "search": N_("Search"),
    "search_placeholder": N_("Search…"),
    "filter": N_("Filter"),
    "apply": N_("Apply"),
    "clear": N_("Clear"),
    "any": N_("Any"),
    "yes": N_("Yes"),
    "no": N_("No"),
    "from": N_("From"),
    "to": N_("To"),
    "total": N_("{n} in total"),
    "prev": N_("Previous"),
    "next": N_("Next"),
    "empty_list": N_("No records found."),
    "view": N_("View"),
    "view_all": N_("View all {n}"),
    "related_empty": N_("No linked records."),
    "created_at": N_("Created"),
    "updated_at": N_("Updated"),
    "created_by": N_("Created by"),
    "updated_by": N_("Updated by"),
    "id": N_("ID"),
    "required": N_("required"),
    "choose": N_("Choose…"),
    "record_id_hint": N_("Enter the record's id"),
    "current": N_("Current: {title}"),
    "remove_file": N_("Remove this file"),
    "download": N_("Download"),
    "form_errors": N_("Please correct the marked fields and save again."),
    "query_errors": N_("The query is not valid:"),
    "created": N_("Created: {title}"),
    "updated": N_("Saved: {title}"),
    "deleted": N_("Deleted: {title}"),
    "confirm_delete": N_("Delete “{title}”?"),
    "delete_warning": N_("This cannot be undone."),
    "not_found": N_("Page not found"),
    "not_found_text": N_("The app, table or record you are looking for does not exist or was deleted."),
    "error": N_("Something went wrong"),
    "language": N_("Language"),
    "sort_by": N_("Sort by this column"),
    "sign_in": N_("Sign in"),
    "sign_out": N_("Sign out"),
    "username": N_("Username"),
    "password": N_("Password"),
    "signed_in_as": N_("Signed in as {name}"),
    "login_failed": N_("Wrong username or password."),
    "login_throttled": N_("Too many failed sign-ins. Please try again in 15 minutes."),
    "forbidden_text": N_("You have no access to this app. Ask an administrator to grant you a role."),
    "form_expired": N_("The form has expired"),
    "form_expired_text":
        N_("The page was open too long or your session changed. Go back, reload the page and submit again."),
    "csrf_api": N_("A write authenticated by the session cookie must carry the X-CSRFToken header."),
    "api_sign_in": N_("Sign in, or send Authorization: Bearer <token>."),
    "token_invalid": N_("The token is not valid or was revoked."),
    "my_account": N_("My account"),
    "language_follow_browser": N_("Follow the browser"),
    "language_saved": N_("Language saved."),
    "change_password": N_("Change password"),
    "current_password": N_("Current password"),
    "new_password": N_("New password"),
    "new_password_again": N_("New password again"),
    "password_changed": N_("Password changed."),
    "password_wrong": N_("The current password is not correct."),
    "password_mismatch": N_("The two new passwords do not match."),
    "password_too_short": N_("The new password must be at least {n} characters long."),
    "users_admin": N_("Users"),
    "tokens_admin": N_("API tokens"),
    "roles": N_("Roles"),
    "status": N_("Status"),
    "administrator": N_("Administrator"),
    "revoke": N_("Revoke"),
    "grant": N_("Grant"),
    "active": N_("Active"),
    "disabled": N_("Disabled"),
    "disable": N_("Disable"),
    "enable": N_("Enable"),
    "set_password": N_("Set password"),
    "add_user": N_("Add user"),
    "display_name": N_("Display name"),
    "token_created": N_("Token “{name}” created"),
    "token_shown_once": N_("Copy it now: it is shown only this once."),
    "name": N_("Name"),
    "last_used": N_("Last used"),
    "revoked": N_("Revoked"),
    "new_token": N_("New token"),
    "cannot_disable_self": N_("You cannot disable your own account."),
    "user_added": N_("User {username} added."),
    "role_revoked": N_("Role {role} revoked from {username}."),
    "role_granted": N_("Role {role} granted to {username}."),
    "user_enabled": N_("{username} can sign in again."),
    "user_disabled": N_("{username} can no longer sign in."),
    "password_set": N_("Password of {username} set."),
    "token_revoked": N_("Token {name} revoked."),
    "password_again": N_("Password again"),
    "not_allowed": N_("Not allowed"),
    "rule_runs": N_("Rule runs"),
    "rule": N_("Rule"),
    "messages": N_("Messages"),
    "messages_empty": N_("No messages match."),
    "channel": N_("Channel"),
    "recipient": N_("Recipient"),
    "message_text": N_("Text"),
    "attempts": N_("Attempts"),
    "last_error": N_("Last error"),
    "next_attempt": N_("Next attempt"),
    "retry_now": N_("Retry now"),
    "message_retried": N_("Message {id} will be sent again now."),
    "message_not_retried": N_("Message {id} was neither failed nor given up: nothing to retry."),
    "status_pending": N_("waiting"),
    "status_sending": N_("sending"),
    "status_sent": N_("sent"),
    "status_failed": N_("failed, will retry"),
    "status_dead": N_("given up"),
})


def translate(key: str, lang: str, **values) -> str:
    """The text of `key` in `lang` (Chinese unless "en"); an unknown key comes back as itself."""
    source = TEXT.get(key)
    if source is None:
        return key
    text = catalog(lang).gettext(source)
    return text.format(**values) if values else text


def translator(lang: str):
    """A `t(key, **values)` bound to one language, for templates."""
    def t(key: str, **values) -> str:
        return translate(key, lang, **values)
    return t
