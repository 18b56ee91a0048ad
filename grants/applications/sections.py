"""The sections of an application form; a call may use all of them or a subset."""

from dataclasses import dataclass

from grants.i18n import _l


@dataclass(frozen=True)
class Section:
    code: str
    label: object
    hint: object
    kind: str = "text"  # text | count
    required: bool = True
    max_length: int = 20000


SECTIONS = (
    Section("summary", _l("Short summary of the project"),
            _l("What you will do, for whom and what will change — in a few sentences. Experts see it first."),
            max_length=2000),
    Section("problem", _l("Problem and relevance"), _l("The social problem, with facts and figures for your region.")),
    Section("goal", _l("Goal and tasks"), _l("One goal and the tasks that lead to it.")),
    Section("target_groups", _l("Target groups"), _l("Who benefits: age, situation, where they live.")),
    Section("beneficiaries", _l("Number of beneficiaries"), _l("Unique people who will benefit directly."),
            kind="count"),
    Section("risks", _l("Risks"), _l("What may go wrong and what you will do about it.")),
    Section("sustainability", _l("Sustainability"), _l("What remains after the grant ends.")),
    Section("team", _l("Team and partners"), _l("Who does the work and who helps; their experience."),
            required=False),
)
BY_CODE = {s.code: s for s in SECTIONS}
TEXT_CODES = tuple(s.code for s in SECTIONS if s.kind == "text")
