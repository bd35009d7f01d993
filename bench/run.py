"""The benchmark: search latency through the real code path, how exact its answers are, and
ingest speed with the search index kept in step.

Every search goes through `search.run()` exactly as the page and `/api/search` call it, parameters
validated by the same FilterSet; the page rows go through the whole Django stack with the test
client. Each kind of search is then checked once against exact SQL over the record (`exactness()`):
its total; each facet's shown counts and its true top values; and whether its relevance page is
the top of every match ranked. PostgreSQL's own full-text count for the same words is printed
beside, for comparison (its stemming and its phrases differ: see README.md).

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

from statements import query as box
from statements import search, search_index, topics
from statements.filters import UtteranceFilter
from statements.ingest import MeetingInfo, batch, content_hash, ingest
from statements.management.commands.synth import Lexicon, Synthesizer, create_speakers
from statements.models import Meeting, Speaker, Tagging, Topic, Utterance, Word

# A name from the synthetic archive's long tail: about 35 utterances in a million say it.
RARE_RANK = 3_000
WORDS = {
    "rare": Lexicon.word(RARE_RANK),
    "medium": "vehicles",  # about 1% of utterances
    "common": "security",  # about a quarter of them
    "phrase": '"rule of law"',
}
SAMPLES = settings.BASE_DIR / "samples" / "transcripts"


def words() -> dict[str, str]:
    """The mix's words for this archive. A synthetic archive says the rare name; an archive of
    real text (the shared corpus alone) does not, and a word it never says would time the
    did-you-mean path instead: there "rare" is the archive's own word said by about as few
    utterances (35 in a million, at least 5)."""
    chosen = dict(WORDS)
    if not Word.objects.filter(word=WORDS["rare"].lower(), documents__gt=0).exists():
        fewest = max(5, round(Utterance.objects.count() * 35 / 1_000_000))
        real = (
            Word.objects.filter(documents__gte=fewest, word__regex=r"^[a-z]{6,}$")
            .order_by("documents", "word")
            .values_list("word", flat=True)
            .first()
        )
        if real:
            chosen["rare"] = real
    return chosen


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
    """One kind of search: its parameters for the app, and its filters as SQL conditions on the
    utterances `u`, by the facet each belongs to (None for the date range, which none ignores)."""

    name: str
    params: dict[str, str]
    conditions: list[tuple[str | None, str, list]]


def queries(filters: Filters, words: dict[str, str] = WORDS) -> list[Query]:
    """The fixed mix: each word alone and with each filter, then each filter alone."""
    with_filter = {
        "": ({}, []),
        "speaker": (
            {"speaker": filters.speaker.slug},
            [("speaker", "u.speaker_id = %s", [filters.speaker.pk])],
        ),
        "topic": (
            {"topic": filters.topic.slug},
            [
                (
                    "topic",
                    "EXISTS (SELECT 1 FROM statements_tagging AS t "
                    "WHERE t.utterance_id = u.id AND t.topic_id = %s)",
                    [filters.topic.pk],
                )
            ],
        ),
        "date": (
            {"date_from": filters.date_from.isoformat(), "date_to": filters.date_to.isoformat()},
            [(None, "u.date BETWEEN %s AND %s", [filters.date_from, filters.date_to])],
        ),
    }
    mix = []
    for kind, words_ in words.items():
        for name, (params, conditions) in with_filter.items():
            mix.append(
                Query(f"{kind} + {name}" if name else kind, {"q": words_, **params}, conditions)
            )
    for name, (params, conditions) in with_filter.items():
        if name:
            mix.append(Query(f"{name} alone", params, conditions))
    return mix


@dataclass
class Timing:
    name: str
    app_ms: list[float] = field(default_factory=list)
    total: int | None = None
    exact: dict | None = None  # exactness()

    @property
    def p50(self) -> float:
        return percentile(self.app_ms, 50)

    @property
    def p95(self) -> float:
        return percentile(self.app_ms, 95)

    def summary(self) -> dict:
        return {
            "name": self.name,
            "p50_ms": round(self.p50, 2),
            "p95_ms": round(self.p95, 2),
            "total": self.total,
            **(self.exact or {}),
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
    return search.run(filterset.params(page))


def _timed(function: Callable, *args):
    started = time.perf_counter()
    value = function(*args)
    return value, (time.perf_counter() - started) * 1000


def time_searches(mix: list[Query], repeat: int) -> list[Timing]:
    """Each query once to warm up, then `repeat` rounds through the whole mix; then each is
    checked once against exact SQL."""
    timings = {query.name: Timing(query.name) for query in mix}
    for round_ in range(repeat + 1):
        for query in mix:
            timing = timings[query.name]
            results, app_ms = _timed(search_once, query.params)
            timing.total = results.total
            if round_:
                timing.app_ms.append(app_ms)
    for query in mix:
        timings[query.name].exact = exactness(query)
    return list(timings.values())


# The facets checked: what gives an utterance's value of each, what it joins for it, and which
# rows have one (a turn's topics are several; only an official's turn counts for an official).
FACET_SQL = {
    "speaker": (
        "u.speaker_id::text",
        "",
        "u.speaker_id IS NOT NULL AND u.speaker_kind = 'official'",
    ),
    "speaker_kind": ("u.speaker_kind", "", "TRUE"),
    "country": (
        "s.country",
        "JOIN statements_speaker AS s ON s.id = u.speaker_id",
        "s.country <> ''",
    ),
    "topic": ("t.topic_id::text", "JOIN statements_tagging AS t ON t.utterance_id = u.id", "TRUE"),
    "year": ("extract(year FROM u.date)::integer::text", "", "TRUE"),
    "meeting": ("u.meeting_id::text", "", "TRUE"),
    "kind": ("u.kind", "", "TRUE"),
    "interpreted": ("CASE WHEN u.via_interpreter THEN 'yes' ELSE 'no' END", "", "TRUE"),
}
SHOWN_TOP = search.FACET_LIMIT


def exactness(query: Query) -> dict:
    """The search's answers against exact SQL over the record.

    The utterances that have the words are taken from the index once (all of them, not a page),
    and everything else is counted from PostgreSQL: each facet with every filter but its own,
    as the page counts it. Reported: whether the total equals SQL's; the worst relative error of
    a facet count shown, and how many of a facet's true top values (FACET_LIMIT, ties aside) are
    not listed; whether the relevance page is the top of every match ranked by the same BM25
    (ties aside); and PostgreSQL's own full-text count of the words, for the words alone."""
    results = search_once(query.params)
    words = search.compile_words(box.read(query.params.get("q", ""))).query
    searcher = search_index.searcher()
    with transaction.atomic(), connection.cursor() as cursor:
        rows = "statements_utterance AS u"
        if words is not None:
            everything = searcher.search(words, limit=max(1, search.count(searcher, words)))
            ids = searcher.fast_field_values("id", [a for _, a in everything.hits])
            cursor.execute("DROP TABLE IF EXISTS bench_words")
            cursor.execute("CREATE TEMPORARY TABLE bench_words (id bigint) ON COMMIT DROP")
            with cursor.copy("COPY bench_words (id) FROM STDIN") as copy:
                for pk in ids:
                    copy.write_row((pk,))
            cursor.execute("ANALYZE bench_words")
            rows = "statements_utterance AS u JOIN bench_words AS w ON w.id = u.id"

        def where(ignored: str | None) -> tuple[str, list]:
            kept = [
                (sql, p) for facet, sql, p in query.conditions if facet is None or facet != ignored
            ]
            text = " AND ".join(sql for sql, _ in kept) or "TRUE"
            return text, [value for _, p in kept for value in p]

        text, params = where(None)
        cursor.execute(f"SELECT count(*) FROM {rows} WHERE {text}", params)
        sql_total = cursor.fetchone()[0]
        worst, missing = 0.0, 0
        for name, (value, join, has) in FACET_SQL.items():
            text, params = where(name)
            cursor.execute(
                f"SELECT {value}, count(*) FROM {rows} {join} WHERE {has} AND {text} GROUP BY 1",
                params,
            )
            exact = dict(cursor.fetchall())
            shown = _raw_values(results.facets[name])
            for value, count in shown.items():
                if count or exact.get(value):
                    worst = max(
                        worst, abs(count - exact.get(value, 0)) / max(exact.get(value, 0), 1)
                    )
            if name in ("speaker", "country", "meeting"):
                ranked = sorted(exact.values(), reverse=True)
                if len(ranked) > SHOWN_TOP:
                    floor = ranked[SHOWN_TOP - 1]
                    must = {v for v, c in exact.items() if c > floor}
                else:
                    must = set(exact)
                missing += len(must - set(shown))
        pg_total = None
        if query.params.get("q") and not query.conditions:
            # Read row by row: the vectors have no index since migration 0021.
            text, params = where(None)
            cursor.execute(
                "SELECT count(*) FROM statements_utterance AS u "
                f"WHERE u.search_vector @@ archive_query(%s) AND {text}",
                [query.params["q"], *params],
            )
            pg_total = cursor.fetchone()[0]
    top_exact = _top_is_exact(searcher, query, words) if words is not None else None
    return {
        "sql_total": sql_total,
        "total_exact": results.total == sql_total,
        "facet_worst_error": round(worst, 4),
        "facet_top_missing": missing,
        "top20_exact": top_exact,
        "postgres_fts_total": pg_total,
    }


