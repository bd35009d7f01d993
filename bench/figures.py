"""python -m bench.figures [fuzz|load|faults|security|all]: the figures issue 21 asks for, on
loopback only, each part bounded in requests and time and stopping by itself.

- fuzz: requests over every public URL with bad and random parameters; how many gave a 5xx.
- load: gunicorn as bin/serve runs it, N clients for S seconds of a journalist's mix of
  searches (a quarter of them repeats of a few hot ones) and pages, without and with the
  cache; requests a second, p50/p95/p99, errors, and the machine's load average.
- faults: ingest killed with SIGKILL mid-way (partial meetings after), the database stopped and
  started (503 with Retry-After while down, and how soon the same server answers again), a
  replica stopped (the primary serves).
- security: `check --deploy` under production settings, a Content-Security-Policy on every
  page, and the dialogs an XSS payload corpus opens in headless Chromium when every page is
  loaded and every link clicked.

Faults and security, and fuzz and load unless --database names an archive, run on a throwaway
PostgreSQL cluster (bench/clusters.py) with the sample transcripts. Writes
bench/results/figures.json (each part's figures replace that part's) and prints a table.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import http.client
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import psycopg

from bench import clusters

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results" / "figures.json"
SAMPLES = ROOT / "samples" / "transcripts"
PARTS = ("fuzz", "load", "faults", "security")


def load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


# --- Serving -------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float


def fetch(port: int, path: str, timeout: float = 60.0, headers: dict | None = None) -> Reply:
    """One GET on loopback, a connection of its own (gunicorn's sync workers close each)."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        named = {name.lower(): value for name, value in response.getheaders()}
        return Reply(response.status, named, body, time.perf_counter() - started)
    finally:
        connection.close()


class Server:
    """gunicorn serving the archive as bin/serve runs it (2 x cores + 1 sync workers)."""

    def __init__(self, env: dict[str, str], log: Path, workers: int | None = None):
        self.port = clusters.free_port()
        workers = workers or int(env.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1) + 1)
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "archive.wsgi", "--workers", str(workers)]
            + ["--bind", f"127.0.0.1:{self.port}", "--timeout", "600", "--no-control-socket"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log.open("a"),
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                fetch(self.port, "/api/", timeout=10)
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.close()
                    raise RuntimeError(
                        f"gunicorn did not start: {log.read_text()[-2000:]}"
                    ) from None
                time.sleep(0.2)

    def get(self, path: str, **kwargs) -> Reply:
        return fetch(self.port, path, **kwargs)

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def manage(env: dict[str, str], *arguments: str, timeout: float = 900) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(arguments)}: {done.stderr[-2000:]}")
    return done.stdout


