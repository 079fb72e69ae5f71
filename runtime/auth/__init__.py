"""Users, sign-in, roles per app, API tokens, and the request guards that use them.

- tables.py: the system tables this package owns (defined on the platform's metadata)
- accounts.py: users, passwords, roles (create_user, set_password, grant, revoke, authenticate, roles_of)
- tokens.py: API tokens (stored as sha256, bound to an app and a role)
- settings.py: platform settings kept in the database (the shared SECRET_KEY)
- throttle.py: sign-in rate limit kept in the database (works across workers)
- web.py: sign-in pages, CSRF, security headers and the guard in front of every page and API call
- commands.py: `tessera users ...` and `tessera token ...`
"""
from runtime.auth.accounts import (AccountError, authenticate, create_user, ensure_admin, grant, revoke,
                                   roles_of, set_password)

__all__ = ["AccountError", "authenticate", "create_user", "ensure_admin", "grant", "revoke", "roles_of",
           "set_password"]
