# SPDX-License-Identifier: Apache-2.0
"""Marking strings → structured markings (SPEC §5 input forms).

Input is NFKC-normalised first (full-width characters and ``III급비밀`` match). The forms:

* canonical: ``SECRET//FGI GBR//ORCON/REL TO USA, GBR`` for US information,
  ``//GBR SECRET//REL TO USA, GBR`` (``//ORIG WORD`` takes the originator's designated level of
  that word's rank) and ``//NATO SECRET`` for the rest;
* UK: ``UK SECRET``, ``SECRET UK EYES ONLY``, ``TOP SECRET UK/US EYES ONLY``;
* Australian: ``SECRET//REL AUS/GBR/USA``, ``PROTECTED//AUSTEO`` and the email form
  ``[SEC=PROTECTED, CAVEAT=RI:REL AUS/JPN]``;
* Japanese: a JPN level name, optionally with ``//REL TO <codes>``;
* NATO: ``NATO SECRET``, ``COSMIC TOP SECRET``, optionally with ``//REL TO <codes>``.

Every error is a :class:`~clearway.errors.MarkingError` naming the offending token and its
1-based character position in the text as given.
"""

from __future__ import annotations

import bisect
import re
import unicodedata

import attrs

from clearway.domain.marking.model import NATO, NOFORN, ORCON, USA, Marking
from clearway.domain.reference import RANK_WORDS, Level, Reference, Scheme, fold
from clearway.errors import MarkingError

__all__ = ["Parsed", "parse_marking"]

GBR = "GBR"
AUS = "AUS"
JPN = "JPN"

#: Country words of UK national caveats (``UK/US EYES ONLY``) and their trigraphs.
_EYES_WORDS = {"UK": GBR, "US": USA, "AUS": AUS, "CAN": "CAN", "NZ": "NZL"}
_RANK_BY_WORD = {word: rank for rank, word in enumerate(RANK_WORDS)}
#: The lowest levels at which national caveats may be applied (SPEC §5; [GSCP24], [AU-EPMS]).
_UK_CAVEATS_FROM = "SECRET"
_AUS_CAVEATS_FROM = "PROTECTED"
_DISSEMINATION_ALIASES = {"ORCON": ORCON, "OC": ORCON, "NOFORN": NOFORN, "NF": NOFORN}


@attrs.frozen
class Parsed:
    """A parsed marking and the warnings its input earned (e.g. the ``AUKUS`` alias)."""

    marking: Marking
    warnings: tuple[str, ...] = ()


@attrs.frozen
class _Piece:
    """A slice of the normalised text and its offset there."""

    text: str
    start: int

    def strip(self) -> _Piece:
        lead = len(self.text) - len(self.text.lstrip())
        return _Piece(self.text.strip(), self.start + lead)

    def split(self, sep: str) -> list[_Piece]:
        out, offset = [], 0
        for part in self.text.split(sep):
            out.append(_Piece(part, self.start + offset))
            offset += len(part) + len(sep)
        return out

    def after(self, n: int) -> _Piece:
        return _Piece(self.text[n:], self.start + n)

    @property
    def key(self) -> str:
        return fold(self.text)


@attrs.frozen
class _Tail:
    """The categories after the level: REL TO codes, dissemination caveats, FGI codes."""

    releasable_to: frozenset[str]
    caveats: frozenset[str]
    fgi: frozenset[str]


