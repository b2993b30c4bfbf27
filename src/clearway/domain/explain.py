# SPDX-License-Identifier: Apache-2.0
"""Plain explanations of failed rules, in English and Japanese, naming the marking term: the
missing country code, the programme, the clearance type and issuer, the expiry date, ITAR,
ORCON (SPEC §6). Built only for decisions that are shown; the hot path returns codes."""

from __future__ import annotations

from datetime import UTC, datetime

from clearway.domain.compiled import CompiledWorld
from clearway.domain.decision import Action, Explanation, Reason
from clearway.domain.facts import NATO_PROGRAMME, Asset, Clearance, Person
from clearway.domain.lifecycle import Standing
from clearway.domain.marking import Marking, order_codes
from clearway.domain.marking.model import NATO
from clearway.domain.time import to_micros

__all__ = ["STATUS_JA", "explain"]

STATUS_JA = {
    "applied": "申請中",
    "investigating": "調査中",
    "interim": "暫定付与",
    "granted": "付与済み",
    "denied": "不許可",
    "suspended": "停止中",
    "revoked": "取消済み",
    "withdrawn": "取下げ済み",
}


def _date(value: datetime) -> str:
    value = value.astimezone(UTC)
    if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
        return value.date().isoformat()
    return value.isoformat().replace("+00:00", "Z")


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _ja_list(items: list[str]) -> str:
    return "、".join(items)


