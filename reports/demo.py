"""The demo world's history, 2020–2023, shaped like the operator's published figures and loaded through the importer.

About 2,000 applications and 417 grants: the ministry's 295 state grants (6,683.8 million ₸), 96 through
local executive bodies (757.7 million ₸) and 26 non-state grants in 2021–2023 (165.8 million ₸); state money
grows from 1.7 bn ₸ in 2020 to 2.1 bn ₸ in 2023. The Kazakh share of applications is 16 % in 2020 and 26 %
in 2023, 12 % in the March 2021 call, 31 % in June 2021 and 25 % in January 2022; Astana and Almaty NGOs
file about 55 % of the applications; the fewest grants go to Turkistan, Kostanay, Zhambyl, Aktobe, Akmola,
Karaganda, North Kazakhstan and Almaty regions; the most frequent winning directions are civil society (10),
youth (11) and social harmony (9). Generated from a fixed seed, so every demo world has the same history.
"""

import math
import random
from decimal import Decimal

import sqlalchemy as sa

from grants.extensions import db
from grants.identifiers import check_digit
from grants.reference.models import CustomerBody, Region
from reports.history import import_rows

SOURCE_FILE = "demo-history-2020-2023.csv"
ASTANA, ALMATY = "710000000", "750000000"
# Applications to the ministry's and non-state calls by the NGO's region, relative (Astana and Almaty apart).
REGION_WEIGHTS = {
    "790000000": 4.0, "430000000": 3.5, "550000000": 3.0, "630000000": 2.8, "100000000": 2.5, "470000000": 2.5,
    "230000000": 2.3, "270000000": 2.3, "330000000": 2.0, "620000000": 1.6, "350000000": 1.8, "590000000": 1.5,
    "190000000": 1.5, "110000000": 1.4, "150000000": 1.4, "310000000": 1.2, "390000000": 1.1, "610000000": 1.0,
}
CAPITALS = {ASTANA: 29.3, ALMATY: 26.0}  # per cent of those applications: together 55.3 %
# Regions the operator names as getting the fewest grants: their applications win less often.
FEWEST = {"610000000", "390000000", "310000000", "150000000", "110000000", "350000000", "590000000", "190000000"}
DIRECTION_WEIGHTS = {10: 15, 11: 14, 9: 12, 7: 8, 1: 7, 5: 6, 8: 6, 13: 6, 12: 5, 6: 5, 4: 4, 3: 4, 14: 3, 2: 2,
                     16: 2, 15: 1}
DIRECTION_WINS = {10: 1.5, 11: 1.4, 9: 1.3}
YEAR_KK = {2020: 0.16, 2021: 0.20, 2022: 0.23, 2023: 0.26}

# code, year, instrument, funding source, customer, grants, Kazakh share, money awarded (million ₸)
MINISTRY = [
    ("2020-MCI-03", 2020, 70, 0.16, "1526.5"),
    ("2021-MCI-03", 2021, 42, 0.12, "906.2"),
    ("2021-MCI-06", 2021, 31, 0.31, "668.8"),
    ("2022-MCI-01", 2022, 40, 0.25, "906.7"),
    ("2022-MCI-06", 2022, 35, 0.21, "793.3"),
    ("2023-MCI-02", 2023, 77, 0.26, "1882.3"),
]
LOCAL_GRANTS = {2020: (22, "173.5"), 2021: (23, "175.0"), 2022: (25, "191.5"), 2023: (26, "217.7")}
LOCAL_CUSTOMERS = [("ALA-IP", ALMATY, 0.28), ("AST-IP", ASTANA, 0.28), ("KZO-IP", "430000000", 0.16),
                   ("SHY-IP", "790000000", 0.16), ("PVL-IP", "550000000", 0.12)]
NON_STATE = {2021: (8, "50.0"), 2022: (9, "55.3"), 2023: (9, "60.5")}
# Customer bodies the history names and the reference data does not hold: the importer creates them with
# their code as their name; the demo then names them, as an administrator would under Reference data.
NAMES = {
    "SHY-IP": ("Department of Internal Policy of Shymkent City", "Управление внутренней политики города Шымкент",
               "Шымкент қаласының Ішкі саясат басқармасы"),
    "PVL-IP": ("Department of Internal Policy of Pavlodar Region",
               "Управление внутренней политики Павлодарской области", "Павлодар облысының Ішкі саясат басқармасы"),
    "CISC": ("Civil Initiatives Support Centre (non-state grants)",
             "Центр поддержки гражданских инициатив (негосударственные гранты)",
             "Азаматтық бастамаларды қолдау орталығы (мемлекеттік емес гранттар)"),
}

