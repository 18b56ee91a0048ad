"""An application's declared language against its text, and text repeated from another application."""

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from grants.textcheck.language import MISMATCH_CONFIDENCE, detect_language, language_mismatch
from grants.textcheck.similarity import (
    candidate_pairs,
    estimate_jaccard,
    find_similar,
    jaccard,
    matching_passages,
    minhash_signature,
    normalise,
    shingles,
    similarity,
)

KAZAKH = {
    "youth": "Жоба Қызылорда облысының ауылдық жерлеріндегі жастардың белсенділігін арттыруға бағытталған. Біз жыл "
    "бойы он екі ауылда тренингтер өткіземіз, онда жастар жоба жазуды, волонтерлік жұмысты ұйымдастыруды және "
    "жергілікті мәселелерді шешуді үйренеді. Әр тренингке кемінде жиырма жасөспірім қатысады. Жобаның нәтижесінде "
    "жастар өз бастамаларын іске асырып, ауыл тұрғындарымен бірге шағын жобаларды жүзеге асырады.",
    "aral": "Арал өңірінің экологиялық жағдайы туралы ақпарат жергілікті тұрғындарға жеткіліксіз. Сондықтан біз "
    "волонтерлермен бірге мониторинг жүргіземіз: судың сапасын, топырақтың тұздануын және шаңды дауылдардың "
    "жиілігін тіркейміз. Мониторинг нәтижелері ай сайын аудандық әкімдікке және қоғамдық кеңеске ұсынылады. Жоба "
    "аясында мектеп оқушылары үшін экологиялық сабақтар мен семинарлар өткізіледі.",
    "volunteers": "Біздің ұйым 2015 жылдан бері волонтерлік қозғалысты дамытып келеді. Жобаның мақсаты – "
    "волонтерлерді даярлау, оларға тренинг, коучинг және менторинг бағдарламаларын ұсыну. Проект менеджері мен "
    "координатор волонтерлердің жұмысын жоспарлайды, ал мониторинг пен бағалау тобы индикаторларды тексереді. "
    "Барлық іс-шаралар туралы ақпарат әлеуметтік желілерде жарияланады.",
}
# Few Kazakh letters (5%): the grammar words and suffixes carry it.
KAZAKH_STUFFED_WITH_LOANWORDS = (
    "Проект аясында онлайн-платформа, мобильді қосымша және интерактивті карта жасалады. Волонтерлер мониторинг "
    "жүргізіп, фото және видео материалдарды платформаға жүктейді. Тренинг модульдері, презентациялар мен "
    "инфографика экология, менеджмент және фандрайзинг тақырыптарын қамтиды. Координатор проект бюджетін, "
    "отчеттар мен кейс-стадиларды дайындайды."
)
RUSSIAN = {
    "ngo_names": "Общественное объединение «Жастар келешегі» работает с молодежью Кызылординской области с 2012 года. "
    "В рамках проекта мы проведем серию тренингов для сельской молодежи, обучим волонтеров и поможем им реализовать "
    "собственные инициативы в своих аулах. Партнером проекта выступает фонд «Арал өңірі», который уже несколько лет "
    "занимается мониторингом экологической ситуации в регионе.",
    "akimat": "Проект направлен на улучшение качества питьевой воды в аулах Аральского района. Совместно с районным "
    "акиматом и местными жителями мы организуем мониторинг качества воды, а результаты будут ежемесячно "
    "публиковаться на сайте и в социальных сетях. Особое внимание уделяется детям и пожилым людям, которые больше "
    "всего страдают от последствий высыхания Арала.",
    "kazakh_words": "Название проекта «Таза су – таза өмір» означает «Чистая вода – чистая жизнь». Жители аула "
    "Қарашалаң и поселка Жаңақорған рассказали нам, что воду приходится возить из районного центра. Мы предлагаем "
    "установить три станции очистки и обучить местных волонтеров обслуживать их. Проект согласован с акиматом "
    "Сырдарьинского района и с сельским советом аксакалов.",
    "list": "Ожидаемые результаты: обучение 120 волонтеров; проведение 12 тренингов в аулах Казалинского района; "
    "ежеквартальный мониторинг качества воды; публикация отчетов на сайте объединения «Жасыл Арал»; создание "
    "молодежного совета при акимате района.",
}
RUSSIAN_QUOTING_KAZAKH = ["ngo_names", "kazakh_words", "list"]
ROOT = Path(__file__).resolve().parents[2]