def _raw_values(facet: search.Facet) -> dict[str, int]:
    """A facet's shown counts by the value SQL names them by (ids for named rows)."""
    if facet.name in ("speaker", "topic", "meeting"):
        model = {"speaker": Speaker, "topic": Topic, "meeting": Meeting}[facet.name]
        ids = dict(
            model.objects.filter(slug__in=[v.value for v in facet.values]).values_list("slug", "pk")
        )
        return {str(ids[v.value]): v.count for v in facet.values}
    return {v.value: v.count for v in facet.values}


def _top_is_exact(searcher, query: Query, words) -> bool:
    """Whether the relevance page is the top PAGE_SIZE of every match, all of them scored by the
    same BM25 and sorted here (a tie at the page's edge may go either way)."""
    params = search.SearchParams(
        q=query.params["q"],
        chosen={name: tuple(str(v) for v in values) for name, values in _chosen(query).items()},
        date_from=dt.date.fromisoformat(query.params["date_from"])
        if "date_from" in query.params
        else None,
        date_to=dt.date.fromisoformat(query.params["date_to"])
        if "date_to" in query.params
        else None,
    )
    combined = search.combined(words, search.filter_queries(params).values())
    total = search.count(searcher, combined)
    if not total:
        return True
    everything = searcher.search(combined, limit=total)
    scored = sorted(
        zip(
            [score for score, _ in everything.hits],
            searcher.fast_field_values("id", [a for _, a in everything.hits]),
            strict=True,
        ),
        key=lambda pair: -pair[0],
    )
    top = scored[: search.PAGE_SIZE]
    edge = top[-1][0]
    page = [hit.utterance.pk for hit in search_once({**query.params, "sort": "relevance"}).hits]
    sure = {pk for score, pk in top if score > edge}
    tied = {pk for score, pk in scored if score == edge}
    return sure <= set(page) and set(page) <= sure | tied and len(page) == len(top)


