"""Alembic environment. The URL comes from the Config (see shared_models.migrate), never from
an ini file, so `mvgate db upgrade` and the tests migrate whatever DATABASE_URL says."""

from __future__ import annotations

from alembic import context

from shared_models.database import create_sync_engine
from shared_models.models import Base

config = context.config
database_url: str = config.attributes["database_url"]


def run_migrations() -> None:
    engine = create_sync_engine(database_url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
