"""Resolving speaker labels to people, with the label shapes real transcripts use (the State
Department's and the White House's, 2021-2025)."""

import datetime as dt

import pytest
from django.db import transaction

from statements.speakers import (
    Context,
    KnownAlias,
    KnownOffice,
    KnownSpeaker,
    Registry,
    Term,
    interviewer_name,
    label_key,
    near_duplicates,
    outlet_of_question,
    split_label,
    turn_kinds,
)

US = "United States"
WHITE_HOUSE = dict(publisher="whitehouse", publisher_country=US)
STATE = dict(publisher="state", publisher_country=US)
BIDEN, TRUMP, HARRIS, VANCE, BLINKEN, RUBIO, PRICE, PSAKI = 1, 2, 3, 4, 5, 6, 7, 8
PEOPLE = [
    KnownSpeaker(
        BIDEN,
        "Joseph R. Biden Jr.",
        family_name="Biden",
        country=US,
        roles=(Term("President of the United States", dt.date(2021, 1, 20), dt.date(2025, 1, 20)),),
    ),
    KnownSpeaker(
        TRUMP,
        "Donald J. Trump",
        family_name="Trump",
        country=US,
        roles=(Term("President of the United States", dt.date(2025, 1, 20)),),
    ),
    KnownSpeaker(HARRIS, "Kamala D. Harris", family_name="Harris", country=US),
    KnownSpeaker(VANCE, "JD Vance", family_name="Vance", country=US),
    KnownSpeaker(
        BLINKEN,
        "Antony J. Blinken",
        family_name="Blinken",
        country=US,
        roles=(Term("Secretary of State", dt.date(2021, 1, 26), dt.date(2025, 1, 20)),),
    ),
    KnownSpeaker(RUBIO, "Marco Rubio", family_name="Rubio", country=US),
    KnownSpeaker(
        PRICE,
        "Ned Price",
        country=US,
        roles=(
            Term("Department Spokesperson", dt.date(2021, 1, 20), dt.date(2023, 3, 31)),
            Term("Deputy to the U.S. Ambassador to the United Nations", dt.date(2023, 4, 1)),
        ),
    ),
    KnownSpeaker(
        PSAKI,
        "Jen Psaki",
        country=US,
        roles=(Term("White House Press Secretary", dt.date(2021, 1, 20), dt.date(2022, 5, 13)),),
    ),
]


def office(name, labels, *terms, publishers=()):
    return KnownOffice(
        name=name,
        label_keys=frozenset(label_key(label) for label in labels),
        terms=tuple(terms),
        country=US,
        publishers=frozenset(publishers),
    )


OFFICES = [
    office(
        "President of the United States",
        ["THE PRESIDENT"],
        (dt.date(2021, 1, 20), dt.date(2025, 1, 20), BIDEN),
        (dt.date(2025, 1, 20), None, TRUMP),
    ),
    office(
        "Vice President of the United States",
        ["THE VICE PRESIDENT"],
        (dt.date(2021, 1, 20), dt.date(2025, 1, 20), HARRIS),
        (dt.date(2025, 1, 20), None, VANCE),
    ),
    office(
        "Secretary of State",
        ["THE SECRETARY"],
        (dt.date(2021, 1, 26), dt.date(2025, 1, 20), BLINKEN),
        (dt.date(2025, 1, 21), None, RUBIO),
        publishers=["state"],
    ),
]


@pytest.fixture
def registry():
    return Registry(PEOPLE, offices=OFFICES, publishers={"state": US, "whitehouse": US})


def resolve(registry, label, text="", title="", header="", day=dt.date(2022, 3, 1), **where):
    context = Context(date=day, title=title, header=header, text=text, **(where or WHITE_HOUSE))
    return registry.resolve_meeting([(label, text)], context)[label]


def who(registry, resolution):
    if resolution.speaker_id is not None:
        return registry.speakers[resolution.speaker_id].name
    return resolution.new.name if resolution.new else None


