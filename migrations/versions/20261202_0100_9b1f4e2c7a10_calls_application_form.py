"""calls.application_form: a call's application form is data, an ordered list of blocks

Every existing call gets the state-grant form its applications were written on: the eight sections,
the calendar plan, indicators, partners and budget, and a slot for each kind of document an
application could hold (the slot's code is the documents' stored kind). The answers stay where they
are (applications.sections, keyed by the same codes) and so do the versions: nothing is rewritten.

The form is frozen here as it was on the day of this migration, in the three languages, so that a
later change of the templates in code never changes what this migration writes.

Revision ID: 9b1f4e2c7a10
Revises: 7c3e5a9d1f42
Create Date: 2026-12-02 01:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9b1f4e2c7a10"
down_revision = "7c3e5a9d1f42"
branch_labels = None
depends_on = None

STATE_GRANT_FORM = [
    {
        "code": "summary",
        "kind": "long_text",
        "required": True,
        "max_length": 2000,
        "label": {
            "kk": "Жобаның қысқаша сипаттамасы",
            "ru": "Краткое описание проекта",
            "en": "Short summary of the project",
        },
        "hint": {
            "kk": "Не істейтініңіз, кім үшін және не өзгеретіні — бірнеше сөйлеммен. Сарапшылар бұл бөлімді бірінші көреді.",
            "ru": "Что вы сделаете, для кого и что изменится — в нескольких предложениях. Эксперты видят этот раздел первым.",
            "en": "What you will do, for whom and what will change — in a few sentences. Experts see it first.",
        },
    },
    {
        "code": "problem",
        "kind": "long_text",
        "required": True,
        "max_length": 20000,
        "label": {
            "kk": "Мәселе және оның өзектілігі",
            "ru": "Проблема и ее актуальность",
            "en": "Problem and relevance",
        },
        "hint": {
            "kk": "Өңіріңіз бойынша деректермен және сандармен негізделген әлеуметтік мәселе.",
            "ru": "Социальная проблема, подкрепленная фактами и цифрами по вашему региону.",
            "en": "The social problem, with facts and figures for your region.",
        },
    },
    {
        "code": "goal",
        "kind": "long_text",
        "required": True,
        "max_length": 20000,
        "label": {"kk": "Мақсаты мен міндеттері", "ru": "Цель и задачи", "en": "Goal and tasks"},
        "hint": {
            "kk": "Бір мақсат және соған жеткізетін міндеттер.",
            "ru": "Одна цель и задачи, ведущие к ее достижению.",
            "en": "One goal and the tasks that lead to it.",
        },
    },
    {
        "code": "target_groups",
        "kind": "long_text",
        "required": True,
        "max_length": 20000,
        "label": {"kk": "Нысаналы топтар", "ru": "Целевые группы", "en": "Target groups"},
        "hint": {
            "kk": "Кім пайда алады: жасы, өмірлік жағдайы, тұратын жері.",
            "ru": "Кто получит пользу: возраст, жизненная ситуация, место проживания.",
            "en": "Who benefits: age, situation, where they live.",
        },
    },
    {
        "code": "beneficiaries",
        "kind": "number",
        "required": True,
        "min": 0,
        "max": 100000000,
        "label": {"kk": "Игілік алушылар саны", "ru": "Количество благополучателей", "en": "Number of beneficiaries"},
        "hint": {
            "kk": "Тікелей пайда алатын адамдар саны; әр адам бір рет есептеледі.",
            "ru": "Число людей, которые получат прямую пользу; каждый человек учитывается один раз.",
            "en": "Unique people who will benefit directly.",
        },
    },
    {
        "code": "risks",
        "kind": "long_text",
        "required": True,
        "max_length": 20000,
        "label": {"kk": "Тәуекелдер", "ru": "Риски", "en": "Risks"},
        "hint": {
            "kk": "Қандай қиындықтар туындауы мүмкін және сол жағдайда не істейсіз.",
            "ru": "Что может пойти не так и что вы предпримете в этом случае.",
            "en": "What may go wrong and what you will do about it.",
        },
    },
    {
        "code": "sustainability",
        "kind": "long_text",
        "required": True,
        "max_length": 20000,
        "label": {"kk": "Тұрақтылық", "ru": "Устойчивость", "en": "Sustainability"},
        "hint": {
            "kk": "Грант аяқталғаннан кейін не қалады.",
            "ru": "Что останется после завершения гранта.",
            "en": "What remains after the grant ends.",
        },
    },
    {
        "code": "team",
        "kind": "long_text",
        "required": False,
        "max_length": 20000,
        "label": {"kk": "Команда және серіктестер", "ru": "Команда и партнеры", "en": "Team and partners"},
        "hint": {
            "kk": "Жұмысты кім атқарады және кім көмектеседі; олардың тәжірибесі.",
            "ru": "Кто выполняет работу и кто помогает; их опыт.",
            "en": "Who does the work and who helps; their experience.",
        },
    },
    {
        "code": "plan",
        "kind": "plan",
        "required": True,
        "label": {"kk": "Күнтізбелік жоспар", "ru": "Календарный план", "en": "Calendar plan"},
    },
    {
        "code": "indicators",
        "kind": "indicators",
        "required": True,
        "label": {"kk": "Индикаторлар", "ru": "Индикаторы", "en": "Indicators"},
    },
    {
        "code": "partners",
        "kind": "partners",
        "required": True,
        "label": {"kk": "Жоба серіктестері", "ru": "Партнеры проекта", "en": "Project partners"},
        "hint": {
            "kk": "Жобаны бірге іске асыратын ұйымдар мен адамдар. Олармен байланысты сарапшылар өтініміңізді бағаламайды.",
            "ru": "Организации и люди, с которыми вы реализуете проект. Эксперты, связанные с ними, не будут оценивать вашу заявку.",
            "en": "Organizations and people you carry the project out with. Experts tied to them will not score your application.",
        },
    },
    {
        "code": "costs",
        "kind": "budget",
        "required": True,
        "label": {"kk": "Шығыстар сметасы", "ru": "Смета расходов", "en": "Budget"},
    },
    {
        "code": "charter",
        "kind": "document",
        "required": False,
        "min": 0,
        "max": 5,
        "label": {"kk": "Жарғы", "ru": "Устав", "en": "Charter"},
    },
    {
        "code": "bank_details",
        "kind": "document",
        "required": False,
        "min": 0,
        "max": 5,
        "label": {"kk": "Банк деректемелері", "ru": "Банковские реквизиты", "en": "Bank details"},
    },
    {
        "code": "support_letter",
        "kind": "document",
        "required": False,
        "min": 0,
        "max": 5,
        "label": {"kk": "Қолдау хаты", "ru": "Письмо поддержки", "en": "Letter of support"},
    },
    {
        "code": "cv",
        "kind": "document",
        "required": False,
        "min": 0,
        "max": 5,
        "label": {"kk": "Түйіндеме", "ru": "Резюме", "en": "CV"},
    },
    {
        "code": "budget",
        "kind": "document",
        "required": False,
        "min": 0,
        "max": 5,
        "label": {"kk": "Шығыстар сметасы (кесте)", "ru": "Смета расходов (таблица)", "en": "Budget table"},
    },
    {
        "code": "other",
        "kind": "document",
        "required": False,
        "min": 0,
        "max": 10,
        "label": {"kk": "Басқа құжат", "ru": "Иной документ", "en": "Other document"},
    },
]


def upgrade():
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("application_form", sa.JSON(), nullable=True))
    calls = sa.table("calls", sa.column("application_form", sa.JSON()))
    op.execute(calls.update().values(application_form=STATE_GRANT_FORM))
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.alter_column("application_form", existing_type=sa.JSON(), nullable=False)


def downgrade():
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_column("application_form")