class _Explainer:
    def __init__(
        self, world: CompiledWorld, person: Person, asset: Asset, action: Action, at: datetime
    ) -> None:
        self.world = world
        self.ref = world.reference
        self.person = person
        self.asset = asset
        self.action = action
        self.at = at
        self.marking: Marking = asset.marking_at(at)
        self.level = self.marking.level_of(self.ref)
        self.nationalities = person.nationalities_at(at)
        self.releasable = self.marking.releasable_nations(self.ref)
        self.rel_codes = order_codes(self.marking.releasable_to, self.ref, usa_first=True)
        self.employer = person.employer_at(at)

    def level_in(self, nation: str) -> str:
        translated = self.ref.translate(self.level, nation)
        return "—" if translated is None else translated.name

    def relevant(self) -> list[Clearance]:
        return [c for c in self.person.clearances if c.issuer in self.releasable]

    def not_releasable(self) -> Explanation:
        rel = ", ".join(self.rel_codes)
        if not self.nationalities:
            return Explanation(
                Reason.NOT_RELEASABLE,
                f"holds no nationality at this time (REL TO {rel})",
                f"この時点で国籍の記録がありません（REL TO {rel}）",
            )
        outside = [n for n in self.nationalities if n not in self.releasable]
        unable = [n for n in self.nationalities if n in self.releasable]
        en, ja = [], []
        if outside:
            en.append(f"REL TO does not include {_or(outside)} (REL TO {rel})")
            ja.append(f"REL TO に {_ja_list(outside)} が含まれていません（REL TO {rel}）")
        for nation in unable:
            en.append(f"{nation} has no level to protect {self.level.name} as")
            ja.append(f"{nation} には {self.level.name} を保護できる区分がありません")
        return Explanation(Reason.NOT_RELEASABLE, "; ".join(en), "。".join(ja))

    def clearance_missing(self) -> Explanation:
        issuers = ", ".join(c for c in self.rel_codes)
        others = sorted(
            {f"{c.issuer} {c.type.name}" for c in self.person.clearances if c.entry_at(self.at)}
        )
        en = f"no clearance issued by a nation in REL TO ({issuers})"
        ja = f"REL TO の国（{issuers}）が発行したクリアランスがありません"
        if others:
            en += f"; {_or(others)} does not count for information not released to its issuer"
            ja += f"。{_ja_list(others)} は発行国に開示されていない情報には使えません"
        return Explanation(Reason.CLEARANCE_MISSING, en, ja)

    def clearance_inactive(self) -> Explanation:
        en, ja = [], []
        for clearance in self.relevant():
            entry = clearance.entry_at(self.at)
            if entry is None or clearance.standing_at(self.at) is not Standing.INACTIVE:
                continue
            issuer, name, since = clearance.issuer, clearance.type.name, _date(entry.at)
            en.append(f"{issuer} {name} clearance is {entry.status} since {since}")
            ja.append(
                f"{issuer} の {name} クリアランスは{STATUS_JA[entry.status]}です（{since} から）"
            )
        return Explanation(Reason.CLEARANCE_INACTIVE, "; ".join(en), "。".join(ja))

    def clearance_expired(self) -> Explanation:
        en, ja = [], []
        for clearance in self.relevant():
            if clearance.standing_at(self.at) is not Standing.EXPIRED:
                continue
            expiry = clearance.expiry_at(self.at)
            assert expiry is not None  # an expired clearance has an expiry in effect
            issuer, name, day = clearance.issuer, clearance.type.name, _date(expiry)
            en.append(f"{issuer} {name} clearance expired on {day}")
            ja.append(f"{issuer} の {name} クリアランスは {day} に有効期限が切れました")
        return Explanation(Reason.CLEARANCE_EXPIRED, "; ".join(en), "。".join(ja))

    def clearance_insufficient(self) -> Explanation:
        en, ja = [], []
        for clearance in self.relevant():
            if clearance.standing_at(self.at) is not Standing.VALID:
                continue
            issuer, name = clearance.issuer, clearance.type.name
            ceiling, needed = clearance.type.ceiling.name, self.level_in(issuer)
            en.append(
                f"{issuer} {name} clearance reaches {ceiling}; this information is protected"
                f" in {issuer} as {needed}"
            )
            ja.append(
                f"{issuer} の {name} クリアランスの上限は {ceiling} ですが、この情報は"
                f" {issuer} では {needed} として保護されます"
            )
        return Explanation(Reason.CLEARANCE_INSUFFICIENT, "; ".join(en), "。".join(ja))

    def need_to_know(self) -> Explanation:
        required = set(self.marking.programmes)
        if self.marking.originator == NATO and self.level.rank >= 1:
            required.add(NATO_PROGRAMME)
        state = self.world.person(self.person.id).at(to_micros(self.at))
        missing = sorted(p for p in required if not state.programmes & self.world.programme_bit(p))
        return Explanation(
            Reason.NEED_TO_KNOW,
            f"not read on to {_or(missing)}, and no approved visit covers it",
            f"{_ja_list(missing)} にリードオンされておらず、承認済みの訪問もありません",
        )

    def facility_clearance(self) -> Explanation:
        if self.employer is None:
            return Explanation(
                Reason.FACILITY_CLEARANCE,
                "no employer at this time: taking a copy needs a cleared facility",
                "この時点で所属組織がありません。ダウンロードには施設クリアランスのある組織が必要です",
            )
        org = self.world.organisations[self.employer]
        needed = self.level_in(org.nation)
        return Explanation(
            Reason.FACILITY_CLEARANCE,
            f"{org.id} holds no active facility clearance covering {org.nation} {needed}",
            f"{org.id} には {org.nation} の {needed} を扱える有効な施設クリアランスがありません",
        )

    def export(self) -> Explanation:
        control = (
            self.ref.itar_excluded
            if self.ref.itar_excluded in self.marking.export_controls
            else "ITAR"
        )
        nations = ", ".join(self.nationalities) or "—"
        en = (
            f"the information carries {control}: {nations} nationals need an ITAR export"
            " authorisation covering it or its programme"
        )
        ja = (
            f"この情報は {control} の対象です。{nations} 国籍者には、この情報またはその"
            "プログラムを対象とする ITAR 輸出許可が必要です"
        )
        if control == self.ref.itar_excluded:
            en += " (the AUKUS exemption does not cover the Excluded Technology List)"
            ja += "（AUKUS 適用除外は除外技術リストには及びません）"
        elif {"AUS", "GBR"} & set(self.nationalities):
            if self.employer is None:
                en += "; with no employer, the AUKUS exemption cannot apply"
                ja += "。所属組織がないため AUKUS 適用除外は適用されません"
            else:
                en += f"; {self.employer} is not an AUKUS authorised user at this time"
                ja += f"。{self.employer} はこの時点で AUKUS 認定ユーザーではありません"
        return Explanation(Reason.EXPORT_AUTHORISATION_REQUIRED, en, ja)

    def orcon(self) -> Explanation:
        names = [self.person.id, *([self.employer] if self.employer else []), *self.nationalities]
        origin = self.marking.originator
        return Explanation(
            Reason.ORIGINATOR_APPROVAL_REQUIRED,
            f"ORCON: the originator {origin} has not approved release to {_or(names)}",
            f"ORCON: 発信元 {origin} は {_ja_list(names)} への開示を承認していません",
        )


def explain(
    world: CompiledWorld,
    person: Person,
    asset: Asset,
    action: Action,
    at: datetime,
    reasons: list[Reason],
) -> tuple[Explanation, ...]:
    """One explanation per failed rule, in the same order."""
    explainer = _Explainer(world, person, asset, action, at)
    builders = {
        Reason.NOT_RELEASABLE: explainer.not_releasable,
        Reason.CLEARANCE_MISSING: explainer.clearance_missing,
        Reason.CLEARANCE_INACTIVE: explainer.clearance_inactive,
        Reason.CLEARANCE_EXPIRED: explainer.clearance_expired,
        Reason.CLEARANCE_INSUFFICIENT: explainer.clearance_insufficient,
        Reason.NEED_TO_KNOW: explainer.need_to_know,
        Reason.FACILITY_CLEARANCE: explainer.facility_clearance,
        Reason.EXPORT_AUTHORISATION_REQUIRED: explainer.export,
        Reason.ORIGINATOR_APPROVAL_REQUIRED: explainer.orcon,
    }
    return tuple(builders[reason]() for reason in reasons)
