"""direction 15's names mended

The committed directions.csv held an unquoted comma in direction 15's Russian name, so the loader stored
the first half of the Russian name as name_ru and the second half as name_kk (the Kazakh name was lost).
This puts the right names back in databases that loaded the broken file, but only where a name still
holds the broken value: a name an administrator has since edited is theirs and stays.

Revision ID: ad532c82e3d3
Revises: 58a192f003e5
Create Date: 2026-12-01 20:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'ad532c82e3d3'
down_revision = '58a192f003e5'
branch_labels = None
depends_on = None

# (column, the value the broken file gave, the value the mended file gives); frozen here on purpose,
# so this migration does the same thing whatever the reference file says later.
MENDED = (
    ('name_ru', 'Социально-правовая помощь лицам',
     'Социально-правовая помощь лицам, состоящим на учете службы пробации'),
    ('name_kk', ' состоящим на учете службы пробации',
     'Пробация қызметінің есебінде тұрған адамдарға әлеуметтік-құқықтық көмек'),
)


def upgrade():
    directions = sa.table('directions', sa.column('code', sa.Integer),
                          sa.column('name_ru', sa.String), sa.column('name_kk', sa.String))
    for column, broken, mended in MENDED:
        target = directions.c[column]
        # The stripped form too: saving the edit form unchanged may have trimmed the leading space.
        op.execute(directions.update()
                   .where(directions.c.code == 15, target.in_([broken, broken.strip()]))
                   .values({column: mended}))


def downgrade():
    # Nothing to undo: putting the broken names back would only damage data.
    pass
