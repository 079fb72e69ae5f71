"""Platform system tables (`tessera_*`) that belong to no engine."""
import sqlalchemy as sa


def define_system_tables(metadata: sa.MetaData) -> dict[str, sa.Table]:
    apps = sa.Table(
        "tessera_apps", metadata,
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("definition_hash", sa.String(64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("installed_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    users = sa.Table(
        "tessera_users", metadata,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("username", sa.String(100), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200)),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    return {"apps": apps, "users": users}