def server_env(database_url: str, index: Path, **extra: str) -> dict[str, str]:
    """The environment of a server or command on `database_url`: production-like (DEBUG off,
    static files collected), no replicas, no Redis unless `extra` says so."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SEARCH_INDEX_DIR": str(index),
        "DEBUG": "false",
        "PRODUCTION": "false",
        "DATABASE_REPLICA_URLS": "",
        "REDIS_URL": "",
        "LOG_LEVEL": "ERROR",
    }
    env.update(extra)
    return env


@dataclass
class Archive:
    """An archive to serve: its database URL and search index directory."""

    url: str
    index: Path
    cluster: clusters.Cluster | None = None

    def env(self, **extra: str) -> dict[str, str]:
        return server_env(self.url, self.index, **extra)

    def rows(self, sql: str) -> list[tuple]:
        with psycopg.connect(self.url.replace("postgres://", "postgresql://")) as connection:
            return connection.execute(sql).fetchall()


def new_archive(root: Path, name: str = "archive") -> Archive:
    """A throwaway cluster with a migrated, seeded archive of the sample transcripts."""
    primary = clusters.new_primary(root)
    primary.sql(f"CREATE DATABASE {name}")
    archive = Archive(primary.url(name), root / "search-index", primary)
    env = archive.env()
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "seed")
    manage(env, "ingest", str(SAMPLES))
    manage(env, "search_index")
    return archive


def collect_static() -> None:
    env = {**os.environ, "DEBUG": "false"}
    manage(env, "collectstatic", "--noinput", "-v", "0")


# --- What there is to ask for ----------------------------------------------------------------


@dataclass
class Known:
    """Real names in the archive, for URLs that exist."""

    meetings: list[str]
    speakers: list[str]
    topics: list[str]
    utterances: list[tuple[str, int, int]]  # meeting slug, sequence, id
    words: list[str]
    years: list[int]

    @classmethod
    def read(cls, archive: Archive) -> Known:
        meetings = [slug for (slug,) in archive.rows("SELECT slug FROM statements_meeting")]
        speakers = [slug for (slug,) in archive.rows("SELECT slug FROM statements_speaker")]
        topics = [slug for (slug,) in archive.rows("SELECT slug FROM statements_topic")]
        utterances = archive.rows(
            "SELECT m.slug, u.sequence, u.id FROM statements_utterance u "
            "JOIN statements_meeting m ON m.id = u.meeting_id ORDER BY random() LIMIT 5000"
        )
        words = [
            word
            for (word,) in archive.rows(
                "SELECT w FROM (SELECT regexp_split_to_table(lower(text), '[^a-z]+') AS w "
                "FROM (SELECT text FROM statements_utterance ORDER BY random() LIMIT 2000) t) s "
                "WHERE length(w) > 4 GROUP BY w ORDER BY count(*) DESC LIMIT 600"
            )
        ]
        years = [
            int(year)
            for (year,) in archive.rows(
                "SELECT DISTINCT extract(year FROM date) FROM statements_meeting"
            )
        ]
        return cls(meetings, speakers, topics, utterances, words or ["security"], years)


# --- Fuzz ----------------------------------------------------------------------------------

PARAMETERS = [
    "q", "speaker", "topic", "meeting", "country", "year", "month", "kind", "interpreted",
    "speaker_kind", "outlet", "date_from", "date_to", "sort", "page", "page_size", "facet_limit",
    "facets", "format", "by", "values", "search", "place", "source", "n", "o", "letter",
]  # fmt: skip
HOSTILE = [
    "", "²", "0", "-1", "1e9", "99999999999999999999", "9999-12", "2023-13", "10000", "0000-00-00",
    "2024-02-30", "abc", "' OR 1=1 --", "<script>alert(1)</script>", "\x00", "%00", "\u202e",
    "é" * 300, "a" * 5000, "../../etc/passwd", "javascript:alert(1)", "NaN", "inf", "true",
    "[]", "{}", "speaker:", '"', "-", "or", "-security", '"rule of', "csv", "jsonl", "xml",
    "newest", "relevance", "statement", "yes", "no", "  ", "\t\n", "☃", "𝕏", "1" * 20,
]  # fmt: skip


def public_paths(known: Known, rng: random.Random) -> list[str]:
    """Every public URL pattern, with real names (and some that do not exist)."""
    meeting = rng.choice(known.meetings)
    slug, sequence, pk = rng.choice(known.utterances)
    speaker = rng.choice(known.speakers) if known.speakers else "nobody"
    topic = rng.choice(known.topics) if known.topics else "nothing"
    return [
        "/",
        f"/search/facets/{rng.choice(['speaker', 'country', 'topic', 'year', 'month', 'x'])}/",
        "/trends/",
        "/meetings/",
        f"/meetings/{meeting}/",
        f"/meetings/{meeting}/original.txt",
        f"/meetings/{slug}/{sequence}/",
        f"/meetings/{slug}/{rng.choice([0, 999999, sequence])}/",
        "/speakers/",
        f"/speakers/{speaker}/",
        "/topics/",
        f"/topics/{topic}/",
        "/api/",
        "/api/meetings",
        f"/api/meetings/{meeting}",
        "/api/speakers",
        f"/api/speakers/{speaker}",
        "/api/topics",
        f"/api/topics/{topic}",
        f"/api/utterances/{rng.choice([pk, 0, 2**62])}",
        "/api/search",
        "/api/openapi.json",
        "/api/docs",
        "/feeds/search.atom",
        f"/feeds/speakers/{speaker}.atom",
        f"/feeds/topics/{topic}.atom",
        "/meetings/no-such-meeting/",
    ]


def fuzzed_value(rng: random.Random, known: Known) -> str:
    roll = rng.random()
    if roll < 0.4:
        return rng.choice(HOSTILE)
    if roll < 0.55:
        return rng.choice(known.words)
    if roll < 0.65:
        return rng.choice(known.speakers or ["x"])
    if roll < 0.72:
        return str(rng.choice(known.years or [2020]))
    if roll < 0.8:
        return str(rng.randint(-(2**40), 2**40))
    return "".join(chr(rng.randint(1, 0x2FFF)) for _ in range(rng.randint(1, 12)))


def fuzz_path(rng: random.Random, known: Known) -> str:
    path = rng.choice(public_paths(known, rng))
    pairs = [(rng.choice(PARAMETERS), fuzzed_value(rng, known)) for _ in range(rng.randint(0, 5))]
    return f"{path}?{urlencode(pairs)}" if pairs else path


def fuzz(server: Server, known: Known, requests: int, seconds: float, clients: int = 6) -> dict:
    """`requests` fuzzed GETs (or as many as `seconds` allow) from `clients` threads."""
    rng = random.Random(21)
    paths = [fuzz_path(rng, known) for _ in range(requests)]
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    deadline = time.monotonic() + seconds
    lock = threading.Lock()

    def one(path: str) -> None:
        if time.monotonic() > deadline:
            return
        try:
            status = server.get(path, timeout=60).status
        except (OSError, http.client.HTTPException) as error:
            status = 599
            path = f"{path} ({type(error).__name__})"
        with lock:
            statuses[status] += 1
            if status >= 500 and len(failures) < 20:
                failures.append(path)

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, paths))
    sent = sum(statuses.values())
    return {
        "requests": sent,
        "seconds": round(time.perf_counter() - started, 1),
        "statuses": {str(status): count for status, count in sorted(statuses.items())},
        "server_errors": sum(count for status, count in statuses.items() if status >= 500),
        "first_server_errors": failures,
        "load_average": load_average(),
    }


# --- Load ----------------------------------------------------------------------------------


class Workload:
    """A journalist's mix: searches (page and API, a quarter of them repeats of 20 hot ones,
    the rest new words, filters and pages), meetings, quotes, speakers, topics and lists."""

    def __init__(self, known: Known, seed: int):
        self.known = known
        self.rng = random.Random(seed)
        hot = random.Random(7)
        self.hot = [self.new_search(hot) for _ in range(20)]

    def new_search(self, rng: random.Random) -> str:
        words = " ".join(rng.choice(self.known.words) for _ in range(rng.choice([1, 1, 2])))
        asked: list[tuple[str, str]] = [("q", words)]
        roll = rng.random()
        if roll < 0.2 and self.known.speakers:
            asked.append(("speaker", rng.choice(self.known.speakers)))
        elif roll < 0.35 and self.known.years:
            asked.append(("year", str(rng.choice(self.known.years))))
        elif roll < 0.45:
            asked.append(("sort", "newest"))
        if rng.random() < 0.15:
            asked.append(("page", str(rng.randint(2, 3))))
        return urlencode(asked)

    def next(self) -> tuple[str, str]:
        rng = self.rng
        roll = rng.random()
        if roll < 0.55:
            query = rng.choice(self.hot) if rng.random() < 0.25 else self.new_search(rng)
            if roll < 0.08:
                return "api_search", f"/api/search?{query}"
            return "search", f"/?{query}"
        if roll < 0.70:
            return "meeting", f"/meetings/{quote(rng.choice(self.known.meetings))}/"
        if roll < 0.80:
            slug, sequence, _ = rng.choice(self.known.utterances)
            return "quote", f"/meetings/{quote(slug)}/{sequence}/"
        if roll < 0.90 and self.known.speakers:
            return "speaker", f"/speakers/{quote(rng.choice(self.known.speakers))}/"
        if roll < 0.95 and self.known.years:
            return "meetings", f"/meetings/?year={rng.choice(self.known.years)}"
        if self.known.topics:
            return "topic", f"/topics/{quote(rng.choice(self.known.topics))}/"
        return "home", "/"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def load(server: Server, known: Known, clients: int, seconds: float, warmup: float) -> dict:
    """`clients` threads, each asking the workload's next page as soon as it has the last,
    for `warmup` seconds (not counted), then `seconds`."""
    records: list[tuple[str, int, float, str]] = []
    lock = threading.Lock()
    begin = time.monotonic()
    counted_from = begin + warmup
    stop = counted_from + seconds

    def client(number: int) -> None:
        workload = Workload(known, seed=number)
        while (now := time.monotonic()) < stop:
            kind, path = workload.next()
            try:
                reply = server.get(path, timeout=120)
                status, took, kept = (
                    reply.status,
                    reply.seconds,
                    reply.headers.get("x-archive-cache", ""),
                )
            except (OSError, http.client.HTTPException):
                status, took, kept = 599, time.monotonic() - now, ""
            if now >= counted_from:
                with lock:
                    records.append((kind, status, took, kept))

    load_before = load_average()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    times = [took for _, _, took, _ in records]
    by_kind: dict[str, list[float]] = {}
    for kind, _, took, _ in records:
        by_kind.setdefault(kind, []).append(took)
    statuses = Counter(status for _, status, _, _ in records)
    kept = Counter(mark for kind, _, _, mark in records if kind in ("search", "api_search"))
    return {
        "clients": clients,
        "seconds": seconds,
        "requests": len(records),
        "requests_per_second": round(len(records) / seconds, 1),
        "p50_ms": round(percentile(times, 0.50) * 1000),
        "p95_ms": round(percentile(times, 0.95) * 1000),
        "p99_ms": round(percentile(times, 0.99) * 1000),
        "errors": sum(count for status, count in statuses.items() if status >= 500),
        "statuses": {str(status): count for status, count in sorted(statuses.items())},
        "p95_ms_by_kind": {
            kind: round(percentile(values, 0.95) * 1000) for kind, values in sorted(by_kind.items())
        },
        "searches_from_cache": kept.get("hit", 0),
        "searches": sum(kept.values()),
        "load_average_before": load_before,
        "load_average_after": load_average(),
    }


def redis_url() -> str:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        if probe.connect_ex(("127.0.0.1", 6379)) == 0:
            return "redis://127.0.0.1:6379/0"
    return ""


def load_both(archive: Archive, known: Known, clients: int, seconds: float, log: Path) -> dict:
    figures = {"utterances": archive.rows("SELECT count(*) FROM statements_utterance")[0][0]}
    warmup = min(10.0, seconds / 6)
    shared = redis_url()
    for name, extra in (
        ("without_cache", {"SEARCH_CACHE_SECONDS": "0"}),
        (
            "with_cache",
            {
                "SEARCH_CACHE_SECONDS": "300",
                "REDIS_URL": shared,
                "CACHE_KEY_PREFIX": f"figures-{secrets.token_hex(4)}",
            },
        ),
    ):
        server = Server(archive.env(**extra), log)
        try:
            server.get("/?q=security")  # a worker's first search reads what it keeps after
            figures[name] = load(server, known, clients, seconds, warmup)
            figures[name]["cache"] = (
                "none" if name == "without_cache" else ("redis" if shared else "local memory")
            )
        finally:
            server.close()
    return figures


# --- Faults --------------------------------------------------------------------------------


def partial_meetings(archive: Archive) -> int:
    """Meetings without utterances, or whose utterances are not numbered 1 to n."""
    return archive.rows(
        "SELECT count(*) FROM statements_meeting m LEFT JOIN LATERAL ("
        " SELECT count(*) AS n, coalesce(max(sequence), 0) AS last"
        " FROM statements_utterance u WHERE u.meeting_id = m.id) u ON true"
        " WHERE u.n = 0 OR u.last <> u.n"
    )[0][0]


def write_transcripts(folder: Path, utterances: int) -> int:
    """Synthetic transcripts with their sidecars (run inside Django, on the throwaway archive:
    their speakers are registered there); how many turns they hold."""
    import django

    django.setup()
    from dataclasses import asdict

    from bench.run import synthetic_transcripts

    transcripts, prepare = synthetic_transcripts(utterances, seed=3)
    prepare()
    for number, (text, info) in enumerate(transcripts):
        path = folder / f"{number:05}.txt"
        path.write_text(text, encoding="utf-8")
        sidecar = {**asdict(info), "date": info.date.isoformat()}
        path.with_suffix(".json").write_text(json.dumps(sidecar), encoding="utf-8")
    return len(transcripts)


def kill_mid_ingest(archive: Archive, root: Path, utterances: int) -> dict:
    folder = root / "transcripts"
    folder.mkdir()
    env = archive.env()
    written = subprocess.run(
        [sys.executable, "-m", "bench.figures", "_transcripts", str(folder), str(utterances)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    files = int(written.stdout.strip().splitlines()[-1])
    before = archive.rows("SELECT count(*) FROM statements_meeting")[0][0]
    ingesting = subprocess.Popen(
        [sys.executable, "manage.py", "ingest", str(folder), "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    killed_at = None
    while time.monotonic() < deadline and ingesting.poll() is None:
        added = archive.rows("SELECT count(*) FROM statements_meeting")[0][0] - before
        if added > 0:
            killed_at = added
            os.killpg(ingesting.pid, signal.SIGKILL)  # the command and its workers
            break
        time.sleep(0.01)
    ingesting.wait()
    partial = partial_meetings(archive)
    manage(env, "ingest", str(folder))  # again: what was written is kept, the rest added
    meetings = archive.rows("SELECT count(*) FROM statements_meeting")[0][0] - before
    return {
        "transcripts": files,
        "meetings_written_when_killed": killed_at,
        "killed_mid_ingest": killed_at is not None and killed_at < files,
        "partial_meetings_after_kill": partial,
        "meetings_after_ingesting_again": meetings,
        "partial_meetings_after_ingesting_again": partial_meetings(archive),
    }


def database_restart(archive: Archive, server: Server) -> dict:
    """The database stopped under a running server, then started: what the server answers
    while it is down, and how soon it answers again (the same server, not restarted)."""
    assert server.get("/?q=security").status == 200
    archive.cluster.stop()
    down = [server.get(path, timeout=60) for path in ("/?q=security", "/api/search?q=x", "/")]
    archive.cluster.start()
    started = time.perf_counter()
    recovered = None
    while time.perf_counter() - started < 60:
        if server.get("/?q=security").status == 200:
            recovered = time.perf_counter() - started
            break
        time.sleep(0.05)
    return {
        "statuses_while_down": [reply.status for reply in down],
        "retry_after_while_down": [reply.headers.get("retry-after") for reply in down],
        "api_json_while_down": down[1]
        .headers.get("content-type", "")
        .startswith("application/json"),
        "slowest_answer_while_down_ms": round(max(r.seconds for r in down) * 1000),
        "recovered_after_start_seconds": recovered and round(recovered, 2),
        "server_restarted": False,
    }


def replica_down(archive: Archive, replica: clusters.Cluster, server: Server) -> dict:
    """A server reading from a replica, and the replica stopped under it."""
    paths = ["/?q=security", "/meetings/", "/api/search?q=president", "/speakers/"]
    lags = [clusters.replay_lag(archive.cluster, replica) for _ in range(20)]
    up = [server.get(path).status for path in paths]
    replica.stop()
    down = [server.get(path).status for path in paths * 3]
    return {
        "replay_lag_ms_median": round(statistics.median(lags) * 1000, 1),
        "replay_lag_ms_max": round(max(lags) * 1000, 1),
        "statuses_with_replica": dict(Counter(map(str, up))),
        "statuses_replica_down": dict(Counter(map(str, down))),
    }


def faults(archive: Archive, root: Path, utterances: int, log: Path) -> dict:
    """Last of the parts on the throwaway archive: its replica, then the database itself, are
    stopped under one server."""
    figures = {"ingest_killed": kill_mid_ingest(archive, root, utterances)}
    replica = clusters.new_replica(archive.cluster, root)
    server = Server(
        archive.env(
            DATABASE_REPLICA_URLS=replica.url("archive"),
            REPLICA_RETRY_SECONDS="5",
            SEARCH_CACHE_SECONDS="0",
            DATABASE_CONNECT_TIMEOUT="2",
        ),
        log,
        workers=2,
    )
    try:
        figures["replica_down"] = replica_down(archive, replica, server)
        figures["database_restart"] = database_restart(archive, server)
    finally:
        server.close()
    figures["load_average"] = load_average()
    return figures


# --- Security ------------------------------------------------------------------------------

# Payloads where a meeting's details and its speakers' words are shown: titles, places, text.
XSS_PAYLOADS = [
    "<script>alert('xss-1')</script>",
    '"><img src=x onerror=alert(2)>',
    "'><svg onload=alert(3)>",
    "javascript:alert(4)",
    '<a href="javascript:alert(5)">link</a>',
    "<iframe src=javascript:alert(6)></iframe>",
    "</title><script>alert(7)</script>",
    '<body onload="alert(8)">',
    '" onmouseover="alert(9)" x="',
    "<details open ontoggle=alert(10)>",
    '<img src=1 href=1 onerror="javascript:alert(11)"></img>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(12)></style>",
    "{{constructor.constructor('alert(13)')()}}",
    "<scr<script>ipt>alert(14)</scr</script>ipt>",
    "&lt;script&gt;alert(15)&lt;/script&gt;",
    "\u003cscript\u003ealert(16)\u003c/script\u003e",
    "<svg><animate onbegin=alert(17) attributeName=x dur=1s>",
    "[click](javascript:alert(18))",
    '<object data="data:text/html,<script>alert(19)</script>"></object>',
    '<base href="javascript:alert(20)//">',
]


def write_xss_transcripts(folder: Path) -> int:
    """Transcripts whose every detail carries payloads; ingest refuses what it must (a source
    URL that is not http or https) and stores the rest as text."""
    for number, payload in enumerate(XSS_PAYLOADS):
        text = (
            f"Remarks {payload}\n\n(March {number + 1}, 2024)\n\n{payload}\n\n"
            f"SECRETARY BLINKEN:  Good morning. {payload} We discussed {payload} today.\n\n"
            f"QUESTION:  What about {payload}?\n\n"
            f"SECRETARY BLINKEN:  As I said, {payload}.\n"
        )
        path = folder / f"xss-{number:02}.txt"
        path.write_text(text, encoding="utf-8")
        sidecar = {
            "title": f"Remarks {payload}",
            "date": f"2024-03-{number + 1:02}",
            "kind": "press conference",
            "location": payload[:200],
            "venue": payload[:200],
            "series": payload[:200],
            "source_url": f"https://www.state.gov/{quote(payload)}",
        }
        path.with_suffix(".json").write_text(json.dumps(sidecar), encoding="utf-8")
    return len(XSS_PAYLOADS)


def check_deploy() -> dict:
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "PRODUCTION": "true",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "archive.example.org",
        "HTTPS": "true",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    return {
        "clean": done.returncode == 0,
        "output": (done.stdout + done.stderr).strip().splitlines()[-3:],
    }


def browse(
    server: Server, start_paths: list[str], max_pages: int, seconds: float, browser=None
) -> dict:
    """Every page reached from `start_paths` by its links (same site, up to `max_pages`) loaded
    in headless Chromium, and every link on it that would not navigate to a page (javascript:,
    data:, an anchor) clicked; the dialogs any of it opened, and the pages without a CSP."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    import django
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
    django.setup()  # for tests.conftest's imports
    from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # as the browser tests launch it

    base = f"http://127.0.0.1:{server.port}"
    dialogs: list[str] = []
    without_csp: list[str] = []
    seen: set[str] = set()
    queue = list(start_paths)
    clicked = 0
    deadline = time.monotonic() + seconds
    with nullcontext() if browser else sync_playwright() as playwright:
        launched = browser or playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        page = launched.new_page()
        page.set_default_timeout(10_000)

        def opened(dialog) -> None:
            dialogs.append(f"{page.url}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", opened)
        while queue and len(seen) < max_pages and time.monotonic() < deadline:
            path = queue.pop(0)
            if path in seen:
                continue
            seen.add(path)
            try:
                response = page.goto(base + path)
            except PlaywrightError:
                continue
            if response is not None and "content-security-policy" not in response.headers:
                without_csp.append(path)
            hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
            for href in hrefs:
                if href.startswith(base) and "#" not in href:
                    link = href[len(base) :]
                    if link not in seen and not link.startswith("/admin"):
                        queue.append(link)
            # Links that run or open something in place rather than lead to a page.
            odd = page.query_selector_all(
                "a[href^='javascript' i], a[href^='data' i], a[href^='#'], a[href^=' ']"
            )
            for link in odd:
                try:
                    link.click(timeout=1_000, no_wait_after=True)
                    clicked += 1
                except PlaywrightError:
                    pass
                if not page.url.startswith(base + path.split("#")[0]):
                    page.goto(base + path)
            page.mouse.move(5, 5)
            page.mouse.move(400, 300)
        page.close()
        if browser is None:
            launched.close()
    return {
        "pages": len(seen),
        "odd_links_clicked": clicked,
        "dialogs": len(dialogs),
        "first_dialogs": dialogs[:10],
        "pages_without_csp": without_csp[:20],
    }


