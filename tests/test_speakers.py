import pytest
from django.db import transaction

from statements.speakers import (
    KnownSpeaker,
    Registry,
    interviewer_name,
    label_key,
    load_officials,
    split_label,
    turn_kinds,
)


@pytest.fixture
def registry():
    officials = load_officials()
    return Registry(
        [
            KnownSpeaker(
                id=number,
                name=official["name"],
                role=official["role"],
                kind=official["kind"],
                alias_keys=tuple(label_key(label) for label in official["labels"]),
            )
            for number, official in enumerate(officials, start=1)
        ]
        + [KnownSpeaker(id=99, name="Benjamin Netanyahu", role="Prime Minister of Israel")]
    )


def name_of(registry, label):
    resolution = registry.resolve(label)
    return resolution.how, registry.speakers[resolution.speaker_id].name


@pytest.mark.parametrize(
    ("label", "how", "name"),
    [
        ("FOREIGN SECRETARY BÁRCENA", "alias", "Alicia Bárcena Ibarra"),
        ("FOREIGN SECRETARY BARCENA", "alias", "Alicia Bárcena Ibarra"),
        ("Foreign Secretary Barcena", "alias", "Alicia Bárcena Ibarra"),
        ("FOREIGN\u00a0SECRETARY  EBRARD", "alias", "Marcelo Ebrard Casaubón"),
        ("SECRETARY MAYORKAS", "alias", "Alejandro N. Mayorkas"),
        ("HOMELAND SECURITY SECRETARY MAYORKAS", "alias", "Alejandro N. Mayorkas"),
        ("SECURITY SECRETARY Rodríguez", "alias", "Rosa Icela Rodríguez Velázquez"),
        ("MR. PRICE", "alias", "Ned Price"),
        ("SECRETARY RODRIGUEZ", "name", "Rosa Icela Rodríguez Velázquez"),
        ("PRIME MININSTER NETANYAHU", "name", "Benjamin Netanyahu"),
        ("PRIME MINISTER NETANYAHOU", "fuzzy", "Benjamin Netanyahu"),
        ("SECRETARY BLINKIN", "fuzzy", "Antony J. Blinken"),
    ],
)
def test_it_resolves_the_spellings_of_one_official(registry, label, how, name):
    assert name_of(registry, label) == (how, name)


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("QUESTION", "question"),
        ("Question", "question"),
        ("Q", "question"),
        ("MODERATOR", "moderation"),
        ("PARTICIPANT", "statement"),
        ("STAFF", "moderation"),
        ("INTERPRETER", "statement"),
        ("Politico", "question"),
    ],
)
def test_generic_labels_name_no_person_but_give_a_kind(registry, label, kind):
    resolution = registry.resolve(label)
    assert (resolution.speaker_id, resolution.generic_kind, resolution.is_person) == (
        None,
        kind,
        False,
    )


def test_labels_split_into_title_and_name():
    assert split_label("HOMELAND SECURITY SECRETARY MAYORKAS").title == (
        "homeland security secretary"
    )
    assert split_label("MS. JEAN-PIERRE").name == "jean-pierre"
    assert split_label("MR PRICE").name == "price"
    assert split_label("THE PRESIDENT").name == ""
    assert split_label("Peter Stano, Moderator").role == "Moderator"
    assert split_label("Costa Rica | Representative").country == "Costa Rica"


@pytest.mark.parametrize(
    ("label", "suggested"),
    [
        ("Peter Stano, Moderator", ("Peter Stano", "Moderator", "", "moderator")),
        (
            "Costa Rica | Representative",
            ("Representative of Costa Rica", "Representative", "Costa Rica", "official"),
        ),
        (
            "DEPUTY SECRETARY SHERMAN",
            ("Deputy Secretary Sherman", "Deputy Secretary", "", "official"),
        ),
        ("MS. JEAN-PIERRE", ("Ms. Jean-Pierre", "", "", "official")),
    ],
)
def test_an_unknown_label_suggests_a_new_speaker(registry, label, suggested):
    resolution = registry.resolve(label)
    assert resolution.how == "new"
    fields = resolution.suggested_speaker()
    assert (fields["name"], fields["role"], fields["country"], fields["kind"]) == suggested


def test_an_interview_title_names_the_interviewer(registry):
    title = "Secretary Antony J. Blinken With Alejandro Dominguez of Milenio TV"
    assert interviewer_name(title) == ("Alejandro Dominguez", "Milenio TV")
    assert registry.speakers[registry.find_person("Alejandro Dominguez")].name == (
        "Alejandro Domínguez"
    )
    assert interviewer_name("Secretary Blinken at a Joint Press Availability") is None


def test_suggestions_put_the_closest_name_first(registry):
    first = registry.suggestions("SECRETARY BARCENAS")[0]
    assert registry.speakers[first].name == "Alicia Bárcena Ibarra"


def test_spokespeople_moderate_a_joint_press_conference_but_answer_alone(registry):
    labels = ["SECRETARY BLINKEN", "FOREIGN SECRETARY EBRARD", "MR PRICE", "QUESTION"]
    labels += ["SECRETARY BLINKEN", "ATTORNEY GENERAL GARLAND"]
    joint = [registry.resolve(label) for label in labels]
    assert turn_kinds(joint, registry.speakers) == [
        "statement",
        "statement",
        "moderation",
        "question",
        "answer",
        "answer",
    ]
    alone = [registry.resolve(label) for label in ["MR PRICE", "QUESTION", "MR PRICE"]]
    assert turn_kinds(alone, registry.speakers) == ["statement", "question", "answer"]


@pytest.mark.django_db
def test_the_registry_read_from_the_archive_follows_every_change_to_its_speakers():
    from statements.models import Speaker, SpeakerAlias

    speaker = Speaker.objects.create(name="Ilse Varga", slug="ilse-varga")
    first = Registry.from_database()
    assert first.resolve("MINISTER VARGA").speaker_id == speaker.pk
    assert Registry.from_database() is first  # nothing changed: not built again

    # A rename made by a queryset's update(), which touches no timestamp, is seen all the same.
    Speaker.objects.filter(pk=speaker.pk).update(name="Ilse Varga Orbán")
    renamed = Registry.from_database()
    assert renamed is not first
    assert renamed.speakers[speaker.pk].name == "Ilse Varga Orbán"

    label = "HUNGARIAN TRADE ENVOY"
    SpeakerAlias.objects.create(speaker=speaker, label=label, key=label_key(label))
    assert Registry.from_database().resolve("Hungarian Trade Envoy").how == "alias"

    speaker.delete()
    assert Registry.from_database().resolve("MINISTER VARGA").how == "new"

    # A speaker made in a transaction rolled back is not kept either.
    with transaction.atomic():
        Speaker.objects.create(name="Pál Kovács", slug="pal-kovacs")
        assert Registry.from_database().resolve("MINISTER KOVACS").how == "name"
        transaction.set_rollback(True)
    assert Registry.from_database().resolve("MINISTER KOVACS").how == "new"
