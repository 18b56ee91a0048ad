"""The demo world's day at the grant operator: leads named, conversations in each audience, a file, a mention.

The operator (operator@baiqau.kz) leads this year's Russian application to 2026-MCI-01 and two active grants; a
colleague (staff@baiqau.kz) leads the suspended one. Their My work shows what waits: the NGO's answer and a
colleague's mention to read, a tranche to pay."""

import io

import sqlalchemy as sa

from grants.agreements.demo import PDF
from grants.agreements.models import Agreement
from grants.applications.models import Application
from grants.comments import services as comments
from grants.extensions import db
from grants.notifications import services as notices
from grants.work import leads


def _agreement(number):
    return db.session.execute(sa.select(Agreement).where(Agreement.number == number)).scalar_one()


def extend(users):
    operator, colleague = users["operator@baiqau.kz"], users["staff@baiqau.kz"]
    ngo = users["ngo.pavlodar@baiqau.kz"]
    application = db.session.execute(
        sa.select(Application).where(Application.receipt_number == "2026-MCI-01-00002")).scalar_one()
    notices.choose(ngo, {"comments": "digest"})  # the NGO reads the operator's comments in its daily digest
    leads.set_lead(operator, application, operator)
    comments.add(colleague, application, "Ержан, проверьте, пожалуйста, смету: аренда зала в Павлодаре заложена "
                                         "выше рыночной цены почти вдвое.", "staff", [operator.id])
    comments.add(operator, application, "Коллеги эксперты, обратите внимание на индикатор охвата: 350 человек при "
                                        "двух тренерах — проверьте реалистичность плана.", "experts")
    comments.add(operator, application, "Уточните, пожалуйста, кто из партнеров предоставляет помещение для "
                                        "занятий и на каких условиях.", "applicant")
    comments.add(ngo, application, "Помещение бесплатно предоставляет городской колледж по меморандуму; копию "
                                   "прикладываем.", "applicant", upload=(io.BytesIO(PDF), "меморандум.pdf"))
    grant = _agreement("2025-MCI-04/001")
    leads.set_lead(operator, grant, operator)
    leads.set_lead(operator, _agreement("2025-MCI-SP1/001"), operator)
    leads.set_lead(operator, _agreement("2024-MCI-07/003"), colleague)
    comments.add(operator, grant, "Служебная записка о проверке банковских реквизитов грантополучателя.", "staff",
                 upload=(io.BytesIO(PDF), "служебная-записка.pdf"))
    comments.add(colleague, grant, "Ержан, банк подтвердил реквизиты. Второй транш можно выплатить, как только "
                                   "будет принят промежуточный отчет.", "staff", [operator.id])
    comments.add(operator, grant.reports[0], "Напоминаем: к промежуточному отчету приложите фотографии занятий и "
                                             "акты выполненных работ.", "applicant")