def security(
    archive: Archive, root: Path, log: Path, max_pages: int, seconds: float, browser=None
) -> dict:
    deploy = check_deploy()
    folder = root / "xss"
    folder.mkdir()
    payloads = write_xss_transcripts(folder)
    ingested = subprocess.run(
        [sys.executable, "manage.py", "ingest", str(folder)],
        cwd=ROOT,
        env=archive.env(),
        capture_output=True,
        text=True,
    )
    stored = archive.rows("SELECT count(*) FROM statements_meeting WHERE title LIKE 'Remarks %'")
    server = Server(archive.env(), log, workers=2)
    try:
        known = Known.read(archive)
        headers_missing = [
            path
            for path in public_paths(known, random.Random(1)) + ["/admin/login/", "/static/x"]
            if "content-security-policy" not in server.get(path).headers
        ]
        xss_meetings = [
            slug
            for (slug,) in archive.rows(
                "SELECT slug FROM statements_meeting WHERE title LIKE 'Remarks %' ORDER BY slug"
            )
        ]
        start = ["/", "/?q=alert", "/?q=script", "/meetings/", "/speakers/", "/topics/"]
        start += [f"/meetings/{quote(slug)}/" for slug in xss_meetings]
        browsed = browse(server, start, max_pages, seconds, browser)
    finally:
        server.close()
    return {
        "check_deploy": deploy,
        "payloads": payloads,
        "payload_meetings_stored": stored[0][0],
        "ingest_refusals": [
            line for line in ingested.stderr.splitlines() if "refus" in line.lower()
        ][:5],
        "responses_without_csp": headers_missing,
        "browser": browsed,
        "load_average": load_average(),
    }