# --- Language ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", KAZAKH)
def test_kazakh_prose_with_russian_loanwords_is_kazakh(name):
    guess = detect_language(KAZAKH[name])
    assert guess.language == "kk"
    assert guess.confidence >= MISMATCH_CONFIDENCE


def test_kazakh_stuffed_with_loanwords_is_still_kazakh():
    guess = detect_language(KAZAKH_STUFFED_WITH_LOANWORDS)
    assert guess.kazakh_letter_share < 0.06
    assert guess.language == "kk"


@pytest.mark.parametrize("name", RUSSIAN)
def test_russian_prose_is_russian_even_when_it_quotes_kazakh_names(name):
    guess = detect_language(RUSSIAN[name])
    assert guess.language == "ru"
    assert guess.confidence >= MISMATCH_CONFIDENCE


@pytest.mark.parametrize("name", RUSSIAN_QUOTING_KAZAKH[:2])
def test_quoted_kazakh_names_do_show_in_the_letter_share(name):
    assert 0 < detect_language(RUSSIAN[name]).kazakh_letter_share < 0.03


@pytest.mark.parametrize("name", KAZAKH)
def test_kazakh_text_declared_russian_is_a_mismatch(name):
    guess = language_mismatch("ru", KAZAKH[name])
    assert guess is not None and guess.language == "kk"


@pytest.mark.parametrize("name", RUSSIAN)
def test_russian_text_declared_kazakh_is_a_mismatch(name):
    guess = language_mismatch("kk", RUSSIAN[name])
    assert guess is not None and guess.language == "ru"


@pytest.mark.parametrize("text", [*KAZAKH.values(), KAZAKH_STUFFED_WITH_LOANWORDS])
def test_kazakh_text_with_loanwords_declared_kazakh_is_no_mismatch(text):
    assert language_mismatch("kk", text) is None


@pytest.mark.parametrize("name", RUSSIAN_QUOTING_KAZAKH)
def test_russian_text_quoting_kazakh_names_declared_russian_is_no_mismatch(name):
    assert language_mismatch("ru", RUSSIAN[name]) is None


def test_russian_dense_with_kazakh_names_is_not_taken_for_kazakh():
    # A tenth of the letters are Kazakh, as in Kazakh prose; the Russian grammar words outvote them.
    text = ("Партнерами проекта станут общественные объединения «Жасыл өлке», «Әйел құқығы» и «Өркен» из поселков "
            "Шиелі, Тереңөзек и Жаңақорған. Тренинги пройдут в аулах Қарашалаң, Ақжарма и Төретам, а итоговый форум — "
            "в городе Қызылорда при поддержке фонда «Арал өңірі» и областного акимата.")
    guess = detect_language(text)
    assert guess.kazakh_letter_share > 0.09
    assert guess.language != "kk"
    assert language_mismatch("ru", text) is None


@pytest.mark.parametrize("text", ["Жоба жастарға арналған.", "Проект для молодежи аула.", "", None])
def test_too_little_text_is_undecided(text):
    guess = detect_language(text)
    assert guess.language is None and guess.confidence == 0
    assert language_mismatch("ru", text) is None


def test_latin_only_text_is_undecided():
    text = "The project trains rural youth in the Aral Sea region to monitor water quality with volunteers."
    guess = detect_language(text)
    assert (guess.language, guess.kazakh_letter_share, guess.confidence) == (None, 0.0, 0.0)


def test_kazakh_letter_share_counts_kazakh_letters_among_cyrillic_ignoring_case_and_latin():
    assert detect_language("ӘәАа Ққ КК latin words").kazakh_letter_share == 0.5


def test_a_latin_i_typed_for_kazakh_i_counts_as_kazakh():
    typed = KAZAKH["youth"].replace("і", "i")
    assert detect_language(typed) == detect_language(KAZAKH["youth"])


def test_mostly_kazakh_bilingual_text_is_kazakh():
    text = " ".join([KAZAKH["aral"], KAZAKH["youth"], KAZAKH["volunteers"], RUSSIAN["ngo_names"]])
    assert detect_language(text).language == "kk"
    assert language_mismatch("kk", text) is None


