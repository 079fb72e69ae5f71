"""System tables for accounts, roles, tokens, settings and sign-in attempts.

Kept apart from `tessera_users` (runtime/system_tables.py) so that a database created before sign-in
existed gains them with a plain create_all. Columns added later are nullable, so that the additive
migration at start-up (runtime/migrate.py) adds them to an existing table.
"""
import sqlalchemy as sa

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def define_auth_tables(metadata: sa.MetaData) -> dict[str, sa.Table]:
    accounts = sa.Table(
        "tessera_accounts", metadata,
        sa.Column("user_id", ID, sa.ForeignKey("tessera_users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False, default=False),
        sa.Column("is_active", sa.Boolean(), nullable=False, default=True),
        sa.Column("password_changed_at", sa.DateTime(), nullable=False),
        sa.Column("language", sa.String(10)),    # "zh" / "en"; NULL follows the browser
    )
    user_roles = sa.Table(
        "tessera_user_roles", metadata,
        sa.Column("user_id", ID, sa.ForeignKey("tessera_users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("app", sa.String(40), primary_key=True),
        sa.Column("role", sa.String(100), primary_key=True),
    )
    tokens = sa.Table(
        "tessera_tokens", metadata,
        sa.Column("id", ID, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("app", sa.String(40), nullable=False),
        sa.Column("role", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime()),
        sa.Column("revoked_at", sa.DateTime()),
    )
    settings = sa.Table(
        "tessera_settings", metadata,
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    attempts = sa.Table(
        "tessera_login_failures", metadata,
        sa.Column("id", ID, primary_key=True),
        sa.Column("username", sa.String(100), nullable=False, index=True),
        sa.Column("ip", sa.String(64), nullable=False, index=True),
        sa.Column("at", sa.DateTime(), nullable=False, index=True),
    )
    return {"accounts": accounts, "user_roles": user_roles, "tokens": tokens, "settings": settings,
            "login_failures": attempts}