@pytest.mark.parametrize(
    ("label", "day", "name"),
    [
        ("THE PRESIDENT", dt.date(2022, 3, 1), "Joseph R. Biden Jr."),
        ("THE PRESIDENT", dt.date(2025, 2, 19), "Donald J. Trump"),
        ("THE PRESIDNET", dt.date(2022, 3, 1), "Joseph R. Biden Jr."),  # a typo in the title
        ("THE VICE PRESIDENT", dt.date(2023, 6, 1), "Kamala D. Harris"),
        ("THE VICE PRESIDENT", dt.date(2025, 3, 1), "JD Vance"),
    ],
)
def test_a_generic_title_is_whoever_held_the_office_that_day(registry, label, day, name):
    resolution = resolve(registry, label, day=day)
    assert (resolution.how, who(registry, resolution)) == ("office", name)


def test_the_secretary_is_the_secretary_of_state_only_in_the_state_department_s_transcripts(
    registry,
):
    assert who(registry, resolve(registry, "THE SECRETARY", **STATE)) == "Antony J. Blinken"
    at_the_white_house = resolve(registry, "THE SECRETARY", **WHITE_HOUSE)
    assert at_the_white_house.how == "new" and at_the_white_house.new.review_reason


@pytest.mark.parametrize(
    "label",
    ["SECRETARY BLINKEN", "SECERTARY BLINKEN", "SECRETAR BLINKEN", "Secretary Blinken"],
)
def test_a_label_with_a_typo_in_its_title_is_the_same_person(registry, label):
    resolution = resolve(registry, label)
    assert (resolution.how, who(registry, resolution)) == ("name", "Antony J. Blinken")


def test_a_misspelt_surname_is_the_person_but_a_namesake_is_not(registry):
    assert who(registry, resolve(registry, "SECRETARY BLINKIN")) == "Antony J. Blinken"
    assert resolve(registry, "SECRETARY BLINKIN").how == "fuzzy"
    # Jaime Harrison is not Kamala Harris, nor Mr. Pryce Ned Price.
    assert resolve(registry, "MR. HARRISON").how == "new"


def test_an_honorific_and_a_surname_find_the_person_active_that_day(registry):
    assert who(registry, resolve(registry, "MR. PRICE", **STATE)) == "Ned Price"
    assert who(registry, resolve(registry, "MS. PSAKI")) == "Jen Psaki"
    # Twenty years on, the Press Secretary's surname names no one known.
    assert resolve(registry, "MS. PSAKI", day=dt.date(2045, 1, 1)).how == "new"


def test_a_state_department_header_gives_the_full_name_role_and_country(registry):
    header = "Jalina Porter, Principal Deputy Spokesperson\n\nWashington, DC"
    resolution = resolve(registry, "MS. PORTER", header=header, **STATE)
    new = resolution.new
    assert resolution.how == "evidence"
    assert (new.name, new.role, new.country, new.kind) == (
        "Jalina Porter",
        "Principal Deputy Spokesperson",
        US,
        "official",
    )
    assert not new.review_reason


def test_an_introduction_in_the_text_gives_the_full_name_and_role(registry):
    text = (
        "As you all can see, I’m joined by White House Infrastructure Coordinator\n"
        "Mitch Landrieu, who is joining the President for this trip."
    )
    new = resolve(registry, "MR. LANDRIEU", text=text).new
    assert (new.name, new.role, new.kind, new.country) == (
        "Mitch Landrieu",
        "White House Infrastructure Coordinator",
        "official",
        US,
    )


@pytest.mark.parametrize(
    ("title", "label", "name", "country", "organisation"),
    [
        (
            "Secretary Antony J. Blinken and German Foreign Minister Annalena Baerbock at a "
            "Joint Press Availability",
            "FOREIGN MINISTER BAERBOCK",
            "Annalena Baerbock",
            "Germany",
            "",
        ),
        (
            "Secretary Blinken’s Meeting with Foreign Minister of Kenya Raychelle Omamo",
            "FOREIGN MINISTER OMAMO",
            "Raychelle Omamo",
            "Kenya",
            "",
        ),
        (
            "Remarks by President Biden and NATO Secretary General Jens Stoltenberg",
            "SECRETARY GENERAL STOLTENBERG",
            "Jens Stoltenberg",
            "",
            "NATO",
        ),
        (
            "Remarks by President Biden and President of the European Commission Ursula von "
            "der Leyen",
            "PRESIDENT VON DER LEYEN",
            "Ursula von der Leyen",
            "",
            "European Union",
        ),
    ],
)
def test_a_title_gives_a_foreign_official_s_country_and_an_organisation_is_no_country(
    registry, title, label, name, country, organisation
):
    new = resolve(registry, label, title=title).new
    assert (new.name, new.country, new.organisation, new.kind) == (
        name,
        country,
        organisation,
        "official",
    )


