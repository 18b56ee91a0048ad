"""The demo world's state social order: the ministry's announced plan, with a citizen's proposal it answered and
an NGO's proposal still awaiting its answer."""

from datetime import timedelta
from decimal import Decimal

from grants.calls import proposals


def _service(kk, ru, unit_kk, unit_ru, volume, price):
    return {"service_kk": kk, "service_ru": ru, "unit_kk": unit_kk, "unit_ru": unit_ru, "volume": Decimal(volume),
            "max_price": Decimal(price)}


# The plan's two topics, each with its technical specification: (texts, services).
SPECS = [
    ({"problem_kk": "Ауылдық округтердегі жалғыз басты қарттар дүкен мен дәріханадан алыс тұрады.",
      "problem_ru": "Одинокие пожилые люди в сельских округах живут далеко от магазинов и аптек.",
      "target_group_kk": "65 жастан асқан жалғыз басты адамдар.", "target_group_ru": "Одинокие люди старше 65 лет.",
      "place_kk": "Қызылорда және Павлодар облыстарының ауылдық округтері.",
      "place_ru": "Сельские округа Кызылординской и Павлодарской областей.",
      "standard_kk": "Үйде әлеуметтік қызмет көрсету стандарты.", "standard_ru": "Стандарт оказания социальных "
                                                                                 "услуг на дому."},
     [_service("Үйге келу: тұрмыстық көмек", "Посещение на дому: бытовая помощь", "бару", "посещение", "4800",
               "2000.00"),
      _service("Азық-түлік пен дәрі-дәрмек жеткізу", "Доставка продуктов и лекарств", "жеткізу", "доставка", "2000",
               "1000.00")]),
    ({"problem_kk": "Көпбалалы отбасылар құқықтық және психологиялық кеңес ала алмайды.",
      "problem_ru": "Многодетным семьям недоступны юридические и психологические консультации.",
      "target_group_kk": "Көпбалалы отбасылар.", "target_group_ru": "Многодетные семьи.",
      "place_kk": "Қызылорда қаласы.", "place_ru": "Город Кызылорда.",
      "standard_kk": "Отбасыларға кеңес беру стандарты.", "standard_ru": "Стандарт консультирования семей."},
     [_service("Заңгердің немесе психологтың кеңесі", "Консультация юриста или психолога", "кеңес", "консультация",
               "1000", "5000.00"),
      _service("Ата-аналарға арналған семинар", "Семинар для родителей", "семинар", "семинар", "40", "60000.00")]),
]


def extend(users, orgs, now, make_call):
    """The SSO call 2026-MCI-09, announced: intake opens in ten days, proposals on the plan are taken now."""
    operator, customer = users["operator@baiqau.kz"], users["customer@baiqau.kz"]
    kyzylorda = orgs["ngo.kyzylorda@baiqau.kz"]
    call = make_call(operator, "2026-MCI-09", "MCI", "republican", 2026,
                     ("Мемлекеттік әлеуметтік тапсырыс: қарттар мен көпбалалы отбасыларға әлеуметтік қызметтер",
                      "Государственный социальный заказ: социальные услуги пожилым людям и многодетным семьям",
                      "State social order: social services for older people and large families"),
                     now + timedelta(days=10), now + timedelta(days=31), [
                         (7, "short", 10, "12000000", 1, ["430000000", "550000000"],
                          "Жалғыз басты қарттарға үйде әлеуметтік көмек",
                          "Социальная помощь на дому одиноким пожилым людям"),
                         (12, "short", 8, "8000000", 1, ["430000000"],
                          "Көпбалалы отбасыларға арналған кеңес беру орталығы",
                          "Консультационный центр для многодетных семей"),
                     ], publish_at=now - timedelta(days=3), instrument="sso", criteria="sso", spec=SPECS)
    home_help, families = call.topics
    asked = proposals.send(None, call, {
        "author_name": "Гульмира Ахметова", "author_email": "g.akhmetova@example.kz", "topic_id": home_help.id,
        "text": "Прошу включить в спецификацию доставку продуктов и лекарств не реже двух раз в неделю: в сельских "
                "округах одинокие пожилые люди живут далеко от магазинов и аптек.", "locale": "ru"},
        now=now - timedelta(days=2), ip="192.0.2.10")
    proposals.answer(customer, asked, "Спасибо за предложение. Доставка продуктов и лекарств дважды в неделю "
                                      "включена в техническую спецификацию темы 1 отдельной услугой; объем "
                                      "рассчитан на 120 получателей в сельских округах.",
                     now=now - timedelta(hours=5))
    proposals.send(users["ngo.kyzylorda@baiqau.kz"], call, {
        "author_name": "Марат Жұмабаев", "author_email": "ngo.kyzylorda@baiqau.kz", "organization_bin": kyzylorda.bin,
        "topic_id": families.id, "text": "Орталықты облыс орталығында ғана емес, аудандарда да ашуды ұсынамыз: Арал "
                                        "және Қазалы аудандарының отбасыларына Қызылордаға жету қиын.",
        "locale": "kk"}, now=now - timedelta(days=1), ip="192.0.2.20")
    return call
