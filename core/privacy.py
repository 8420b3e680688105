"""Personal data in chat text: find it and replace it with typed placeholders.

In: a message as a string. Out: `detect(text)` — the sorted entity types found (`EMAIL`, `PHONE`, `NAME`,
`DOB`, `ADDRESS`, `URL`, `HANDLE`); `scrub(text)` — the text with each hit replaced by `<TYPE>`, and those
types; `flags(types, scrubbed=…)` — an interaction's `pii_flags` value. Used by `core.ingest.writer.RowBuilder` on every ingest path (DESIGN.md §8).

What counts as personal data here: email addresses; phone numbers (international, national and the common
punctuated formats); names a person gives after "my name is", "I'm", "I am", "this is", "call me"
(capitalised tokens); dates of birth (a date next to "born", "DOB", "date of birth", "birthday"); street
addresses (house number + capitalised street name + street type) and UK postcodes; URLs of social profiles
or personal pages (not health sites a chatbot may cite); and social handles (`@name`). Numbers and dates
without such context ("day 14 of my cycle", "28 days", "since 03/09") are not personal data.

How: Microsoft Presidio's `AnalyzerEngine` with the offline `NoOpNlpEngine` (no spaCy model, nothing is
downloaded), our pattern recognisers plus Presidio's `phonenumbers`-based phone recogniser, and its
`AnonymizerEngine` for the replacement. The analyzer costs a few milliseconds per text, so every text is first
screened by one regular expression (`SCREEN`, run first by RE2 as `PREFILTER`) that matches anything any
recogniser could report; only the few candidate texts reach the analyzer. The engines are built lazily, once
per process, so callers stay picklable for worker processes; Presidio is imported without the transformers
and torch it would pull in for NLP engines not used here (they stay importable afterwards).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final

import re2

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine, RecognizerResult
    from presidio_anonymizer import AnonymizerEngine

ENTITY_TYPES: Final = ("EMAIL", "PHONE", "NAME", "DOB", "ADDRESS", "URL", "HANDLE")
LANGUAGE: Final = "en"
MIN_SCORE: Final = 0.5
UNSCRUBBED: Final = "UNSCRUBBED"  # in `pii_flags`: personal data was found and stored as written

# -- the patterns ----------------------------------------------------------------------------------------
# Each recogniser reports the span of its `pii` group, so context words
# such as "my name is" or "born on" stay in the text and only the personal part is replaced.

_EMAIL = (
    r"(?<![\w.+-])(?P<pii>[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24})\b"
)

_PHONE = (
    r"(?<![\w+])(?P<pii>"
    r"(?:\+|00)\d{1,3}[\s.-]?(?:\(0?\d{1,4}\)[\s.-]?)?\d{1,4}(?:[\s.-]?\d{2,4}){1,4}"  # +44 7700 900123, 0031 20…
    r"|\(\d{3,5}\)[\s.-]?\d{3,4}[\s.-]?\d{3,4}"  # (555) 010-4477, (020) 7946 0958
    r"|\d{3}[\s.-]\d{3}[\s.-]\d{4}"  # 202-555-0143, 202.555.0143
    r"|0\d{2,4}(?:[\s.-]?\d{3,4}){2}"  # 07700 900123, 020 7946 0958, 0612345678
    r"|0\d(?:[\s.-]\d{2}){4}"  # 06 12 34 56 78
    r"|\d{3}-\d{4}"  # 555-0199
    r")(?![\w-])"
)

# A name is one or two capitalised tokens after an introduction; these capitalised words follow the same
# phrases without being names ("I'm Pregnant", "this is Day 3", "I am British", "this is Mirena").
_NOT_NAMES: Final = frozenset(
    """
    a an the my me it its this that these those so very just also really still not no yes ok okay sorry sure
    here there back now currently always never usually only actually kind quite almost about around over
    under in on at on off at into from with without for to of and or but if what why how when where who
    which is are was were be been do does did can could will would should may might must have has had
    pregnant worried scared confused nervous anxious tired late early normal fine new due sick bleeding
    spotting trying taking using going getting feeling having having wondering thinking asking
    day days week weeks month months year years period cycle ovulation pms pmdd pcos
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december
    british american english irish scottish welsh indian canadian australian german french spanish
    italian dutch muslim christian catholic jewish hindu vegan vegetarian type stage
    mirena kyleena jaydess nexplanon implanon depo yaz yasmin microgynon cerazette plan ella paragard
    ibuprofen naproxen paracetamol tylenol advil midol aspirin clue flo natural cycles google dr doctor
    mum mom mother dad father sister brother friend partner husband wife boyfriend girlfriend
    hi hello hey thanks thank please good great bad awful terrible horrible ridiculous desperate exhausted
    done ready alone single married""".split()
)
_NAME_TOKEN = r"[A-Z][a-z]+(?:['’-][A-Z]?[a-z]+)?"
_NAME = (
    r"(?:\b(?i:my\s+name\s+is|my\s+name['’]s|name['’]s|i['’]m|i\s+am|im|this\s+is|call\s+me|it['’]s\s+me)[\s,:]+"
    r"|(?<!\w)(?i:names?\s*:)\s*"
    rf"|\b(?i:it['’]?s)\s+(?={_NAME_TOKEN}\s+(?i:here|again|speaking)\b))"  # "it's Jess here"
    rf"(?P<pii>{_NAME_TOKEN}(?:\s+{_NAME_TOKEN})?)\b"
)

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATE = (
    r"(?:\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})"  # 14/03/1994, 23.09.85
    r"|\d{4}-\d{2}-\d{2}"  # 1999-07-21
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+\d{{4}}"  # 5 June 1991, 3rd of May 1990
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"  # June 5, 1991
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}"  # birthday 5th of June (no year)
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?"  # birthday June 5th
    r"|(?:19|20)\d{2})"  # born in 1994
)
_DOB_CONTEXT = r"(?i:born|d\.?o\.?b\.?|date\s+of\s+birth|birth\s*date|birthday|b-?day)(?:['’]s)?"
_DOB = rf"\b{_DOB_CONTEXT}(?:\s+(?i:is|was|on|in|of|=))?(?:\s+the)?[\s:,=-]{{0,5}}(?P<pii>(?i:{_DATE}))(?!\d)"

_STREET_TYPE = (
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Close|Way|Court|Ct|Boulevard|Blvd|Place|Pl|Crescent|"
    r"Terrace|Gardens|Square|Grove|Hill|Park|Row|Mews|Strasse|Straße|Straat|Rue)"
)
_ADDRESS = (
    r"(?P<pii>\b\d{1,5}[A-Za-z]?,?\s+(?:[A-Z][A-Za-z'’-]+\s+){1,3}"
    rf"{_STREET_TYPE}\b(?:,\s*[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)?"  # optional ", Town"
    r"(?:,?\s+[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b|,?\s+[A-Z]{2}\s+\d{5}\b)?"  # optional postcode or state+zip
    r"|\b\d{1,4}[a-z]?,?\s+(?i:rue|via|calle)\s+(?:(?i:de|du|des|la|le|del|di|della)\s+)?"  # 12 rue de Rivoli
    r"[A-Z][A-Za-z'’-]+(?:\s+[A-Z][A-Za-z'’-]+)?"
    r"|\b(?:Rue|Via|Calle)\s+(?:(?i:de|du|des|la|le|del|di|della)\s+)?[A-Z][A-Za-z'’-]+(?:\s+[A-Z][A-Za-z'’-]+)?"
    r",?\s+\d{1,4}\b"  # Via Roma 5
    r"|\b[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}\b)"  # a UK postcode on its own: SW1A 1AA
)

_SOCIAL_HOSTS = (
    r"(?:instagram\.com|facebook\.com|fb\.com|m\.facebook\.com|tiktok\.com|twitter\.com|x\.com|"
    r"linkedin\.com/in|youtube\.com/(?:@|c/|channel/|user/)|snapchat\.com/add|reddit\.com/u(?:ser)?|"
    r"onlyfans\.com|pinterest\.com|tumblr\.com|threads\.net|github\.com|medium\.com/@|t\.me|wa\.me|"
    r"linktr\.ee|venmo\.com|paypal\.me|cash\.app)"
)
_URL_TAIL = r"[^\s<>\"'),]*[^\s<>\"'),.!?;:]"  # a path, without the sentence's closing punctuation
_URL = (
    r"(?P<pii>(?:https?://)?(?:www\.)?"
    rf"(?:{_SOCIAL_HOSTS}/{_URL_TAIL}"  # a profile on a social site
    r"|[A-Za-z0-9-]+\.(?:blogspot|wordpress|substack|tumblr|wixsite|carrd|weebly)\.[a-z]+(?:\.[a-z]+)*"
    rf"(?:/{_URL_TAIL})?"
    rf"|[A-Za-z0-9.-]+\.[a-z]{{2,}}/(?:~|u/|user/|users/|profile/|@){_URL_TAIL}))"  # a user's page anywhere
)
_HANDLE = r"(?<![\w.@/])(?P<pii>@[A-Za-z0-9_][A-Za-z0-9_.]{1,29}[A-Za-z0-9_])(?![\w@])"

PATTERNS: Final[dict[str, str]] = {
    "EMAIL": _EMAIL,
    "PHONE": _PHONE,
    "NAME": _NAME,
    "DOB": _DOB,
    "ADDRESS": _ADDRESS,
    "URL": _URL,
    "HANDLE": _HANDLE,
}

# One cheap pass that every text goes through: a trigger for each recogniser (a superset of what it can
# report, checked by the tests on the evaluation set). Texts it does not match hold no personal data.
# Written once, for two engines: `{W}`, `{NW}`, `{S}`, `{D}` stand for \w, \W, \s, \d and `{B}` for the word
# boundary the recognisers need before a trigger word.
_SCREEN_TEMPLATE = (
    r"@"  # emails, handles, profile URLs
    r"|://|{B}[Ww]ww\.|\.(?:com|net|org|me|ee|app|io|co|ly)/"  # URLs
    r"|\.(?:blogspot|wordpress|substack|tumblr|wixsite|carrd|weebly)\."
    r"|\+{D}|{D}(?:(?:{S}|[().-]){{0,3}}{D}){{6}}"  # phone numbers: at least 7 digits (and Presidio's recogniser)
    r"|{B}(?:[Bb][Oo][Rr][Nn]|[Bb][Ii][Rr][Tt][Hh]|[Bb]-?[Dd][Aa][Yy]|[Dd]\.?[Oo]\.?[Bb])"  # dates of birth
    r"{W}*{NW}{{0,5}}(?:{W}+{NW}{{1,5}}){{0,2}}"
    r"(?:{D}|[JjFfMmAaSsOoNnDd][a-zA-Z]{{2}})"
    r"|{B}(?:[Nn][Aa][Mm][Ee](?:['’][Ss])?|[Ii]['’]?[Mm]|[Ii]{S}+[Aa][Mm]|[Tt][Hh][Ii][Ss]{S}+[Ii][Ss]"  # names
    r"|[Cc][Aa][Ll][Ll]{S}+[Mm][Ee]|[Ii][Tt]['’]?[Ss](?:{S}+[Mm][Ee])?)"
    r"{NW}{{0,5}}(?:is{NW}+)?[A-Z]"
    r"|{D}{{1,5}}[A-Za-z]?,?{S}+(?:[A-Z][A-Za-z'’-]+{S}+){{1,3}}"
    + _STREET_TYPE.replace("{", "{{").replace("}", "}}")
    + r"|{B}(?:Rue|Via|Calle|rue|calle){S}|{D},?{S}+via{S}"  # street addresses
    r"|[A-Z]{D}(?:[A-Z]|{D})?{S}{D}[A-Z]{{2}}"  # UK postcodes
)
SCREEN: Final = re.compile(_SCREEN_TEMPLATE.format(W=r"\w", NW=r"\W", S=r"\s", D=r"\d", B=r"\b"))
# The same screen for RE2, a linear-time automaton that scans text several times faster than Python's
# backtracking engine (an import screens every message). It matches wherever `SCREEN` does — each class holds
# at least what Python's holds and its word boundary is weaker (checked by a property test) — so a text it
# passes over holds no personal data, and a text it flags goes on to `SCREEN`, which decides: the candidates
# are exactly `SCREEN`'s.
PREFILTER: Final = re2.compile(
    _SCREEN_TEMPLATE.format(
        W=r"[^\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]",  # ASCII letters, digits, _ and all non-ASCII
        NW=r"[^A-Za-z0-9_]",
        S=r"[\t-\r\x1c-\x1f\x85\pZ]",
        D=r"\p{Nd}",
        B=r"(?:^|[^A-Za-z0-9_])",
    )
)


def is_candidate(text: str) -> bool:
    """Whether `text` may hold personal data (the cheap screen; false positives are fine)."""
    return PREFILTER.search(text) is not None and SCREEN.search(text) is not None


def detect(text: str) -> list[str]:
    """The sorted entity types found in `text` (empty for most texts)."""
    return list(_scrubbed(text)[1])


def scrub(text: str) -> tuple[str, list[str]]:
    """`text` with each piece of personal data replaced by `<TYPE>`, and the sorted types replaced."""
    scrubbed, found = _scrubbed(text)
    return scrubbed, list(found)


@lru_cache(maxsize=65_536)
def _scrubbed(text: str) -> tuple[str, tuple[str, ...]]:
    """The screen, then the analyzer and anonymizer on a candidate (cached: system prompts repeat)."""
    if not text or not is_candidate(text):
        return text, ()
    analyzer, anonymizer, operators = _engines()
    results = [r for r in analyzer.analyze(text=text, language=LANGUAGE) if r.score >= MIN_SCORE]
    if not results:
        return text, ()
    results = _without_overlaps(results)
    scrubbed = anonymizer.anonymize(text=text, analyzer_results=results, operators=operators).text  # type: ignore[arg-type]
    return scrubbed, tuple(sorted({r.entity_type for r in results}))


def flags(found: Iterable[str], *, scrubbed: bool) -> list[str] | None:
    """An interaction's `pii_flags`: the sorted entity types `found` (plus `UNSCRUBBED` when the text was
    stored as written), or `None` when nothing was found."""
    types = sorted(set(found))
    if not types:
        return None
    return types if scrubbed else [*types, UNSCRUBBED]


def _without_overlaps(results: list[RecognizerResult]) -> list[RecognizerResult]:
    """Keep the longest of overlapping hits (an email's domain is not also a URL, its user not a handle)."""
    kept: list[RecognizerResult] = []
    for result in sorted(results, key=lambda r: (-(r.end - r.start), -r.score, r.start)):
        if all(result.end <= other.start or result.start >= other.end for other in kept):
            kept.append(result)
    return sorted(kept, key=lambda r: r.start)


# -- the engines, built once per process -----------------------------------------------------------------
# Presidio imports transformers and torch when they are installed (the `local` extra), for NLP engines this
# module does not use: about 5 of the 6.5 seconds its import takes, paid again by every import worker
# process. They are kept out while it loads and stay importable afterwards.
_NOT_NEEDED: Final = ("transformers", "torch")


@contextmanager
def _kept_out(modules: Iterable[str]) -> Iterator[None]:
    """Make `import` of these (not yet imported) modules fail inside the block, as if not installed."""
    blocked = [name for name in modules if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # the import system's "not importable" mark
    try:
        yield
    finally:
        for name in blocked:
            if sys.modules.get(name) is None:
                sys.modules.pop(name, None)


@lru_cache(maxsize=1)
def _engines() -> tuple[AnalyzerEngine, AnonymizerEngine, dict[str, Any]]:
    with _kept_out(_NOT_NEEDED):
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.nlp_engine import NoOpNlpEngine
        from presidio_analyzer.predefined_recognizers import PhoneRecognizer
        from presidio_anonymizer import AnonymizerEngine
        from presidio_anonymizer.entities import OperatorConfig

    registry = RecognizerRegistry(supported_languages=[LANGUAGE])
    for entity, pattern in PATTERNS.items():
        registry.add_recognizer(_group_recognizer(entity, pattern))
    registry.add_recognizer(PhoneRecognizer(supported_entity="PHONE", supported_language=LANGUAGE))
    nlp = NoOpNlpEngine(models=[{"lang_code": LANGUAGE, "model_name": "none"}])
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=[LANGUAGE])
    operators = {entity: OperatorConfig("replace", {"new_value": f"<{entity}>"}) for entity in ENTITY_TYPES}
    return analyzer, AnonymizerEngine(), operators


def _group_recognizer(entity: str, pattern: str) -> Any:
    """A Presidio recogniser reporting the `pii` group of each match of `pattern` as `entity`."""
    from presidio_analyzer import LocalRecognizer, RecognizerResult

    compiled = re.compile(pattern)

    class GroupRecognizer(LocalRecognizer):
        def load(self) -> None:
            pass

        def analyze(
            self, text: str, entities: list[str], nlp_artifacts: Any = None
        ) -> list[RecognizerResult]:
            hits = []
            for match in compiled.finditer(text):
                start, end = match.span("pii")
                if entity == "NAME":  # trim or drop capitalised words that are not names
                    name_end = _name_end(match.group("pii"), start)
                    if name_end is None:
                        continue
                    end = name_end
                hits.append(RecognizerResult(entity, start, end, 0.85))
            return hits

    return GroupRecognizer(
        supported_entities=[entity], supported_language=LANGUAGE, name=f"bloomtune-{entity.lower()}"
    )


def _name_end(tokens: str, start: int) -> int | None:
    """Where the name that starts at `start` ends: its first token, plus the second when that is a name
    too; `None` when the first token is a known non-name ("I'm Pregnant", "this is Day 3")."""
    words = tokens.split()
    if _is_common_word(words[0]):
        return None
    if len(words) == 1 or _is_common_word(words[1]):
        return start + len(words[0])
    return start + len(tokens)


def _is_common_word(word: str) -> bool:
    lowered = word.lower()
    return lowered in _NOT_NAMES or lowered.endswith("ing")