def test_a_role_s_portfolio_is_not_the_speaker_s_country(registry):
    title = "Briefing with Special Envoy for Afghanistan Thomas West"
    new = resolve(registry, "MR. WEST", title=title, **STATE).new
    assert new.role == "Special Envoy for Afghanistan"
    assert new.country == US  # the publisher's official, not Afghanistan's


def test_a_title_with_no_name_finds_the_one_person_the_title_names_so(registry):
    title = (
        "Remarks by President Biden and Prime Minister Kishida of Japan in Joint Press Conference"
    )
    text = "PRIME MINISTER KISHIDA: (As interpreted.) Thank you."
    resolution = resolve(registry, "THE PRIME MINISTER", title=title, text=text)
    assert resolution.new.country == "Japan"
    assert resolve(registry, "PRIME MINISTER KISHIDA", title=title).new.country == "Japan"


def test_a_namesake_mentioned_in_passing_does_not_take_the_label(registry):
    text = "My son Beau Biden served in Iraq."
    assert who(registry, resolve(registry, "PRESIDENT BIDEN", text=text)) == "Joseph R. Biden Jr."


def test_the_title_s_full_name_beats_a_known_namesake(registry):
    """Roy Cooper the governor and Anderson Cooper the anchor are two people."""
    title = "Remarks by President Biden in a CNN Town Hall with Anderson Cooper"
    turns = [("MR. COOPER", f"Question number {n} for you, Mr. President?") for n in range(6)]
    turns += [("THE PRESIDENT", "Well, look.")]
    context = Context(
        date=dt.date(2021, 10, 21), title=title, text="CNN’s Anderson Cooper", **WHITE_HOUSE
    )
    cooper = Registry(PEOPLE, offices=OFFICES).resolve_meeting(turns, context)["MR. COOPER"]
    assert (cooper.new.name, cooper.new.kind, cooper.new.outlet) == (
        "Anderson Cooper",
        "journalist",
        "CNN",
    )


@pytest.mark.parametrize(
    ("label", "speaker_kind", "turn_kind"),
    [
        ("Q", "journalist", "question"),
        ("QUESTION", "journalist", "question"),
        ("MODERATOR", "moderator", "moderation"),
        ("MODERTOR", "moderator", "moderation"),  # a typo
        ("OPERATOR", "moderator", "moderation"),
        ("STAFF", "other", "moderation"),
        ("AIR FORCE ONE CREW MEMBER", "other", "moderation"),
        ("AUDIENCE MEMBER", "other", None),
        ("PARTICIPANT", "other", None),
        ("INTERPRETER", "interpreter", "statement"),
    ],
)
def test_labels_that_name_no_one_give_a_kind_of_speaker_never_an_official(
    registry, label, speaker_kind, turn_kind
):
    resolution = resolve(registry, label)
    assert (resolution.how, resolution.speaker_id, resolution.new) == ("generic", None, None)
    assert (resolution.speaker_kind, resolution.generic_kind) == (speaker_kind, turn_kind)


@pytest.mark.parametrize(
    ("label", "outlet"), [("REUTERS", "Reuters"), ("NHK", "NHK"), ("Politico", "Politico")]
)
def test_a_press_outlet_as_a_label_is_a_journalist_s_question(registry, label, outlet):
    resolution = resolve(registry, label)
    assert (resolution.how, resolution.speaker_kind, resolution.outlet) == (
        "outlet",
        "journalist",
        outlet,
    )


@pytest.mark.parametrize(
    "label",
    [
        "SENIOR ADMINISTRATION OFFICIAL",
        "SENIOR STATE DEPARTMENT OFFICIAL ONE",
        "SENIOR ADMINISTRATION OFFICIAL #2",
        "LOCAL LAW ENFORCEMENT OFFICIAL",
        "WHITE HOUSE OFFICIAL",
    ],
)
def test_an_anonymous_official_is_nobody_known_but_an_official_of_that_meeting(registry, label):
    resolution = resolve(registry, label)
    assert resolution.how == "unidentified" and resolution.new.unidentified
    assert resolution.speaker_kind == "official" and resolution.speaker_id is None