class _Source:
    """The normalised text and a map from its offsets back to the text as given."""

    #: Longest input whose composed characters are mapped back exactly (the map is quadratic).
    _EXACT_LIMIT = 4096

    def __init__(self, raw: str) -> None:
        pieces = [unicodedata.normalize("NFKC", ch) for ch in raw]
        text = unicodedata.normalize("NFKC", raw)
        if "".join(pieces) == text:
            self.offsets = [i for i, piece in enumerate(pieces) for _ in piece] + [len(raw)]
        elif len(raw) <= self._EXACT_LIMIT:
            # Composition across characters (decomposed Hangul or kana): a normalised offset
            # comes from the longest prefix of the input that normalises to no more than it.
            lengths = [len(unicodedata.normalize("NFKC", raw[:i])) for i in range(len(raw) + 1)]
            self.offsets = [bisect.bisect_right(lengths, j) - 1 for j in range(len(text))]
            self.offsets.append(len(raw))
        else:  # pragma: no cover - absurdly long input: positions in the normalised text
            self.offsets = list(range(len(text) + 1))
        self.raw = raw
        self.text = text

    def error(self, message: str, piece: _Piece) -> MarkingError:
        """An error naming ``piece`` as given (before NFKC) and its 1-based position there."""
        start = min(piece.start, len(self.text))
        end = start + len(piece.text)
        fragment = piece.text
        if piece.text and self.text[start:end] == piece.text:
            raw_end = max(self.offsets[end], self.offsets[end - 1] + 1)
            fragment = self.raw[self.offsets[start] : raw_end]
        return MarkingError(message, fragment=fragment, position=self.offsets[start] + 1)