KK_WORDS = ["Болашақ", "Ақ жол", "Мейірім", "Шаңырақ", "Достық", "Үміт", "Жарқын болашақ", "Таза әлем", "Ынтымақ",
            "Сарыарқа", "Кемел", "Нұрлы жол", "Саналы ұрпақ", "Бірлік", "Қамқор", "Ізгілік", "Алтын бесік",
            "Жастар үні", "Ырыс", "Ана тілі", "Өркен", "Береке", "Тұлпар", "Ұлағат"]
KK_FORMS = ["қоғамдық бірлестігі", "қоғамдық қоры", "қауымдастығы", "жастар қоғамдық бірлестігі"]
RU_WORDS = ["Надежда", "Гражданская инициатива", "Рука помощи", "Доверие", "Открытый мир", "Равные возможности",
            "Содействие", "Зелёный город", "Наследие", "Диалог", "Перспектива", "Добрые сердца", "Вектор",
            "Партнёрство", "Новое поколение", "Милосердие", "Истоки", "Союз волонтёров", "Ориентир", "Светлый путь"]
RU_FORMS = ["Общественное объединение", "Общественный фонд", "Ассоциация", "Молодёжное общественное объединение"]


def extend(users, orgs, past):
    """Load the history through the importer, then name the customer bodies it created."""
    rng = random.Random(2026)
    regions = {r.kato: r for r in db.session.execute(sa.select(Region)).scalars()}
    ngos = _Pool(rng, regions, orgs.values())
    rows = []
    for year in (2020, 2021, 2022, 2023):
        calls = [(code, "state_grant", "republican", "MCI", grants, kk, million)
                 for code, y, grants, kk, million in MINISTRY if y == year]
        count, million = LOCAL_GRANTS[year]
        counts = _allocate(count, [weight for _c, _k, weight in LOCAL_CUSTOMERS])
        money = _split(Decimal(million) * 1_000_000, counts, rng, step=100_000)
        for (customer, kato, _weight), grants, amount in zip(LOCAL_CUSTOMERS, counts, money, strict=True):
            calls.append((f"{year}-{customer[:3]}-04", "state_grant", "local", customer, grants, YEAR_KK[year],
                          amount / 1_000_000, kato))
        if year in NON_STATE:
            grants, million = NON_STATE[year]
            calls.append((f"{year}-CISC-09", "non_state_grant", "non_state", "CISC", grants, YEAR_KK[year], million))
        for call in calls:
            rows.extend(_call_rows(rng, ngos, year, *call))
    numbered = {}
    lines = []
    for row in rows:
        numbered[row["year"]] = numbered.get(row["year"], 0) + 1
        lines.append((len(lines) + 2, {"ref": f"H{row['year']}-{numbered[row['year']]:05d}", **row}))
    summary = import_rows(lines, SOURCE_FILE)
    for code, (en, ru, kk) in NAMES.items():
        body = db.session.execute(sa.select(CustomerBody).where(CustomerBody.code == code)).scalar_one_or_none()
        if body is not None and body.name_en == code:
            body.name_en, body.name_ru, body.name_kk = en, ru, kk
    return summary