# --- The command ---------------------------------------------------------------------------


@dataclass
class Sizes:
    fuzz_requests: int = 10_000
    fuzz_seconds: float = 600
    clients: int = 50
    load_seconds: float = 60
    ingest_utterances: int = 3_000
    browse_pages: int = 250
    browse_seconds: float = 300
    parts: list[str] = field(default_factory=lambda: list(PARTS))


def run(sizes: Sizes, database: str | None = None, browser=None) -> dict:
    """The parts asked for. Security, faults, and fuzz and load without `database`, share one
    throwaway archive: security first (its payloads are then fuzzed too), faults last. The
    security part launches Chromium unless given a Playwright `browser` (a test's)."""
    if reason := clusters.missing():
        raise SystemExit(f"bench.figures needs throwaway PostgreSQL clusters: {reason}")
    figures: dict = {}
    spent: dict[str, float] = {}
    began = time.monotonic()

    @contextmanager
    def timed(name: str) -> Iterator[None]:
        started = time.monotonic()
        yield
        spent[name] = round(time.monotonic() - started, 1)

    with timed("collectstatic"):
        collect_static()
    with clusters.scratch() as root:
        log = root / "gunicorn.log"
        throwaway: list[Archive] = []

        def scratch_archive() -> Archive:
            if not throwaway:
                with timed("throwaway_archive"):
                    throwaway.append(new_archive(root))
            return throwaway[0]

        if "security" in sizes.parts:
            archive = scratch_archive()
            with timed("security"):
                figures["security"] = security(
                    archive, root, log, sizes.browse_pages, sizes.browse_seconds, browser
                )
        if {"fuzz", "load"} & set(sizes.parts):
            served = (
                Archive(database, Path(os.environ.get("SEARCH_INDEX_DIR", ROOT / "search-index")))
                if database
                else scratch_archive()
            )
            known = Known.read(served)
            if "fuzz" in sizes.parts:
                with timed("fuzz"):
                    server = Server(served.env(SEARCH_CACHE_SECONDS="0"), log)
                    try:
                        figures["fuzz"] = fuzz(
                            server, known, sizes.fuzz_requests, sizes.fuzz_seconds
                        )
                    finally:
                        server.close()
            if "load" in sizes.parts:
                with timed("load"):
                    figures["load"] = load_both(
                        served, known, sizes.clients, sizes.load_seconds, log
                    )
        if "faults" in sizes.parts:
            archive = scratch_archive()
            with timed("faults"):
                figures["faults"] = faults(archive, root, sizes.ingest_utterances, log)
    spent["all"] = round(time.monotonic() - began, 1)
    figures["run"] = {
        "seconds": spent,
        "cores": os.cpu_count(),
        "load_average_at_end": load_average(),
    }
    return figures