@pytest.mark.parametrize("kazakh, russian", [("youth", "akimat"), ("volunteers", "kazakh_words"),
                                             ("aral", "ngo_names")])
def test_half_kazakh_half_russian_raises_no_mismatch_either_way(kazakh, russian):
    text = f"{KAZAKH[kazakh]}\n\n{RUSSIAN[russian]}"
    assert detect_language(text).confidence < MISMATCH_CONFIDENCE
    assert language_mismatch("kk", text) is None
    assert language_mismatch("ru", text) is None


def test_kazakh_typed_without_its_letters_is_not_called_russian_with_confidence():
    # The main signal is gone (қ→к, і→и); the missing Russian function words keep the guess unsure.
    text = ("Жоба Кызылорда облысынын ауылдык жерлериндеги жастардын белсендилигин арттыруга багытталган. Биз жыл "
            "бойы он еки ауылда тренингтер откиземиз, онда жастар жоба жазуды, волонтерлик жумысты уйымдастыруды "
            "жане жергиликти маселелерди шешуди уйренеди. Ар тренингке кеминде жиырма жасоспирим катысады.")
    assert language_mismatch("kk", text) is None


# --- Repeated text ----------------------------------------------------------------------------------------------------

COPIED_KAZAKH = ("Сондықтан біз волонтерлермен бірге мониторинг жүргіземіз: судың сапасын, топырақтың тұздануын "
                 "және шаңды дауылдардың жиілігін тіркейміз.")
COPIED_RUSSIAN = ("Партнером проекта выступает фонд «Арал өңірі», который уже несколько лет занимается мониторингом "
                  "экологической ситуации в регионе.")
PARAPHRASE = ("С 2012 года объединение «Жастар келешегі» помогает молодым людям Кызылординской области. Наш проект "
              "предполагает цикл обучающих занятий для юношей и девушек из сел: волонтеры пройдут подготовку, а затем "
              "при нашей поддержке воплотят в жизнь свои идеи. Вместе с нами над проектом работает фонд «Арал "
              "өңірі», много лет следящий за состоянием окружающей среды в Приаралье.")


def test_normalise_lowercases_folds_yo_and_drops_punctuation():
    assert normalise("«Арал  өңірі» — ЁЛКА,\n2024 г.! Project-X") == "арал өңірі елка 2024 г project x"


def test_identical_texts_are_fully_similar():
    a, b = shingles(RUSSIAN["ngo_names"]), shingles(RUSSIAN["ngo_names"])
    assert similarity(a, b) == jaccard(a, b) == 1.0


def test_spacing_case_and_punctuation_do_not_hide_a_copy():
    changed = RUSSIAN["akimat"].upper().replace(" ", "  ").replace(",", "").replace("ё", "е")
    assert similarity(shingles(RUSSIAN["akimat"]), shingles(changed)) == 1.0


def test_a_text_copied_into_a_longer_one_is_contained_though_jaccard_is_low():
    longer = " ".join([RUSSIAN["akimat"], RUSSIAN["kazakh_words"], RUSSIAN["ngo_names"], RUSSIAN["list"]])
    copied, whole = shingles(RUSSIAN["ngo_names"]), shingles(longer)
    assert similarity(copied, whole) == similarity(whole, copied) == 1.0
    assert jaccard(copied, whole) < 0.4


@pytest.mark.parametrize("other", [PARAPHRASE, RUSSIAN["akimat"], KAZAKH["youth"]])
def test_paraphrased_or_unrelated_texts_score_low(other):
    assert similarity(shingles(RUSSIAN["ngo_names"]), shingles(other)) < 0.1


def test_texts_without_words_are_similar_to_nothing():
    assert similarity(shingles("— … !"), shingles(RUSSIAN["akimat"])) == jaccard(set(), set()) == 0.0


