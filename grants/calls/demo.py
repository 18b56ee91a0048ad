"""The demo world's state social order: the ministry's announced plan, with a citizen's proposal it answered and
an NGO's proposal still awaiting its answer."""

from datetime import timedelta

from grants.calls import proposals


def extend(users, orgs, now, make_call):
    """The SSO call 2026-MCI-08, announced: intake opens in ten days, proposals on the plan are taken now."""
    operator, customer = users["operator@baiqau.kz"], users["customer@baiqau.kz"]
    kyzylorda = orgs["ngo.kyzylorda@baiqau.kz"]
    call = make_call(operator, "2026-MCI-08", "MCI", "republican", 2026,
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
                     ], publish_at=now - timedelta(days=3), instrument="sso", criteria="sso")
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