def table(figures: dict) -> str:
    lines = []
    if fuzzed := figures.get("fuzz"):
        lines.append(
            f"fuzz      {fuzzed['requests']:,} requests in {fuzzed['seconds']} s, "
            f"{fuzzed['server_errors']} 5xx  (load {fuzzed['load_average']})"
        )
    if loaded := figures.get("load"):
        lines.append(f"load      {loaded['utterances']:,} utterances")
        for name in ("without_cache", "with_cache"):
            run_ = loaded[name]
            lines.append(
                f"  {name:14} {run_['requests_per_second']:7.1f} req/s  p50 {run_['p50_ms']} ms  "
                f"p95 {run_['p95_ms']} ms  p99 {run_['p99_ms']} ms  errors {run_['errors']}  "
                f"({run_['clients']} clients, {run_['seconds']} s, cache {run_['cache']}, "
                f"load {run_['load_average_before']} -> {run_['load_average_after']})"
            )
    if faulted := figures.get("faults"):
        killed = faulted["ingest_killed"]
        restart = faulted["database_restart"]
        replica = faulted["replica_down"]
        lines.append(
            f"faults    kill -9 mid-ingest ({killed['meetings_written_when_killed']} of "
            f"{killed['transcripts']} meetings in): {killed['partial_meetings_after_kill']} "
            "partial meetings"
        )
        lines.append(
            f"          database down: {restart['statuses_while_down']} Retry-After "
            f"{restart['retry_after_while_down']}; answering again "
            f"{restart['recovered_after_start_seconds']} s after its start, no app restart"
        )
        lines.append(
            f"          replica down: {replica['statuses_replica_down']}; replay lag median "
            f"{replica['replay_lag_ms_median']} ms, max {replica['replay_lag_ms_max']} ms"
        )
    if secured := figures.get("security"):
        browser = secured["browser"]
        lines.append(
            f"security  check --deploy clean: {secured['check_deploy']['clean']}; responses "
            f"without CSP: {len(secured['responses_without_csp'])}; {browser['pages']} pages "
            f"in Chromium, {browser['odd_links_clicked']} odd links clicked, "
            f"{browser['dialogs']} dialogs"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    arguments = argparse.ArgumentParser(prog="python -m bench.figures", description=__doc__)
    arguments.add_argument("part", nargs="?", default="all", choices=[*PARTS, "all"])
    arguments.add_argument(
        "--database", help="the archive to fuzz and load (a URL; default: a throwaway one)"
    )
    arguments.add_argument("--fuzz-requests", type=int, default=10_000)
    arguments.add_argument("--clients", type=int, default=50)
    arguments.add_argument("--seconds", type=float, default=60, help="of load, each run")
    arguments.add_argument("--ingest-utterances", type=int, default=3_000)
    arguments.add_argument("--browse-pages", type=int, default=250)
    arguments.add_argument("--json", type=Path, default=RESULTS)
    options = arguments.parse_args(argv)
    sizes = Sizes(
        fuzz_requests=options.fuzz_requests,
        clients=options.clients,
        load_seconds=options.seconds,
        ingest_utterances=options.ingest_utterances,
        browse_pages=options.browse_pages,
        parts=list(PARTS) if options.part == "all" else [options.part],
    )
    figures = run(sizes, options.database)
    options.json.parent.mkdir(parents=True, exist_ok=True)
    kept = json.loads(options.json.read_text()) if options.json.exists() else {}
    kept.update(figures)
    options.json.write_text(json.dumps(kept, indent=2) + "\n")
    print(table(figures))
    print(f"Written to {options.json}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["_transcripts"]:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
        print(write_transcripts(Path(sys.argv[2]), int(sys.argv[3])))
    else:
        main()
