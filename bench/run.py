"""The benchmark: search latency through the real code path, its SQL floor, and ingest speed.

Every search goes through `search.run()` exactly as the page and `/api/search` call it, parameters
validated by the same FilterSet; the page rows go through the whole Django stack with the test
client. Beside each search the bare SQL floor is timed: the GIN lookup plus one grouped count over
the same rows, the least any search for the same thing could do. Its counts also check the app's:
an exact total must equal the floor's, and an estimate must say it is one.

Ingest is timed on the sample transcripts and on a batch of synthetic ones, through `ingest()` in
a `batch()` as `manage.py ingest` calls it, and on the samples one at a time as the admin's upload
does, each in a transaction rolled back at the end, so the archive is left as it was.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.http import QueryDict
from django.test import Client
from django.test.utils import override_settings

from statements import search, topics
from statements.filters import UtteranceFilter
from statements.ingest import MeetingInfo, batch, content_hash, ingest
from statements.management.commands.synth import Lexicon, Synthesizer, create_speakers
from statements.models import Meeting, Speaker, Tagging, Topic, Utterance

# A name from the synthetic archive's long tail: about 35 utterances in a million say it.
RARE_RANK = 3_000
WORDS = {
    "rare": Lexicon.word(RARE_RANK),
    "medium": "vehicles",  # about 1% of utterances
    "common": "security",  # about a quarter of them
    "phrase": '"rule of law"',
}
SAMPLES = settings.BASE_DIR / "samples" / "transcripts"


@dataclass
class Filters:
    """The filters combined with each word: the busiest speaker, the most used topic, and the
    last five years. Each is the heaviest of its kind, so the figures are not flattered."""

    speaker: Speaker
    topic: Topic
    date_from: dt.date
    date_to: dt.date

    @classmethod
    def choose(cls) -> Filters:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT speaker_id FROM statements_utterance WHERE speaker_id IS NOT NULL "
                "GROUP BY speaker_id ORDER BY count(*) DESC, speaker_id LIMIT 1"
            )
            speaker_id = cursor.fetchone()[0]
            cursor.execute(
                "SELECT topic_id FROM statements_tagging "
                "GROUP BY topic_id ORDER BY count(*) DESC, topic_id LIMIT 1"
            )
            topic_id = cursor.fetchone()[0]
        last = Meeting.objects.order_by("-date").values_list("date", flat=True).first()
        return cls(
            speaker=Speaker.objects.get(pk=speaker_id),
            topic=Topic.objects.get(pk=topic_id),
            date_from=last.replace(year=last.year - 5) + dt.timedelta(days=1),
            date_to=last,
        )


@dataclass
class Query:
    """One kind of search: its parameters for the app, and the same search as bare SQL."""

    name: str
    params: dict[str, str]
    floor_sql: str
    floor_params: list


def queries(filters: Filters, words: dict[str, str] = WORDS) -> list[Query]:
    """The fixed mix: each word alone and with each filter, then each filter alone."""
    with_filter = {
        "": ({}, [], []),
        "speaker": (
            {"speaker": filters.speaker.slug},
            ["u.speaker_id = %s"],
            [filters.speaker.pk],
        ),
        "topic": (
            {"topic": filters.topic.slug},
            [
                "EXISTS (SELECT 1 FROM statements_tagging AS t "
                "WHERE t.utterance_id = u.id AND t.topic_id = %s)"
            ],
            [filters.topic.pk],
        ),
        "date": (
            {"date_from": filters.date_from.isoformat(), "date_to": filters.date_to.isoformat()},
            ["u.meeting_id IN (SELECT id FROM statements_meeting WHERE date BETWEEN %s AND %s)"],
            [filters.date_from, filters.date_to],
        ),
    }
    mix = []
    for kind, words_ in words.items():
        for name, (params, where, where_params) in with_filter.items():
            mix.append(
                _query(
                    f"{kind} + {name}" if name else kind,
                    {"q": words_, **params},
                    ["u.search_vector @@ archive_query(%s)", *where],
                    [words_, *where_params],
                )
            )
    for name, (params, where, where_params) in with_filter.items():
        if name:
            mix.append(_query(f"{name} alone", params, where, where_params))
    return mix


def _query(name: str, params: dict, where: list[str], where_params: list) -> Query:
    sql = (
        "SELECT u.speaker_id, count(*) FROM statements_utterance AS u "
        f"WHERE {' AND '.join(where)} GROUP BY u.speaker_id"
    )
    return Query(name, params, sql, where_params)


@dataclass
class Timing:
    name: str
    app_ms: list[float] = field(default_factory=list)
    floor_ms: list[float] = field(default_factory=list)
    total: int | None = None
    floor_total: int | None = None
    estimate: bool = False

    @property
    def p50(self) -> float:
        return percentile(self.app_ms, 50)

    @property
    def p95(self) -> float:
        return percentile(self.app_ms, 95)

    @property
    def ratio(self) -> float | None:
        """The app's median over the floor's."""
        if not self.floor_ms:
            return None
        return self.p50 / max(percentile(self.floor_ms, 50), 0.001)

    def summary(self) -> dict:
        return {
            "name": self.name,
            "p50_ms": round(self.p50, 2),
            "p95_ms": round(self.p95, 2),
            "floor_p50_ms": round(percentile(self.floor_ms, 50), 2) if self.floor_ms else None,
            "floor_p95_ms": round(percentile(self.floor_ms, 95), 2) if self.floor_ms else None,
            "ratio": round(self.ratio, 2) if self.ratio is not None else None,
            "total": self.total,
            "floor_total": self.floor_total,
            "estimate": self.estimate,
            "estimate_error": (
                round(abs(self.total - self.floor_total) / self.floor_total, 3)
                if self.estimate and self.floor_total
                else None
            ),
            "samples": len(self.app_ms),
        }


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile, interpolated (p95 of 20 runs lies between the two slowest)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def search_once(params: dict[str, str], page: int = 1) -> search.Results:
    """What the views do: validate the parameters with the FilterSet, then `search.run()`."""
    data = QueryDict(mutable=True)
    data.update(params)
    filterset = UtteranceFilter(data, queryset=Utterance.objects.none())
    if not filterset.is_valid():
        raise ValueError(f"Invalid benchmark parameters {params}: {filterset.form.errors}")
    return search.run(filterset, page)


def floor_once(query: Query) -> int:
    with connection.cursor() as cursor:
        cursor.execute(query.floor_sql, query.floor_params)
        return sum(count for _, count in cursor.fetchall())


def _timed(function: Callable, *args):
    started = time.perf_counter()
    value = function(*args)
    return value, (time.perf_counter() - started) * 1000


def time_searches(mix: list[Query], repeat: int) -> list[Timing]:
    """Each query once to warm up, then `repeat` rounds through the whole mix."""
    timings = {query.name: Timing(query.name) for query in mix}
    for round_ in range(repeat + 1):
        for query in mix:
            timing = timings[query.name]
            results, app_ms = _timed(search_once, query.params)
            floor_total, floor_ms = _timed(floor_once, query)
            timing.total, timing.floor_total = int(results.total), floor_total
            timing.estimate = results.total_is_estimate
            if round_:
                timing.app_ms.append(app_ms)
                timing.floor_ms.append(floor_ms)
    return list(timings.values())


def time_pages(words: dict[str, str], filters: Filters, repeat: int) -> list[Timing]:
    """The whole page, through middleware, view and template, for a medium and a common word;
    the front page, which shows the archive at a glance; and the pages that browse it, for the
    busiest speaker and the most tagged topic."""
    pages = [
        ("page: medium word", "/", {"q": words["medium"]}),
        ("page: very common word", "/", {"q": words["common"]}),
        ("api: very common word", "/api/search", {"q": words["common"]}),
        ("front page", "/", {}),
        ("meetings list", "/meetings/", {}),
        ("topic page", filters.topic.get_absolute_url(), {}),
        ("speaker page", filters.speaker.get_absolute_url(), {}),
    ]
    client = Client()
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    timings = [Timing(name) for name, _, _ in pages]
    with (
        override_settings(ALLOWED_HOSTS=["testserver"], STORAGES=storages),
        warnings.catch_warnings(),
    ):
        # Without collectstatic there is no staticfiles/ folder; the pages need none.
        warnings.filterwarnings("ignore", "No directory at")
        for round_ in range(repeat + 1):
            for timing, (_, path, params) in zip(timings, pages, strict=True):
                response, ms = _timed(client.get, path, params)
                if response.status_code != 200:
                    raise RuntimeError(f"{path} {params} answered {response.status_code}")
                if round_:
                    timing.app_ms.append(ms)
    return timings


class _RolledBack(Exception):
    pass


def time_ingest(
    transcripts: list[tuple[str, MeetingInfo]],
    prepare: Callable | None = None,
    batched: bool = True,
):
    """Ingest these transcripts through `ingest()`, in one `batch()` or one by one, timed, then
    roll everything back.

    Transcripts already in the archive are deleted first (inside the rolled-back transaction), so
    they are really ingested. The time `topics.retag()` takes is measured on the side.
    """
    measured = {}
    retag = topics.retag
    spent_tagging = [0.0]

    def timed_retag(*args, **kwargs):
        started = time.perf_counter()
        try:
            return retag(*args, **kwargs)
        finally:
            spent_tagging[0] += time.perf_counter() - started

    try:
        with transaction.atomic():
            Meeting.objects.filter(
                content_hash__in=[content_hash(text) for text, _ in transcripts]
            ).delete()
            if prepare:
                prepare()
            topics.retag = timed_retag
            try:
                started = time.perf_counter()
                if batched:
                    with batch() as ingesting:
                        results = [
                            ingest(text, info, batch=ingesting) for text, info in transcripts
                        ]
                else:
                    results = [ingest(text, info) for text, info in transcripts]
                seconds = time.perf_counter() - started
                utterances = sum(result.utterances for result in results)
            finally:
                topics.retag = retag
            measured = {
                "transcripts": len(transcripts),
                "utterances": utterances,
                "seconds": round(seconds, 3),
                "utterances_per_second": round(utterances / seconds, 1),
                "retag_seconds": round(spent_tagging[0], 3),
            }
            raise _RolledBack
    except _RolledBack:
        pass
    return measured


def sample_transcripts() -> list[tuple[str, MeetingInfo]]:
    transcripts = []
    for path in sorted(SAMPLES.glob("*.txt")):
        fields = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        date = dt.date.fromisoformat(fields.pop("date"))
        info = MeetingInfo(**{k: v or "" for k, v in fields.items()}, date=date)
        transcripts.append((path.read_text(encoding="utf-8"), info))
    return transcripts


def synthetic_transcripts(utterances: int, seed: int = 1) -> tuple[list, Callable]:
    """Synthetic transcripts of about `utterances` turns, as text for `ingest()`, and a function
    that registers their speakers (as an archive knows its regular officials) before ingest."""
    taken = {name.split()[-1].lower() for name in Speaker.objects.values_list("name", flat=True)}
    synthesizer = Synthesizer(seed, utterances, taken, slugs=set())
    plans, planned = [], 0
    while planned < utterances:
        plans.append(synthesizer.planner.plan())
        planned += len(plans[-1].turns)

    transcripts = []

    def prepare():
        create_speakers(synthesizer.cast)
        synthesizer.register()
        for plan in plans:
            written = synthesizer.write(plan, meeting_id=0, first_utterance_id=0)
            info = MeetingInfo(
                title=plan.title,
                date=plan.date,
                kind=plan.kind,
                location=plan.location,
                series=plan.series,
            )
            transcripts.append((written.meeting[9], info))

    return transcripts, prepare


def time_command_ingest(utterances: int, workers: int, seed: int = 1) -> dict:
    """`manage.py ingest --workers N` on a directory of synthetic transcripts, timed; then the
    meetings and speakers it made are deleted. Its workers commit, each on its own connection,
    so this cannot run inside a transaction (nor the test suite's)."""
    taken = set(Speaker.objects.values_list("pk", flat=True))
    transcripts, prepare = synthetic_transcripts(utterances, seed=seed)
    prepare()
    hashes = [content_hash(text) for text, _ in transcripts]
    try:
        with tempfile.TemporaryDirectory() as folder:
            for number, (text, info) in enumerate(transcripts):
                path = Path(folder) / f"{number:05}.txt"
                path.write_text(text, encoding="utf-8")
                sidecar = {**asdict(info), "date": info.date.isoformat()}
                path.with_suffix(".json").write_text(json.dumps(sidecar), encoding="utf-8")
            started = time.perf_counter()
            call_command("ingest", folder, workers=workers, verbosity=0, stdout=io.StringIO())
            seconds = time.perf_counter() - started
        written = Utterance.objects.filter(meeting__content_hash__in=hashes).count()
    finally:
        Meeting.objects.filter(content_hash__in=hashes).delete()
        Speaker.objects.exclude(pk__in=taken).delete()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM statements_meeting, statements_utterance, statements_tagging")
    return {
        "transcripts": len(transcripts),
        "utterances": written,
        "workers": workers,
        "seconds": round(seconds, 3),
        "utterances_per_second": round(written / seconds, 1),
    }


def run(
    repeat: int = 20,
    synth_batch: int = 2_000,
    ingest_runs: int = 3,
    command_batch: int = 20_000,
    workers: int = 2,
) -> dict:
    """The whole benchmark, as a dictionary ready for JSON."""
    counts = {
        "utterances": Utterance.objects.count(),
        "meetings": Meeting.objects.count(),
        "speakers": Speaker.objects.count(),
        "taggings": Tagging.objects.count(),
    }
    filters = Filters.choose()
    searches = time_searches(queries(filters), repeat)
    pages = time_pages(WORDS, filters, max(3, repeat // 2))

    samples = [time_ingest(sample_transcripts()) for _ in range(ingest_runs)]
    one_by_one = [time_ingest(sample_transcripts(), batched=False) for _ in range(ingest_runs)]
    synthetic = []
    if synth_batch:
        for run_ in range(ingest_runs):
            transcripts, prepare = synthetic_transcripts(synth_batch, seed=run_ + 1)
            synthetic.append(time_ingest(transcripts, prepare))
    command = []
    if not connection.in_atomic_block:
        # The rolled-back ingests left dead rows and GIN pending entries behind.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM statements_meeting, statements_utterance, statements_tagging")
        if command_batch:
            command = [
                time_command_ingest(command_batch, workers, seed=run_ + 1)
                for run_ in range(ingest_runs)
            ]

    return {
        "database": connection.settings_dict["NAME"],
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        **counts,
        "repeat": repeat,
        "words": WORDS,
        "filters": {
            "speaker": filters.speaker.slug,
            "topic": filters.topic.slug,
            "date_from": filters.date_from.isoformat(),
            "date_to": filters.date_to.isoformat(),
        },
        "searches": [timing.summary() for timing in searches],
        "pages": [timing.summary() for timing in pages],
        "ingest": {
            "samples": _median_run(samples),
            "samples one by one": _median_run(one_by_one),
            "synthetic": _median_run(synthetic) if synthetic else None,
            "command": _median_run(command) if command else None,
        },
    }


def _median_run(runs: list[dict]) -> dict:
    """The run with the median rate, with every run's rate beside it."""
    ordered = sorted(runs, key=lambda r: r["utterances_per_second"])
    return {**ordered[len(ordered) // 2], "runs": [r["utterances_per_second"] for r in runs]}


def table(result: dict) -> str:
    lines = [
        f"{result['database']}: {result['utterances']:,} utterances, {result['meetings']:,} "
        f"meetings, {result['taggings']:,} taggings; {result['repeat']} runs each",
        "",
        f"{'query':<24}{'p50 ms':>9}{'p95 ms':>9}{'floor p50':>11}{'app/floor':>11}{'total':>10}",
    ]
    for row in [*result["searches"], *result["pages"]]:
        floor = f"{row['floor_p50_ms']:.1f}" if row["floor_p50_ms"] is not None else "-"
        ratio = f"{row['ratio']:.1f}x" if row["ratio"] is not None else "-"
        total = "-" if row["total"] is None else f"{'~' if row['estimate'] else ''}{row['total']:,}"
        lines.append(
            f"{row['name']:<24}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}{floor:>11}{ratio:>11}"
            f"{total:>10}"
        )
    lines.append("")
    for name, measured in result["ingest"].items():
        if not measured:
            continue
        if name == "command":
            name, how = f"command, {measured['workers']} workers", "(files, committed)"
        else:
            how = f"(retag {100 * measured['retag_seconds'] / measured['seconds']:.0f}% of it)"
        lines.append(
            f"ingest {name:<24} {measured['utterances']:>6} utterances "
            f"{measured['utterances_per_second']:>8,.0f}/s  {how}"
        )
    return "\n".join(lines)


def write(result: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
