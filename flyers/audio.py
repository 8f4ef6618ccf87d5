"""Readings of the flyer for people who cannot read it.

A workspace may hold one recording per written language, ``audio/<tag>.opus``
(or ``.ogg`` / ``.mp3``), with its transcript in ``audio/<tag>.txt``.  The
build copies it to ``output/audio/`` and lists it in the manifest; the site
plays it on the language's page with its transcript.

Where nobody has recorded one yet, ``flyers audio`` drafts it with espeak-ng
(Debian package espeak-ng; Opus by opusenc, package opus-tools) for the
languages espeak-ng speaks, reading the letter flyer's sentences.  A draft is
marked as such in ``audio/<tag>.json`` (``"voice": "computer"``) and the page
says "computer voice, draft" -- it is a stopgap, never a substitute for a
person reading the reviewed text.  It is not part of ``flyers build``: it takes
seconds per language and its output belongs in the workspace, to be replaced.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import catalogs
from .campaign import Campaign
from .errors import FlyersError, UsageError
from .files import sha256_bytes, write_bytes, write_text
from .fontstack import load_fonts
from .languages import Language, resolve_all

AUDIO_DIR = "audio"
EXTENSIONS = (".opus", ".ogg", ".mp3")
TYPES = {".opus": "audio/ogg; codecs=opus", ".ogg": "audio/ogg", ".mp3": "audio/mpeg"}
# espeak-ng voice for a written language when its tag is not itself a voice name.
VOICES = {"zh-Hans": "cmn", "zh-Hant": "yue", "prs": "fa", "pt-BR": "pt-br", "en": "en-us"}
OPUS_BITRATE_KBPS = "16"  # speech: small and still clear (a letter flyer read aloud: about 400 KB)


@dataclass(frozen=True)
class Recording:
    """A reading of one language's flyer."""

    tag: str
    path: Path
    transcript: str
    computer: bool  # drafted by a speech synthesiser: the page says so

    def entry(self, rel: str) -> dict[str, object]:
        """The manifest entry for its copy at ``rel`` (relative to output/)."""
        return {"path": rel, "language": self.tag, "type": TYPES[self.path.suffix],
                "voice": "computer" if self.computer else "recorded",
                "sha256": sha256_bytes(self.path.read_bytes())}


def find(campaign: Campaign, tag: str) -> Recording | None:
    """The workspace's recording for ``tag``, if any."""
    folder = campaign.root / AUDIO_DIR
    path = next((folder / f"{tag}{ext}" for ext in EXTENSIONS if (folder / f"{tag}{ext}").is_file()), None)
    if path is None:
        return None
    transcript_path = folder / f"{tag}.txt"
    transcript = transcript_path.read_text("utf-8").strip() if transcript_path.is_file() else ""
    info_path = folder / f"{tag}.json"
    computer = False
    if info_path.is_file():
        try:
            computer = json.loads(info_path.read_text("utf-8")).get("voice") == "computer"
        except (ValueError, AttributeError) as exc:
            raise FlyersError(f"{info_path}: not valid JSON ({exc})") from None
    return Recording(tag, path, transcript, computer)


def copy_to_output(campaign: Campaign, tags: list[str], out: Path) -> list[dict[str, object]]:
    """Copy each language's recording to output/audio/ and return its manifest entries."""
    entries = []
    for tag in tags:
        recording = find(campaign, tag)
        if recording is None:
            continue
        rel = f"{AUDIO_DIR}/{tag}{recording.path.suffix}"
        data = recording.path.read_bytes()
        target = out / rel
        if not (target.is_file() and target.read_bytes() == data):
            write_bytes(target, data)
        entries.append(recording.entry(rel))
    return entries


def espeak_voices() -> set[str]:
    """The voice names espeak-ng offers (empty when it is not installed)."""
    program = shutil.which("espeak-ng")
    if program is None:
        return set()
    listing = subprocess.run([program, "--voices"], capture_output=True, text=True, check=False).stdout
    return {line.split()[1] for line in listing.splitlines()[1:] if len(line.split()) > 1}


def voice_for(language: Language, voices: set[str]) -> str | None:
    """espeak-ng's voice for a language, or None when it has none."""
    for name in (VOICES.get(language.tag), language.tag.lower(), language.tag.split("-")[0].lower()):
        if name and name in voices:
            return name
    return None


def transcript(campaign: Campaign, language: Language) -> str:
    """What a draft reads: the letter flyer's sentences, in order, one per line."""
    from .preflight import expected_sentences

    fmt = campaign.formats.get("letter") or next(iter(campaign.formats.values()))
    catalog = catalogs.load(campaign, language)
    return "\n".join(expected_sentences(campaign, fmt, catalog, load_fonts(campaign.fonts_dir)))


def draft(campaign: Campaign, tags: tuple[str, ...] = (), replace: bool = False) -> dict[str, str]:
    """Draft a computer reading for each language espeak-ng speaks; {tag: what happened}."""
    voices = espeak_voices()
    if not voices:
        raise FlyersError("espeak-ng is not installed; `apt-get install espeak-ng opus-tools` (or `make install`)")
    opusenc = shutil.which("opusenc")
    if opusenc is None:
        raise FlyersError("opusenc is not installed; `apt-get install opus-tools` (or `make install`)")

    languages = resolve_all(campaign)
    unknown = [t for t in tags if t not in languages]
    if unknown:
        raise UsageError(f"unknown language(s): {', '.join(unknown)}; the campaign has: {', '.join(languages)}")
    report: dict[str, str] = {}
    failed: list[str] = []
    for tag in tags or tuple(languages):
        existing = find(campaign, tag)
        if existing is not None and not (replace and existing.computer):
            report[tag] = f"kept {existing.path.name}" + ("" if existing.computer else " (a recording)")
            continue
        voice = voice_for(languages[tag], voices)
        if voice is None:
            report[tag] = "skipped: espeak-ng has no voice for it"
            continue
        text = transcript(campaign, languages[tag])
        try:
            _speak(text, voice, campaign.root / AUDIO_DIR / f"{tag}.opus", opusenc)
        except FlyersError as exc:  # one voice failing must not cost the others their drafts
            report[tag] = f"failed: {exc}"
            failed.append(f"{tag}: {exc}")
            continue
        write_text(campaign.root / AUDIO_DIR / f"{tag}.txt", text + "\n")
        write_text(campaign.root / AUDIO_DIR / f"{tag}.json",
                   json.dumps({"voice": "computer", "engine": "espeak-ng", "espeak_voice": voice}, indent=1) + "\n")
        report[tag] = f"drafted with espeak-ng voice {voice}"
    if failed:
        raise FlyersError("espeak-ng could not read every language (the others were drafted)",
                          [*(f"{t}: {r}" for t, r in report.items() if not r.startswith("failed")), *failed])
    return report


def _speak(text: str, voice: str, target: Path, opusenc: str) -> None:
    """espeak-ng to WAV, opusenc to Opus; written atomically."""
    with tempfile.TemporaryDirectory() as folder:
        source, wav, opus = Path(folder) / "text.txt", Path(folder) / "speech.wav", Path(folder) / "speech.opus"
        source.write_text(text, "utf-8")
        for command in (["espeak-ng", "-v", voice, "-s", "150", "-f", str(source), "-w", str(wav)],
                        [opusenc, "--quiet", "--bitrate", OPUS_BITRATE_KBPS, str(wav), str(opus)]):
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                raise FlyersError(f"{command[0]} failed for voice {voice}: {result.stderr.strip()[:300]}")
        write_bytes(target, opus.read_bytes())