def _call_rows(rng, ngos, year, code, instrument, source, customer, grants, kk_share, million, kato=None):
    """One call's applications: regions and languages allocated to match the figures, some found ineligible,
    the winners drawn by direction and region, the money split among them."""
    per_grant = rng.uniform(3.8, 4.6) if source == "local" else rng.uniform(4.4, 5.6)
    n = round(grants * per_grant)
    if kato is not None:
        katos = [kato] * n
    else:
        weights = {k: w * (100 - sum(CAPITALS.values())) / sum(REGION_WEIGHTS.values())
                   for k, w in REGION_WEIGHTS.items()} | CAPITALS
        katos = [k for k, c in zip(weights, _allocate(n, list(weights.values())), strict=True) for _ in range(c)]
        rng.shuffle(katos)
    kk = round(n * kk_share)
    languages = ["kk"] * kk + ["ru"] * (n - kk)
    rng.shuffle(languages)
    directions = rng.choices(list(DIRECTION_WEIGHTS), weights=list(DIRECTION_WEIGHTS.values()), k=n)
    ineligible = set(rng.sample(range(n), min(n - grants, round(n * rng.uniform(0.12, 0.2)))))
    eligible = [i for i in range(n) if i not in ineligible]

    def key(i):  # weighted sampling without replacement (Efraimidis–Spirakis)
        weight = DIRECTION_WINS.get(directions[i], 1.0) * (0.45 if katos[i] in FEWEST else 1.0)
        return rng.random() ** (1 / weight)

    winners = sorted(eligible, key=key, reverse=True)[:grants]
    amounts = dict(zip(winners, _split(Decimal(million) * 1_000_000, [1] * grants, rng, step=1000), strict=True))
    average = Decimal(million) * 1_000_000 / grants
    rows = []
    for i in range(n):
        bin_, name = ngos.pick(katos[i], languages[i])
        awarded = amounts.get(i)
        if awarded is not None:
            requested = _round(awarded * Decimal(rng.choice(["1", "1", "1", "1.05", "1.1", "1.2"])), 1000)
            outcome = "awarded"
        else:
            requested = _round(average * Decimal(str(round(rng.uniform(0.5, 1.5), 3))), 1000)
            outcome = "ineligible" if i in ineligible else "rejected"
        rows.append({"year": year, "call_code": code, "instrument": instrument, "funding_source": source,
                     "customer": customer, "direction": directions[i], "region_kato": katos[i],
                     "language": languages[i], "ngo_bin": bin_, "ngo_name": name, "outcome": outcome,
                     "amount_requested": f"{requested:.2f}",
                     "amount_awarded": f"{awarded:.2f}" if awarded is not None else ""})
    return rows


class _Pool:
    """The NGOs of each region: an application comes from one already seen there, or from a new one."""

    def __init__(self, rng, regions, known):
        self.rng, self.regions = rng, regions
        self.taken = {org.bin for org in known}
        self.by_region = {}
        for org in known:  # the demo's own NGOs have a history too
            self.by_region.setdefault(org.region.kato, []).append((org.bin, ""))

    def pick(self, kato, language):
        pool = self.by_region.setdefault(kato, [])
        if pool and self.rng.random() < 0.62:
            return self.rng.choice(pool)
        found = (self._bin(), self._name(kato, language))
        pool.append(found)
        return found

    def _bin(self):
        # Registered 2005–2019, a resident legal entity (fifth digit 4), a head organisation (sixth 0), serial
        # 10000 or more: apart from the demo's own NGOs and the tests' BINs, and drawn the same in every database.
        while True:
            first11 = f"{self.rng.randint(5, 19):02d}{self.rng.randint(1, 12):02d}40{self.rng.randint(10000, 99999)}"
            digit = check_digit(first11)
            if digit is not None and first11 + str(digit) not in self.taken:
                self.taken.add(first11 + str(digit))
                return first11 + str(digit)

    def _name(self, kato, language):
        region = self.regions[kato]
        if language == "kk":
            return f"«{self.rng.choice(KK_WORDS)}» {self.rng.choice(KK_FORMS)} ({region.name_kk})"
        return f"{self.rng.choice(RU_FORMS)} «{self.rng.choice(RU_WORDS)}» ({region.name_ru})"


def _allocate(total, weights):
    """`total` split in proportion to `weights` in whole numbers that add up (largest remainder)."""
    exact = [total * w / sum(weights) for w in weights]
    counts = [math.floor(x) for x in exact]
    for i in sorted(range(len(exact)), key=lambda i: exact[i] - counts[i], reverse=True)[:total - sum(counts)]:
        counts[i] += 1
    return counts


def _round(amount, step):
    return (Decimal(amount) / step).quantize(Decimal("1")) * step


def _split(total, counts, rng, step):
    """`total` tenge in parts of about `counts` shares each, varied, rounded to `step`; they add up exactly."""
    weights = [c * rng.uniform(0.6, 1.4) for c in counts]
    parts = [_round(total * Decimal(str(w / sum(weights))), step) for w in weights]
    parts[-1] = total - sum(parts[:-1])
    return [p.quantize(Decimal("0.01")) for p in parts]
