"""How well the parser reads a folder of transcripts or a manifest's, writing nothing.

It reports the files with no speaker turns and why, the words lost (there must be none), the
lines that look like speaker labels but were read as speech, the labels seen only once, the
turns of more than 5,000 words, and the ways labels are written.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from statements import parser
from statements.ingest import IngestError, decode
from statements.management.commands.ingest import manifest_entries, transcript_files
from statements.speakers import label_key

LONG_TURN = 5_000
# Examples printed for each part of the report.
SHOWN = 15


class Command(BaseCommand):
    help = (
        "Report how the parser reads transcripts (a folder, files, or --manifest): files with "
        "no turns, words lost, lines that look like labels, one-off labels, very long turns, "
        "label formats. Writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", type=Path, metavar="PATH")
        parser.add_argument("--manifest", type=Path)
        parser.add_argument("--root", type=Path, help="where a manifest's files are")
        parser.add_argument("--json", type=Path, help="also write the whole report as JSON")

    def handle(self, *args, **options):
        files = self._files(options)
        report = {
            "files": len(files),
            "with_turns": 0,
            "turns": 0,
            "no_turns": [],
            "words_lost": [],
            "near_misses": [],
            "long_turns": [],
            "formats": Counter(),
        }
        labels: Counter = Counter()
        where: dict[str, str] = {}
        for path in files:
            try:
                text = decode(path.read_bytes(), path.name)
            except (IngestError, OSError) as error:
                report["no_turns"].append({"file": str(path), "why": str(error)})
                continue
            transcript = parser.parse(text)
            lost = parser.words_lost(text, transcript)
            if lost:
                report["words_lost"].append(
                    {"file": str(path), "words": sum(lost.values()), "e.g.": list(lost)[:8]}
                )
            if not transcript.turns:
                report["no_turns"].append({"file": str(path), "why": _why_no_turns(transcript)})
                continue
            report["with_turns"] += 1
            report["turns"] += len(transcript.turns)
            for turn in transcript.turns:
                key = label_key(turn.label)
                labels[key] += 1
                where.setdefault(key, f"{path}:{turn.line}")
                report["formats"][parser.label_form(turn.label)] += 1
                if turn.word_count > LONG_TURN:
                    report["long_turns"].append(
                        {"file": str(path), "label": turn.label, "words": turn.word_count}
                    )
            for miss in transcript.near_misses:
                report["near_misses"].append(
                    {"file": str(path), "line": miss.line, "text": miss.text}
                )
        report["seen_once"] = [
            {"label": key, "at": where[key]} for key, count in sorted(labels.items()) if count == 1
        ]
        report["labels"] = len(labels)
        self._print(report)
        if options.get("json"):
            options["json"].write_text(json.dumps(report, indent=1, ensure_ascii=False))

    def _print(self, report: dict) -> None:
        out = self.stdout.write
        lost = sum(entry["words"] for entry in report["words_lost"])
        out(
            f"{report['files']} files: {report['with_turns']} with speaker turns "
            f"({report['turns']:,} turns, {report['labels']:,} distinct labels), "
            f"{len(report['no_turns'])} without."
        )
        out(f"Words lost: {lost} in {len(report['words_lost'])} files.")
        for entry in report["words_lost"][:SHOWN]:
            out(f"  {entry['file']}: {entry['words']} words, e.g. {', '.join(entry['e.g.'])}")
        out(f"Files without turns: {len(report['no_turns'])}.")
        for entry in report["no_turns"][:SHOWN]:
            out(f"  {entry['file']}: {entry['why']}")
        out("Label formats:")
        for form, count in report["formats"].most_common():
            out(f"  {form}: {count:,} turns")
        out(f"Lines that look like labels but were read as speech: {len(report['near_misses'])}.")
        heads = Counter(entry["text"].split(":")[0] for entry in report["near_misses"])
        for head, count in heads.most_common(SHOWN):
            out(f"  {count} × “{head}:”")
        out(f"Labels seen only once: {len(report['seen_once'])}.")
        for entry in report["seen_once"][:SHOWN]:
            out(f"  {entry['label']} ({entry['at']})")
        out(f"Turns over {LONG_TURN:,} words: {len(report['long_turns'])}.")
        for entry in report["long_turns"][:SHOWN]:
            out(f"  {entry['file']}: {entry['label']}, {entry['words']:,} words")

    def _files(self, options: dict) -> list[Path]:
        if options.get("manifest") is not None:
            return [path for path, _ in manifest_entries(options["manifest"], options.get("root"))]
        if not options["paths"]:
            raise CommandError("Give transcripts to read: a folder, files, or --manifest.")
        return transcript_files(options["paths"], recursive=True)


def _why_no_turns(transcript: parser.Transcript) -> str:
    if transcript.near_misses:
        example = transcript.near_misses[0]
        return (
            f"no line opens with a speaker label the parser knows; line {example.line} comes "
            f"closest: “{example.text[:60]}”"
        )
    return "no line opens with anything like a speaker label: a statement, not a transcript"
