"""The criteria a call starts with (DOMAIN.md step 5); the operator may change them before scoring."""

from decimal import Decimal

GRANT = [
    ("REL", "Өзектілігі және әлеуметтік маңызы", "Актуальность и социальная значимость",
     "Relevance and social significance",
     "Мәселе нақты ма, дәлелдері бар ма, тақырыпқа сәйкес пе?",
     "Реальна ли проблема, есть ли доказательства, соответствует ли теме?",
     "Is the problem real, evidenced and on the topic?"),
    ("INN", "Инновациялығы және бірегейлігі", "Инновационность и уникальность", "Innovation and uniqueness",
     "Тәсіл жаңа ма, басқалардан несімен ерекшеленеді?", "Нов ли подход, чем он отличается от других?",
     "Is the approach new, and how does it differ from others?"),
    ("FEA", "Іске асырылуы", "Реализуемость", "Feasibility",
     "Жоспар, команда, мерзімдер мен тәуекелдер шынайы ма?", "Реалистичны ли план, команда, сроки и риски?",
     "Are the plan, team, timing and risks realistic?"),
    ("COS", "Шығыстардың негізділігі", "Обоснованность расходов", "Cost justification",
     "Сметадағы шығыстар қажетті және негізделген бе?", "Необходимы и обоснованы ли расходы сметы?",
     "Are the budget's costs necessary and justified?"),
]
CONTRIBUTION = ("CON", "ҮЕҰ-ның мәселені шешуге қосқан үлесі", "Вклад НПО в решение проблемы",
                "The NGO's contribution to solving the problem", "Нәтижелер дәлелденген бе, қанша адамға әсер етті?",
                "Подтверждены ли результаты, скольких людей они коснулись?",
                "Are the results evidenced, and how many people did they reach?")

# A state social order's price is not an expert's mark: its points are computed from the offers
# (scoring/price.py); the experts score the rest, and a budget's cost justification has no budget to read.
SETS = {"grant": GRANT, "sso": GRANT[:3], "award": [CONTRIBUTION]}
PRICE_POINTS = 10  # a state social order call's price points until the operator sets them
MAX_POINTS = 10
WEIGHT = Decimal("1")
