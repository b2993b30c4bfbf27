# SPDX-License-Identifier: Apache-2.0
"""The tour behind ``clearway demo``: an AUKUS Pillar 2 world with Japan.

It loads the shipped demo world into its own fresh store and asks, scene by scene, who may read
or download what, and why not, showing banners, every reason code and the explanations in
English or Japanese (``--lang ja``).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import attrs
from rich.console import Console
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from clearway.domain.compiled import CompiledWorld
from clearway.domain.decision import Decision, Reason
from clearway.domain.facts import World
from clearway.domain.marking import display_banner, parse_marking, render_banner, roll_up
from clearway.domain.pdp import decide, readable_assets, readers
from clearway.domain.reference import Reference
from clearway.reference import default_reference
from clearway.scenario.build import build_world
from clearway.scenario.document import WorldDoc
from clearway.scenario.runner import load_document
from clearway.services.index import DecisionIndex
from clearway.services.scratch import ScratchStores
from clearway.services.transfer import import_world

#: The instant the tour is told at (decisions can be asked at any instant; see the later scenes).
TOUR_AT = datetime(2026, 6, 1, tzinfo=UTC)


@attrs.frozen
class Scene:
    """One question of the tour."""

    person: str
    asset: str
    action: str
    en: str
    ja: str
    at: datetime | None = None


SCENES = (
    Scene(
        "P-TANAKA",
        "D-Q1",
        "read",
        "A Japanese engineer with an SDS suitability assessment reads UK SECRET quantum work.",
        "特定秘密の適性評価を受けた日本の技術者が、英国 SECRET の量子研究資料を閲覧する。",
    ),
    Scene(
        "P-TANAKA",
        "D-Q1",
        "download",
        "...and takes a copy at MHI, whose facility clearance covers it.",
        "……適合事業者である三菱重工で複製を取得する。",
    ),
    Scene(
        "P-SATO",
        "D-Q1",
        "read",
        "A CESI assessment reaches CONFIDENTIAL-like information only.",
        "重要経済安保情報の適性評価は CONFIDENTIAL 相当までしか及ばない。",
    ),
    Scene(
        "P-TANAKA",
        "D-H1",
        "read",
        "Hypersonic work is not released to Japan: every failing rule is reported.",
        "極超音速の資料は日本に開示されていない。満たされない規則はすべて示される。",
    ),
    Scene(
        "P-BROWN",
        "D-Q1",
        "read",
        "A suspended UK clearance stops access from the suspension date...",
        "英国のクリアランスが停止されると、停止日からアクセスできなくなる……",
    ),
    Scene(
        "P-BROWN",
        "D-Q1",
        "read",
        "...while a decision asked for an earlier instant still permits.",
        "……停止前の時点について問えば、許可される。",
        datetime(2026, 2, 1, tzinfo=UTC),
    ),
    Scene(
        "P-MILLER",
        "D-Q1",
        "read",
        "A US SECRET clearance granted in 2014 has passed its 10-year validity.",
        "2014 年に付与された米国 SECRET クリアランスは 10 年の有効期間を過ぎている。",
    ),
    Scene(
        "P-WALKER",
        "D-Q1",
        "download",
        "Reading is allowed, but possession needs a cleared facility.",
        "閲覧はできるが、複製の保持には施設クリアランスが必要である。",
    ),
    Scene(
        "P-SMITH",
        "D-H1",
        "read",
        "AUKUS exemption: a UK national at an authorised user reads ITAR data.",
        "AUKUS 適用除外：認定ユーザー企業の英国人は ITAR 対象データを閲覧できる。",
    ),
    Scene(
        "P-SMITH",
        "D-H1",
        "read",
        "...but not before the firm became an authorised user.",
        "……ただし、企業が認定ユーザーになる前はできない。",
        datetime(2024, 6, 1, tzinfo=UTC),
    ),
    Scene(
        "P-SMITH",
        "D-X1",
        "read",
        "The exemption never covers the Excluded Technology List.",
        "適用除外は除外技術リストには及ばない。",
    ),
    Scene(
        "P-TANAKA",
        "D-Q2",
        "read",
        "Japan needs an ITAR export authorisation: MHI holds one for quantum work until 2027.",
        "日本には ITAR 輸出許可が必要である。三菱重工は量子分野の許可を 2027 年まで持つ。",
    ),
    Scene(
        "P-TANAKA",
        "D-Q2",
        "read",
        "After it lapses, the same request is denied.",
        "許可が失効した後は、同じ要求が拒否される。",
        datetime(2027, 6, 1, tzinfo=UTC),
    ),
    Scene(
        "P-JONES",
        "D-U1",
        "read",
        "ORCON: Japan released its UUV algorithm to JPN nationals and BAE only.",
        "ORCON：日本は UUV アルゴリズムを日本国籍者と BAE にのみ開示した。",
    ),
    Scene(
        "P-SMITH",
        "D-U1",
        "download",
        "A BAE engineer may take it: the originator approved her firm.",
        "BAE の技術者は取得できる。発信元が所属企業を承認している。",
    ),
    Scene(
        "P-WATANABE",
        "D-U1",
        "read",
        "An approved visit to BAE counts as a read-on for its interval.",
        "BAE への承認済み訪問は、その期間中リードオンとして扱われる。",
    ),
    Scene(
        "P-WATANABE",
        "D-Q1",
        "read",
        "It covers its own programme only: no need-to-know for quantum work.",
        "訪問は対象プログラムにのみ有効で、量子分野の知る必要性はない。",
    ),
)

_TEXT = {
    "title": ("clearway demo: AUKUS Pillar 2 with Japan", "clearway デモ：AUKUS 第 2 の柱と日本"),
    "as_at": ("as at", "時点"),
    "world": ("The world", "登録内容"),
    "people": ("People and their clearances", "人員とクリアランス"),
    "assets": ("Assets and their markings", "情報資産と表示"),
    "tour": ("Who may read what, and why not", "誰が何を閲覧できるか、できない理由"),
    "reverse": ("Reverse queries", "逆引き"),
    "markings": (
        "Markings: national input forms, roll-up, protect-as",
        "表示：各国の入力形式・集約・保護区分の対応",
    ),
    "may_read": ("may read", "が閲覧できるもの"),
    "may_download": ("may download", "をダウンロードできる人"),
    "permit": ("PERMIT", "許可"),
    "deny": ("DENY", "拒否"),
    "stamp": ("stamp on the copy", "複製に付す表示"),
    "codes": ("Reason codes shown in this tour", "このデモで示した理由コード"),
}


def _t(key: str, lang: str) -> str:
    en, ja = _TEXT[key]
    return ja if lang == "ja" else en


def demo_world(reference: Reference) -> World:
    """The shipped demo world, validated."""
    path = Path(str(resources.files("clearway") / "data" / "demo" / "pillar2.yaml"))
    world, _ = build_world(load_document(path, WorldDoc), reference, path.name)
    return world


def _world_tables(console: Console, world: CompiledWorld, lang: str) -> None:
    reference = world.reference
    console.print(Rule(_t("people", lang)))
    table = Table(show_edge=False, pad_edge=False)
    for column in ("id", "name", "nat.", "employer", "clearances"):
        table.add_column(column)
    for person in sorted(world.people.values(), key=lambda p: p.id):
        clearances = []
        for c in person.clearances:
            entry = c.entry_at(TOUR_AT)
            status = entry.status.value if entry else "—"
            clearances.append(f"{c.issuer} {c.type.name} → {c.type.ceiling.name} ({status})")
        table.add_row(
            person.id,
            person.name,
            ", ".join(person.nationalities_at(TOUR_AT)),
            person.employer_at(TOUR_AT) or "—",
            "; ".join(clearances),
        )
    console.print(table)
    console.print(Rule(_t("assets", lang)))
    table = Table(show_edge=False, pad_edge=False)
    for column in ("id", "title", "banner", "programmes", "export"):
        table.add_column(column)
    for asset in sorted(world.assets.values(), key=lambda a: a.id):
        marking = asset.marking_at(TOUR_AT)
        table.add_row(
            asset.id,
            asset.title,
            display_banner(marking, reference),
            ", ".join(sorted(marking.programmes)) or "—",
            ", ".join(sorted(marking.export_controls)) or "—",
        )
    console.print(table)


def _scene(console: Console, world: CompiledWorld, scene: Scene, lang: str) -> Decision:
    at = scene.at or TOUR_AT
    decision = decide(world, scene.person, scene.asset, scene.action, at)
    asset = world.assets[scene.asset]
    banner = display_banner(asset.marking_at(at), world.reference)
    head = Text()
    head.append(f"{scene.person} {scene.action} {scene.asset}", style="bold")
    head.append(f"  [{banner}]  @ {at.date().isoformat()}\n", style="dim")
    head.append(scene.ja if lang == "ja" else scene.en)
    body = Text()
    if decision.permit:
        body.append(_t("permit", lang), style="bold green")
        for obligation in decision.obligations:
            if obligation.kind == "stamp-banner":
                body.append(f"  {_t('stamp', lang)}: {obligation.value}")
    else:
        body.append(_t("deny", lang), style="bold red")
        for explanation in decision.explanations:
            body.append(f"\n  • {explanation.reason.value}: ", style="yellow")
            body.append(explanation.text(lang))
    console.print(Panel(Text.assemble(head, "\n", body), expand=True))
    return decision


def _reverse(console: Console, world: CompiledWorld, lang: str) -> None:
    console.print(Rule(_t("reverse", lang)))
    mine = readable_assets(world, "P-TANAKA", "read", TOUR_AT)
    console.print(f"P-TANAKA {_t('may_read', lang)}: {', '.join(mine) or '—'}")
    who = readers(world, "D-Q1", "download", TOUR_AT)
    console.print(f"D-Q1 {_t('may_download', lang)}: {', '.join(who) or '—'}")


def _markings(console: Console, reference: Reference, lang: str) -> None:
    console.print(Rule(_t("markings", lang)))
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("input")
    table.add_column("canonical")
    samples = (
        "SECRET//REL TO GBR, USA, AUS, JPN",
        "UK SECRET",
        "TOP SECRET UK/US EYES ONLY",
        "SECRET//REL AUS/GBR/USA",
        "[SEC=PROTECTED, CAVEAT=RI:REL AUS/JPN]",
        "極秘//REL TO ＵＳＡ，ＪＰＮ",
        "NATO SECRET//REL TO JPN",
    )
    for sample in samples:
        table.add_row(sample, display_banner(parse_marking(sample, reference).marking, reference))
    console.print(table)
    portions = ["SECRET//REL TO USA, AUS, GBR, JPN", "//JPN CONFIDENTIAL//REL TO USA, GBR, JPN"]
    rolled = roll_up([parse_marking(p, reference).marking for p in portions], "USA", reference)
    console.print(f"roll-up by USA of {portions}: {render_banner(rolled, reference)}")
    level = reference.scheme("USA").level("CONFIDENTIAL")
    row = ", ".join(
        f"{nation} {translated.name}"
        for nation in ("GBR", "AUS", "JPN", "KOR")
        if (translated := reference.translate(level, nation)) is not None
    )
    console.print(f"US CONFIDENTIAL is protected as: {row}")


def run(lang: str) -> None:
    """Load the demo world into a fresh SQLite store and print the tour in ``lang``."""
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 110)
    reference = default_reference()
    with ScratchStores(reference) as scratch:
        store = scratch.fresh()
        import_world(store, demo_world(reference))
        index = DecisionIndex(store)
        index.load()
        _tour(console, index.world, reference, lang)


def _tour(console: Console, world: CompiledWorld, reference: Reference, lang: str) -> None:
    console.print(Rule(f"{_t('title', lang)} ({_t('as_at', lang)} {TOUR_AT.date()})", style="bold"))
    _world_tables(console, world, lang)
    console.print(Rule(_t("tour", lang)))
    seen: set[Reason] = set()
    actions: set[str] = set()
    for scene in SCENES:
        decision = _scene(console, world, scene, lang)
        seen.update(decision.reasons)
        actions.add(scene.action)
    _reverse(console, world, lang)
    _markings(console, reference, lang)
    codes = ", ".join(r.value for r in Reason if r in seen)
    console.print(Rule(f"{_t('codes', lang)}: {len(seen)}/{len(Reason)}"))
    console.print(codes)