def _chosen(query: Query) -> dict[str, list]:
    chosen = {}
    if "speaker" in query.params:
        chosen["speaker"] = [Speaker.objects.get(slug=query.params["speaker"]).pk]
    if "topic" in query.params:
        chosen["topic"] = [Topic.objects.get(slug=query.params["topic"]).pk]
    return chosen


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
    they are really ingested. The time `topics.retag()` takes is measured on the side. The search
    index is synced as a commit would sync it (inside the timing: `sync_seconds` of it); after
    the rollback, the utterances it touched are synced again, so the index agrees with the
    archive as it was.
    """
    measured = {}
    touched: list[int] = []
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
            again = Meeting.objects.filter(
                content_hash__in=[content_hash(text) for text, _ in transcripts]
            )
            touched += Utterance.objects.filter(meeting__in=again).values_list("pk", flat=True)
            again.delete()
            search_index.sync()
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
                syncing = time.perf_counter()
                search_index.sync()
                seconds = time.perf_counter() - started
                sync_seconds = time.perf_counter() - syncing
                touched += Utterance.objects.filter(
                    meeting__in=[result.meeting.pk for result in results]
                ).values_list("pk", flat=True)
                utterances = sum(result.utterances for result in results)
            finally:
                topics.retag = retag
            measured = {
                "transcripts": len(transcripts),
                "utterances": utterances,
                "seconds": round(seconds, 3),
                "utterances_per_second": round(utterances / seconds, 1),
                "retag_seconds": round(spent_tagging[0], 3),
                "sync_seconds": round(sync_seconds, 3),
            }
            raise _RolledBack
    except _RolledBack:
        pass
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO statements_searchoutbox (utterance_id) SELECT unnest(%s::bigint[])",
            [touched],
        )
    search_index.sync()
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
        search_index.sync()
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
    rebuild_index: bool = False,
) -> dict:
    """The whole benchmark, as a dictionary ready for JSON. With `rebuild_index`, the search
    index is first made anew from the database, timed."""
    index = {}
    if rebuild_index:
        started = time.perf_counter()
        search_index.rebuild()
        index["rebuild_seconds"] = round(time.perf_counter() - started, 1)
    else:
        search_index.sync()
    index["megabytes"] = round(
        sum(f.stat().st_size for f in search_index.path().rglob("*") if f.is_file()) / 1e6, 1
    )
    counts = {
        "utterances": Utterance.objects.count(),
        "meetings": Meeting.objects.count(),
        "speakers": Speaker.objects.count(),
        "taggings": Tagging.objects.count(),
    }
    filters = Filters.choose()
    mix_words = words()
    searches = time_searches(queries(filters, mix_words), repeat)
    pages = time_pages(mix_words, filters, max(3, repeat // 2))

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
        "words": mix_words,
        "filters": {
            "speaker": filters.speaker.slug,
            "topic": filters.topic.slug,
            "date_from": filters.date_from.isoformat(),
            "date_to": filters.date_to.isoformat(),
        },
        "search_index": index,
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
    index = result.get("search_index", {})
    built = f", built in {index['rebuild_seconds']:,.0f} s" if "rebuild_seconds" in index else ""
    lines = [
        f"{result['database']}: {result['utterances']:,} utterances, {result['meetings']:,} "
        f"meetings, {result['taggings']:,} taggings; {result['repeat']} runs each; "
        f"search index {index.get('megabytes', 0):,.0f} MB{built}",
        "",
        f"{'query':<24}{'p50 ms':>9}{'p95 ms':>9}{'total':>10}{'= SQL':>7}{'top 20':>8}"
        f"{'facet err':>11}{'top 12 missing':>16}{'PostgreSQL FTS':>16}",
    ]
    for row in result["searches"]:
        top = {None: "-", True: "exact", False: "NO"}[row.get("top20_exact")]
        fts = "-" if row.get("postgres_fts_total") is None else f"{row['postgres_fts_total']:,}"
        lines.append(
            f"{row['name']:<24}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}{row['total']:>10,}"
            f"{'yes' if row.get('total_exact') else 'NO':>7}{top:>8}"
            f"{100 * row.get('facet_worst_error', 0):>10.1f}%{row.get('facet_top_missing', 0):>16}"
            f"{fts:>16}"
        )
    for row in result["pages"]:
        lines.append(f"{row['name']:<24}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}")
    lines.append("")
    for name, measured in result["ingest"].items():
        if not measured:
            continue
        if name == "command":
            name, how = f"command, {measured['workers']} workers", "(files, committed, synced)"
        else:
            seconds = measured["seconds"]
            how = (
                f"(retag {100 * measured['retag_seconds'] / seconds:.0f}%, "
                f"index sync {100 * measured.get('sync_seconds', 0) / seconds:.0f}% of it)"
            )
        lines.append(
            f"ingest {name:<24} {measured['utterances']:>6} utterances "
            f"{measured['utterances_per_second']:>8,.0f}/s  {how}"
        )
    return "\n".join(lines)


def write(result: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