def test_an_interview_s_questions_are_the_interviewer_s_named_in_the_title(registry):
    title = "Secretary Antony J. Blinken With Alejandro Dominguez of Milenio TV"
    turns = [("QUESTION", "Secretary, thank you?"), ("SECRETARY BLINKEN", "Good to be here.")]
    context = Context(date=dt.date(2021, 10, 8), title=title, kind="interview", **STATE)
    plan = registry.resolve_meeting(turns, context)
    interviewer = plan["QUESTION"]
    assert (interviewer.how, interviewer.new.name, interviewer.new.outlet) == (
        "interviewer",
        "Alejandro Dominguez",
        "Milenio TV",
    )
    assert interviewer.speaker_kind == "journalist"
    kinds = turn_kinds(list(plan.values()), registry.speakers, [t for _, t in turns])
    assert kinds == ["question", "answer"]


def test_a_new_person_who_asks_an_official_questions_is_an_interviewer(registry):
    turns = [
        ("MR. SORKIN", "What keeps you up at night?"),
        ("SECRETARY BLINKEN", "Many things."),
        ("MR. SORKIN", "And China?"),
        ("SECRETARY BLINKEN", "China too."),
    ]
    context = Context(date=dt.date(2022, 11, 30), text="Andrew Ross Sorkin", **STATE)
    plan = registry.resolve_meeting(turns, context)
    assert plan["MR. SORKIN"].speaker_kind == "journalist"
    kinds = turn_kinds(
        [plan[label] for label, _ in turns], registry.speakers, [t for _, t in turns]
    )
    assert kinds == ["question", "answer", "question", "answer"]


@pytest.mark.parametrize(
    ("question", "moderator", "outlet"),
    [
        ("Thanks. Said Arikat, Al-Quds. On the Palestinian issue?", "", "Al-Quds"),
        ("Thank you. Bo Erickson here with CBS. Two questions.", "", "CBS News"),
        ("Hi, this is Gabe Rubin from the Wall Street Journal.", "", "The Wall Street Journal"),
        ("Hi there. Thanks for doing this.", "Next question, Humeyra Pamuk of Reuters.", "Reuters"),
        ("Thank you, Karine. Thank you, Admiral.", "", ""),
        ("Thanks, Jake. Two quick questions.", "Go ahead, Mr. Secretary.", ""),
    ],
)
def test_a_question_keeps_the_outlet_its_reporter_names(question, moderator, outlet):
    assert outlet_of_question(question, moderator) == outlet


def test_labels_split_into_title_and_name():
    assert split_label("HOMELAND SECURITY SECRETARY MAYORKAS").title == (
        "homeland security secretary"
    )
    assert split_label("MS. JEAN-PIERRE").name == "jean-pierre"
    assert split_label("MR. WHITE").name == "white"  # a surname, though "White House" is a role
    assert split_label("THE PRESIDENT").name == ""
    assert split_label("Peter Stano, Moderator").role == "Moderator"
    assert split_label("Costa Rica | Representative").country == "Costa Rica"


def test_a_spokesperson_moderates_a_joint_press_conference_by_the_role_held_that_day(registry):
    labels = ["SECRETARY BLINKEN", "MR. PRICE", "QUESTION", "SECRETARY BLINKEN"]
    context = Context(date=dt.date(2022, 10, 13), title="Joint Press Conference", **STATE)
    joint = registry.resolve_meeting([(label, "") for label in labels], context)
    resolutions = [joint[label] for label in labels]
    # Three officials speak: Price, spokesperson in 2022, chairs.
    others = [*resolutions, resolve(registry, "THE PRESIDENT")]
    assert turn_kinds(others, registry.speakers, date=dt.date(2022, 10, 13))[1] == "moderation"
    # As the Deputy to the Ambassador to the UN in 2024, he does not.
    assert turn_kinds(others, registry.speakers, date=dt.date(2024, 1, 5))[1] == "statement"


def test_an_interview_title_names_the_interviewer():
    title = "Secretary Antony J. Blinken With Alejandro Dominguez of Milenio TV"
    assert interviewer_name(title) == ("Alejandro Dominguez", "Milenio TV")
    assert interviewer_name("Secretary Blinken at a Joint Press Availability") is None


