"""one live download per video, enforced by the database

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 09:00:00

`downloads.live_video_id` is a generated column: the video id while the download is
`queued` or `downloading`, NULL otherwise. A unique index on it lets each video hold at most
one live download, whichever app (or worker) writes the rows. A partial unique index would
say the same, but MariaDB has none; NULLs never collide, so finished rows are free.

Databases that already hold several live downloads of one video keep the oldest one live
and mark the others failed (the index could not be built otherwise).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE_VIDEO_ID = "CASE WHEN status IN ('queued', 'downloading') THEN video_id END"
DUPLICATE_REASON = "Another download of this video was already queued"


def fail_duplicate_live_downloads() -> None:
    downloads = sa.table(
        "downloads",
        sa.column("id", sa.Integer),
        sa.column("video_id", sa.Integer),
        sa.column("status", sa.String),
        sa.column("error_message", sa.Text),
        sa.column("completed_at", sa.DateTime),
    )
    live = downloads.c.status.in_(("queued", "downloading"))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(downloads.c.id, downloads.c.video_id).where(live).order_by(downloads.c.id)
    ).all()
    seen: set[int] = set()
    duplicates = []
    for download_id, video_id in rows:
        if video_id in seen:
            duplicates.append(download_id)
        seen.add(video_id)
    if duplicates:
        connection.execute(
            downloads.update()
            .where(downloads.c.id.in_(duplicates))
            .values(
                status="failed",
                error_message=DUPLICATE_REASON,
                completed_at=sa.func.current_timestamp(),
            )
        )


def upgrade() -> None:
    fail_duplicate_live_downloads()
    # A plain ADD COLUMN on both databases (SQLite accepts a VIRTUAL generated column there;
    # a batch "copy the table" would try to copy into it).
    op.add_column(
        "downloads",
        sa.Column("live_video_id", sa.Integer(), sa.Computed(LIVE_VIDEO_ID, persisted=False)),
    )
    op.create_index("uq_downloads_live_video_id", "downloads", ["live_video_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_downloads_live_video_id", table_name="downloads")
    with op.batch_alter_table("downloads", schema=None) as batch_op:
        batch_op.drop_column("live_video_id")