class _Parser:
    def __init__(self, text: str, reference: Reference) -> None:
        self.src = _Source(text)
        self.ref = reference
        self.warnings: list[str] = []

    def fail(self, message: str, piece: _Piece) -> MarkingError:
        return self.src.error(message, piece)

    # --- shared pieces -------------------------------------------------------------------

    def code(self, piece: _Piece) -> frozenset[str]:
        code = piece.text.upper()
        if not code:
            raise self.fail("empty country code", piece)
        if code in self.ref.input_aliases:
            self.warnings.append(
                f"`{code}` is not an official tetragraph; read as "
                + ", ".join(sorted(self.ref.input_aliases[code]))
            )
            return self.ref.input_aliases[code]
        if not self.ref.is_code(code):
            raise self.fail(f"unknown country code `{piece.text}`", piece)
        return frozenset({code})

    def code_list(self, value: _Piece, skip: int, separators: str, what: str) -> frozenset[str]:
        """The codes listed in ``value`` after its keyword (its first ``skip`` characters)."""
        body = value.after(skip).strip()
        if not body.text:
            raise self.fail(f"empty {what} list", _Piece(value.text[:skip].rstrip(), value.start))
        seps = list(re.finditer(separators, body.text))
        starts = [0, *(sep.end() for sep in seps)]
        ends = [*(sep.start() for sep in seps), len(body.text)]
        codes: set[str] = set()
        for i, (lo, hi) in enumerate(zip(starts, ends, strict=True)):
            item = _Piece(body.text[lo:hi], body.start + lo).strip()
            if not item.text:  # name the separator that has no code before (or after) it
                sep = seps[min(i, len(seps) - 1)]
                raise self.fail("empty country code", _Piece(sep.group(), body.start + sep.start()))
            codes |= self.code(item)
        return frozenset(codes)

    def require_originator(self, origin: str, rel: frozenset[str], piece: _Piece) -> None:
        if origin == NATO or origin in self.ref.expand(rel):
            return
        raise self.fail(f"REL TO list does not include the originator `{origin}`", piece)

    def categories_after(self, parts: list[_Piece]) -> list[_Piece]:
        """The categories after the first (already split on ``//``); empty ones are errors."""
        out = []
        for part in parts:
            stripped = part.strip()
            if not stripped.text:
                raise self.fail("empty category", _Piece("//", max(part.start - 2, 0)))
            out.append(stripped)
        return out

    def build(
        self,
        origin: str,
        level: Level,
        rel: frozenset[str],
        caveats: frozenset[str] = frozenset(),
        fgi: frozenset[str] = frozenset(),
    ) -> Marking:
        rel = rel | {origin}
        if origin == USA and rel == {USA}:
            caveats = caveats | {NOFORN}
        return Marking(
            originator=origin,
            level=level.name,
            releasable_to=rel,
            caveats=caveats,
            fgi=fgi,
        )

    # --- canonical and national categories --------------------------------------------------

    def tail(self, origin: str, pieces: list[_Piece], list_separators: str = r",") -> _Tail:
        """FGI and dissemination categories of the canonical form (and of the national forms
        that take ``//REL TO``)."""
        fgi: frozenset[str] = frozenset()
        caveats: set[str] = set()
        rel: frozenset[str] | None = None
        seen: set[str] = set()
        noforn: _Piece | None = None
        for category in pieces:
            if category.key == "fgi" or category.key.startswith("fgi "):
                if "fgi" in seen:
                    raise self.fail("repeated category `FGI`", category)
                if "dissemination" in seen:
                    raise self.fail("FGI must come before the dissemination controls", category)
                seen.add("fgi")
                fgi = self.code_list(category, 3, r"\s+", "FGI")
                if origin in fgi:
                    raise self.fail(f"FGI cannot list the originator `{origin}`", category)
                continue
            if "dissemination" in seen:
                raise self.fail("repeated dissemination category", category)
            seen.add("dissemination")
            for value in category.split("/"):
                value = value.strip()
                word = value.text.upper()
                if not word:
                    raise self.fail("empty dissemination value", value)
                if word == "REL TO" or word.startswith("REL TO "):
                    if rel is not None:
                        raise self.fail("repeated `REL TO`", value)
                    rel = self.code_list(value, 6, list_separators, "REL TO")
                    self.require_originator(origin, rel, value)
                    continue
                control = _DISSEMINATION_ALIASES.get(word)
                if control is None:
                    raise self.fail(f"unknown dissemination control `{value.text}`", value)
                if control in caveats:
                    raise self.fail(f"repeated `{value.text}`", value)
                if control == NOFORN and origin != USA:
                    raise self.fail(f"NOFORN is for US information only, not {origin}", value)
                caveats.add(control)
                if control == NOFORN:
                    noforn = value
            if noforn is not None and rel is not None:
                raise self.fail("NOFORN cannot be combined with REL TO", noforn)
        return _Tail(rel or frozenset(), frozenset(caveats), fgi)

    def finish(self, origin: str, level: Level, tail: _Tail) -> Marking:
        return self.build(origin, level, tail.releasable_to, tail.caveats, tail.fgi)

    # --- the forms -----------------------------------------------------------------------

    def parse(self) -> Marking:
        whole = _Piece(self.src.text, 0).strip()
        if not whole.text:
            raise self.fail("empty marking", whole)
        if whole.text.startswith("["):
            return self.email(whole)
        if whole.text.startswith("//"):
            return self.foreign(whole)
        head, *rest = whole.split("//")
        head = head.strip()
        pieces = self.categories_after(rest)
        if head.key.startswith("uk ") or head.key.endswith(" eyes only"):
            return self.uk(head, pieces)
        if any(self.is_australian(p) for p in pieces):
            return self.australian(head, pieces)
        return self.unprefixed(head, pieces)

    def unprefixed(self, head: _Piece, pieces: list[_Piece]) -> Marking:
        for origin in (USA, JPN, NATO):
            scheme = self.ref.schemes.get(origin)
            level = scheme.find_level(head.text) if scheme is not None else None
            if level is not None:
                separators = r"[,、]" if origin == JPN else r","
                if origin != USA and any(p.key.startswith("fgi") for p in pieces):
                    raise self.fail(f"FGI is not part of the {origin} input form", pieces[0])
                return self.finish(origin, level, self.tail(origin, pieces, separators))
        owners = [n for n, s in sorted(self.ref.schemes.items()) if s.find_level(head.text)]
        if owners:
            msg = (
                f"`{head.text}` is a level of {', '.join(owners)}, not of the USA; write it as"
                f" `//{owners[0]} ...` or in that nation's input form"
            )
            raise self.fail(msg, head)
        raise self.fail(f"unknown level `{head.text}`", head)

    def foreign(self, whole: _Piece) -> Marking:
        body = whole.after(2)
        head, *rest = body.split("//")
        head = head.strip()
        pieces = self.categories_after(rest)
        nato = self.ref.schemes.get(NATO)
        level = nato.find_level(head.text) if nato is not None else None
        if level is not None:
            return self.finish(NATO, level, self.tail(NATO, pieces))
        words = head.text.split(None, 1)
        if not words:
            raise self.fail("missing originator and level after `//`", _Piece("//", whole.start))
        origin_piece = _Piece(words[0], head.start)
        origin = words[0].upper()
        if origin == USA:
            raise self.fail("US information starts with its level, not `//USA`", origin_piece)
        scheme = self.ref.schemes.get(origin)
        if scheme is None:
            what = "has no classification scheme" if self.ref.is_code(origin) else "is unknown"
            raise self.fail(f"originator `{words[0]}` {what}", origin_piece)
        if len(words) < 2:
            raise self.fail(f"missing level after `{words[0]}`", origin_piece)
        word_piece = _Piece(words[1], head.start + head.text.index(words[1], len(words[0])))
        level = self.rank_word_level(scheme, word_piece)
        return self.finish(origin, level, self.tail(origin, pieces))

    def rank_word_level(self, scheme: Scheme, piece: _Piece) -> Level:
        rank = _RANK_BY_WORD.get(" ".join(piece.text.upper().split()))
        if rank is not None:
            level = scheme.designated(rank)
            if level is None:
                msg = f"{scheme.nation} has no designated level of rank {rank} (`{piece.text}`)"
                raise self.fail(msg, piece)
            return level
        level = scheme.find_level(piece.text)
        if level is None:
            raise self.fail(f"`{piece.text}` is not a level of {scheme.nation}", piece)
        return level

    # UK: `UK SECRET`, `SECRET UK EYES ONLY`, `TOP SECRET UK/US EYES ONLY`
    def uk(self, head: _Piece, pieces: list[_Piece]) -> Marking:
        scheme = self.ref.scheme(GBR)
        body = head.after(3).strip() if head.key.startswith("uk ") else head
        rel: frozenset[str] = frozenset({GBR})
        caveat: _Piece | None = None
        if body.key.endswith(" eyes only"):
            match = re.fullmatch(r"(.*\S)\s+(\S+)\s+EYES\s+ONLY", body.text, flags=re.IGNORECASE)
            if match is None:
                raise self.fail("missing level before the national caveat", body)
            rel = self.eyes(_Piece(match.group(2), body.start + match.start(2)))
            caveat = body.after(match.start(2))  # the caveat as written, e.g. `UK EYES ONLY`
            body = _Piece(match.group(1), body.start).strip()
        level = scheme.find_level(body.text)
        if level is None:
            raise self.fail(f"`{body.text}` is not a level of GBR", body)
        if caveat is not None:
            threshold = scheme.level(_UK_CAVEATS_FROM)
            if level.below(threshold):
                msg = f"national caveat `{caveat.text}` is not allowed at {level.name}"
                raise self.fail(msg, caveat)
            if pieces:
                raise self.fail("nothing may follow a national caveat", pieces[0])
            return self.build(GBR, level, rel)
        return self.finish(GBR, level, self.tail(GBR, pieces))

    def eyes(self, piece: _Piece) -> frozenset[str]:
        if piece.key == "five":
            return self.ref.groups.get("FVEY", frozenset()) | {GBR}
        codes: set[str] = set()
        for word in piece.split("/"):
            word = word.strip()
            trigraph = _EYES_WORDS.get(word.text.upper())
            if trigraph is None:
                codes |= self.code(word)
            else:
                codes.add(trigraph)
        if GBR not in codes:
            raise self.fail("a UK national caveat must include UK", piece)
        return frozenset(codes)

    # Australian: `SECRET//REL AUS/GBR/USA`, `PROTECTED//AUSTEO`, `[SEC=..., CAVEAT=RI:REL ...]`
    @staticmethod
    def is_australian(piece: _Piece) -> bool:
        key = piece.key
        return key == "austeo" or (key.startswith("rel ") and not key.startswith("rel to"))

    def australian(self, head: _Piece, pieces: list[_Piece]) -> Marking:
        scheme = self.ref.scheme(AUS)
        level = scheme.find_level(head.text)
        if level is None:
            raise self.fail(f"`{head.text}` is not a level of AUS", head)
        rel: frozenset[str] | None = None
        caveats: set[str] = set()
        for piece in pieces:
            rel, caveats = self.aus_caveat(scheme, level, piece, rel, caveats)
        return self.build(AUS, level, rel or frozenset(), frozenset(caveats))

    def aus_caveat(
        self,
        scheme: Scheme,
        level: Level,
        piece: _Piece,
        rel: frozenset[str] | None,
        caveats: set[str],
        kind: str | None = None,
    ) -> tuple[frozenset[str] | None, set[str]]:
        """Apply one caveat; ``kind`` is the email form's caveat type (``ri`` or ``sh``)."""
        threshold = scheme.level(_AUS_CAVEATS_FROM)
        if level.below(threshold):
            msg = f"caveat `{piece.text}` is not allowed below {threshold.name}"
            raise self.fail(msg, piece)
        key = piece.key
        indicator = key == "austeo" or (key.startswith("rel ") and not key.startswith("rel to"))
        if kind is not None and (kind == "ri") != indicator:
            what = "a releasability indicator (RI)" if kind == "ri" else "a special handling (SH)"
            raise self.fail(f"`{piece.text}` is not {what} caveat", piece)
        if key == "austeo":
            if rel is not None:
                raise self.fail("repeated releasability indicator", piece)
            return frozenset({AUS}), caveats
        if key.startswith("rel ") and not key.startswith("rel to"):
            if rel is not None:
                raise self.fail("repeated releasability indicator", piece)
            codes = self.code_list(piece, 4, r"/", "REL")
            self.require_originator(AUS, codes, piece)
            return codes, caveats
        if key == "orcon":
            if ORCON in caveats:
                raise self.fail("repeated `ORCON`", piece)
            return rel, caveats | {ORCON}
        if _DISSEMINATION_ALIASES.get(piece.text.upper()) == NOFORN:
            raise self.fail(f"NOFORN is for US information only, not {AUS}", piece)
        raise self.fail(f"unsupported Australian caveat `{piece.text}`", piece)

    def email(self, whole: _Piece) -> Marking:
        if not whole.text.endswith("]"):
            raise self.fail(
                "the email form must end with `]`", _Piece("]", whole.start + len(whole.text))
            )
        body = _Piece(whole.text[1:-1], whole.start + 1)
        elements = [e.strip() for e in body.split(",")]
        first = elements[0]
        if not first.key.startswith("sec="):
            raise self.fail("the email form must start with `SEC=`", first)
        scheme = self.ref.scheme(AUS)
        level_piece = first.after(4).strip()
        level = scheme.find_level(level_piece.text)
        if level is None:
            raise self.fail(f"`{level_piece.text}` is not a level of AUS", level_piece)
        rel: frozenset[str] | None = None
        caveats: set[str] = set()
        for element in elements[1:]:
            name, _, value = element.text.partition("=")
            key = fold(name)
            if not element.text:
                raise self.fail("empty element", element)
            if key == "caveat":
                kind, sep, _ = value.partition(":")
                if not sep or fold(kind) not in {"ri", "sh"}:
                    raise self.fail(f"unsupported caveat `{value}`", element)
                offset = element.text.index(":") + 1
                rel, caveats = self.aus_caveat(
                    scheme, level, element.after(offset).strip(), rel, caveats, fold(kind)
                )
            elif key in {"expires", "downto", "access"}:
                self.warnings.append(f"`{element.text}` is not recorded by clearway")
            else:
                raise self.fail(f"unknown element `{element.text}`", element)
        return self.build(AUS, level, rel or frozenset(), frozenset(caveats))


def parse_marking(text: str, reference: Reference) -> Parsed:
    """Parse a marking string in any SPEC §5 input form.

    Raises :class:`MarkingError` naming the offending token and its character position.
    """
    parser = _Parser(text, reference)
    marking = parser.parse()
    return Parsed(marking, tuple(parser.warnings))