def test_near_duplicates_pair_a_surname_alone_and_letter_slips_with_the_full_name():
    people = [
        KnownSpeaker(1, "Karine Jean-Pierre"),
        KnownSpeaker(2, "Ms. Jean-Pierre"),
        KnownSpeaker(3, "Jake Sullivan"),
        KnownSpeaker(4, "Jake Sullivn"),
        KnownSpeaker(5, "Roy Cooper"),
        KnownSpeaker(6, "Anderson Cooper"),
    ]
    pairs = {(first, second) for first, second, _ in near_duplicates(people)}
    assert (1, 2) in pairs and (3, 4) in pairs
    assert (5, 6) not in pairs


def test_an_editor_s_alias_wins_over_every_rule(registry):
    edited = Registry(PEOPLE, [KnownAlias(label_key("MR. PRICE"), PSAKI, source="editor")], OFFICES)
    assert who(edited, resolve(edited, "MR. PRICE", **STATE)) == "Jen Psaki"


@pytest.mark.django_db
def test_the_registry_read_from_the_archive_follows_every_change_to_its_speakers():
    from statements.models import Speaker, SpeakerAlias

    speaker = Speaker.objects.create(name="Ilse Varga", slug="ilse-varga")
    first = Registry.from_database()
    assert first.resolve("MINISTER VARGA").speaker_id == speaker.pk
    assert Registry.from_database() is first  # nothing changed: not built again

    # A rename made by a queryset's update(), which touches no timestamp, is seen all the same.
    Speaker.objects.filter(pk=speaker.pk).update(name="Ilse Varga Orbán", family_name="Varga")
    renamed = Registry.from_database()
    assert renamed is not first
    assert renamed.speakers[speaker.pk].name == "Ilse Varga Orbán"

    label = "HUNGARIAN TRADE ENVOY"
    SpeakerAlias.objects.create(speaker=speaker, label=label, key=label_key(label))
    assert Registry.from_database().resolve("Hungarian Trade Envoy").how == "editor"

    speaker.delete()
    assert Registry.from_database().resolve("MINISTER VARGA").how == "new"

    # A speaker made in a transaction rolled back is not kept either.
    with transaction.atomic():
        Speaker.objects.create(name="Pál Kovács", slug="pal-kovacs")
        assert Registry.from_database().resolve("MINISTER KOVACS").how == "name"
        transaction.set_rollback(True)
    assert Registry.from_database().resolve("MINISTER KOVACS").how == "new"


@pytest.mark.django_db
def test_the_seeded_registry_resolves_the_white_house_s_generic_titles():
    registry = Registry.from_database()
    context = Context(date=dt.date(2022, 6, 1), publisher="whitehouse", publisher_country=US)
    plan = registry.resolve_meeting(
        [("THE PRESIDENT", ""), ("THE PRESS SECRETARY", ""), ("THE FIRST LADY", "")], context
    )
    names = [registry.speakers[r.speaker_id].name for r in plan.values()]
    assert names == ["Joseph R. Biden Jr.", "Karine Jean-Pierre", "Jill Biden"]


@pytest.mark.django_db
def test_the_database_holds_speaker_role_on_as_its_sql_file_defines_it():
    import re
    from pathlib import Path

    from django.db import connection

    from statements import speakers

    text = (Path(speakers.__file__).parent / "sql" / "speaker_role_on.sql").read_text()
    body = re.search(r"AS \$\$(.*)\$\$", text, re.S)[1]
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'speaker_role_on'")
        (stored,) = cursor.fetchone()
    assert " ".join(stored.split()) == " ".join(body.split())


@pytest.mark.django_db
def test_of_two_roles_held_together_the_one_taken_last_is_shown():
    from django.db import connection

    from statements.models import Speaker

    fauci = Speaker.objects.get(name="Anthony S. Fauci")
    day = dt.date(2022, 5, 1)
    assert fauci.role_on(day).title == "Chief Medical Advisor to the President"
    with connection.cursor() as cursor:
        cursor.execute("SELECT speaker_role_on(%s, %s)", [fauci.pk, day])
        assert cursor.fetchone()[0] == "Chief Medical Advisor to the President"