def test_passages_point_at_the_copied_sentences_in_both_original_texts():
    text_a = f"{KAZAKH['youth']} {COPIED_KAZAKH} Қосымша: {COPIED_RUSSIAN}"
    text_b = f"Кіріспе.\n{COPIED_RUSSIAN}\n\n{KAZAKH['volunteers']}\n{COPIED_KAZAKH} Соңы."
    passages = matching_passages(text_a, text_b)
    # longest first: the Russian sentence has 16 words, the Kazakh one 15
    assert [text_a[p.a_start:p.a_end] for p in passages] == [COPIED_RUSSIAN, COPIED_KAZAKH]
    assert [text_b[p.b_start:p.b_end] for p in passages] == [COPIED_RUSSIAN, COPIED_KAZAKH]
    assert [(p.a_text, p.b_text) for p in passages] == [(COPIED_RUSSIAN,) * 2, (COPIED_KAZAKH,) * 2]
    assert [p.words for p in passages] == [16, 15]


def test_an_edited_word_does_not_split_a_passage():
    edited = RUSSIAN["ngo_names"].replace("серию тренингов", "серию семинаров")
    (passage,) = matching_passages(RUSSIAN["ngo_names"], f"Введение. {edited}")
    assert passage.a_text == RUSSIAN["ngo_names"]
    assert passage.b_text == edited


def test_shared_runs_shorter_than_min_words_are_not_passages():
    short = "Мониторинг нәтижелері ай сайын аудандық әкімдікке және қоғамдық кеңеске ұсынылады."
    assert matching_passages(KAZAKH["aral"], f"{KAZAKH['youth']} {short}") == []
    assert len(matching_passages(KAZAKH["aral"], f"{KAZAKH['youth']} {short}", min_words=10)) == 1


def _random_docs(count, words, seed):
    """Prose-like documents of words drawn from the samples, sharing vocabulary but no sentences."""
    vocabulary = sorted({w for text in [*KAZAKH.values(), *RUSSIAN.values()] for w in text.split()})
    rng = random.Random(seed)
    return {f"app-{n}": " ".join(rng.choices(vocabulary, k=words)) for n in range(count)}


def test_find_similar_finds_the_planted_copy_and_nothing_else():
    docs = _random_docs(200, 300, seed=1)
    docs["app-150"] = docs["app-150"][:800] + " " + docs["app-17"]  # app-17 pasted whole into app-150
    docs["app-90"] = docs["app-90"] + " " + COPIED_RUSSIAN  # one shared sentence is not a repeated application
    docs["app-91"] = COPIED_RUSSIAN + " " + docs["app-91"]
    docs["empty-1"] = docs["empty-2"] = "—"
    (pair,) = find_similar(docs)
    assert (pair.id_a, pair.id_b) == ("app-17", "app-150")
    assert pair.score > 0.95


def test_minhash_estimates_jaccard():
    docs = _random_docs(2, 1000, seed=2)
    a, b = docs["app-0"], docs["app-1"][:3000] + " " + docs["app-0"][:4000]
    exact = jaccard(shingles(a), shingles(b))
    estimate = estimate_jaccard(minhash_signature(shingles(a), 256), minhash_signature(shingles(b), 256))
    assert 0.2 < exact < 0.6
    assert abs(estimate - exact) < 0.1


def test_minhash_of_a_short_text_fills_every_position():
    signature = minhash_signature(shingles(COPIED_RUSSIAN), 128)
    assert len(signature) == 128 and all(v < 2**64 for v in signature)
    assert signature == minhash_signature(shingles(COPIED_RUSSIAN), 128)
    assert signature != minhash_signature(shingles(COPIED_RUSSIAN), 128, seed=7)


def test_candidate_pairs_come_from_shared_bands_in_the_signatures_order():
    same = minhash_signature(shingles(RUSSIAN["akimat"]))
    other = minhash_signature(shingles(KAZAKH["aral"]))
    assert candidate_pairs({"b": same, 1: other, "a": same}) == {("b", "a")}
    with pytest.raises(ValueError):
        candidate_pairs({"a": same}, bands=30)


def test_shingles_and_signatures_are_the_same_in_every_process():
    script = (
        "from grants.textcheck.similarity import minhash_signature, shingles; import sys; "
        "sys.stdout.write(repr((sorted(shingles(sys.argv[1])), minhash_signature(shingles(sys.argv[1])))))"
    )
    outputs = set()
    for hash_seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        outputs.add(subprocess.run([sys.executable, "-c", script, KAZAKH["aral"]], env=env, check=True,
                                   capture_output=True, text=True, cwd=ROOT).stdout)
    here = repr((sorted(shingles(KAZAKH["aral"])), minhash_signature(shingles(KAZAKH["aral"]))))
    assert outputs == {here}
