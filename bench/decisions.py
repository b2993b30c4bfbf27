# SPDX-License-Identifier: Apache-2.0
"""Decision speed: clearway's compiled index against cedarpy, and reverse queries at scale.

Run with ``make bench`` (or ``.venv/bin/python bench/decisions.py --help``). Not a test: it
prints figures and ratios measured in this run, on this machine.

Part 1 (the peer comparison, SPEC §6 in full): a synthetic world of 10,000 people and 100,000
assets (``clearway synth`` distributions), 200,000 requests with random person, asset, action
and instant (2018–2030). Cedar gets the same rules as a policy set: one ``forbid`` per reason
code (annotated with the code, so its diagnostics name the failed rules) and a ``permit``
holding every condition too (an evaluation error then denies, see PEERS.md). Cedar entities
cannot express time-dependent facts, so each request's principal and resource are entities of
the person's and the asset's state in the segment containing the instant, prepared once
before timing (the segment lookups that clearway does inside its decision are done for Cedar
outside the timed loop). Outcomes and reason sets are cross-checked on all requests before
anything is timed. Timed: clearway ``CompiledWorld.reasons`` (datetime in, reason codes out)
against cedarpy ``is_authorized`` with a prepared ``Entities`` and ``PolicySet``, and
``is_authorized_batch``.

Part 2 (clearway alone): 100,000 people and 1,000,000 assets; "what may P read" for 1,000
random people at random instants on a warm index: median and 95th percentile.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time
from bisect import bisect_right
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from clearway.domain.compiled import CompiledWorld
from clearway.domain.decision import Action, Reason
from clearway.domain.time import FOREVER, NEVER, to_micros
from clearway.reference import default_reference
from clearway.services.reverse import AssetColumns
from clearway.services.synth import synth_world

CEDAR_POLICIES = """
@id("not-releasable")
forbid (principal, action, resource) unless { principal.nats.containsAny(resource.rel) };

@id("clearance-missing")
forbid (principal, action, resource) when {
  resource.rank > 0 && !principal.nats.containsAny(resource.no_pc) &&
  !principal.exists.containsAny(resource.rel_all)
};

@id("clearance-inactive")
forbid (principal, action, resource) when {
  resource.rank > 0 && !principal.nats.containsAny(resource.no_pc) &&
  principal.exists.containsAny(resource.rel_all) && !principal.active.containsAny(resource.rel_all)
};

@id("clearance-expired")
forbid (principal, action, resource) when {
  resource.rank > 0 && !principal.nats.containsAny(resource.no_pc) &&
  principal.active.containsAny(resource.rel_all) && !principal.valid.containsAny(resource.rel_all)
};

@id("clearance-insufficient")
forbid (principal, action, resource) when {
  resource.rank > 0 && !principal.nats.containsAny(resource.no_pc) &&
  principal.valid.containsAny(resource.rel_all) &&
  !(principal.cover0.containsAny(resource.grp0) || principal.cover1.containsAny(resource.grp1) ||
    principal.cover2.containsAny(resource.grp2) || principal.cover3.containsAny(resource.grp3) ||
    principal.cover4.containsAny(resource.grp4))
};

@id("need-to-know")
forbid (principal, action, resource) unless { principal.progs.containsAll(resource.need) };

@id("facility-clearance")
forbid (principal, action == Action::"download", resource) when {
  resource.rank > 0 &&
  !(principal.has_employer &&
    (resource.fc_skip.contains(principal.employer_nation) ||
     principal.fac_cover.containsAny(resource.fc_req)))
};

@id("export-authorisation-required")
forbid (principal, action, resource) when {
  resource.itar > 0 && !principal.nats.contains("USA") &&
  !((resource.itar == 1 && principal.aukus && principal.nats.containsAny(["AUS", "GBR"])) ||
    principal.itar_progs.containsAny(resource.progs) ||
    principal.itar_assets.contains(resource.id))
};

@id("originator-approval-required")
forbid (principal, action, resource) when {
  resource.orcon &&
  !(principal.nats.containsAny(resource.appr_nats) ||
    resource.appr_people.contains(principal.id) ||
    (principal.has_employer && resource.appr_orgs.contains(principal.employer_id)))
};

@id("segment")
forbid (principal, action, resource) unless {
  context.now >= principal.valid_from && context.now < principal.valid_until &&
  context.now >= resource.valid_from && context.now < resource.valid_until
};

@id("permit")
permit (principal, action, resource) when {
  context.now >= principal.valid_from && context.now < principal.valid_until &&
  context.now >= resource.valid_from && context.now < resource.valid_until &&
  principal.nats.containsAny(resource.rel) &&
  (resource.rank == 0 || principal.nats.containsAny(resource.no_pc) ||
   principal.cover0.containsAny(resource.grp0) || principal.cover1.containsAny(resource.grp1) ||
   principal.cover2.containsAny(resource.grp2) || principal.cover3.containsAny(resource.grp3) ||
   principal.cover4.containsAny(resource.grp4)) &&
  principal.progs.containsAll(resource.need) &&
  (action != Action::"download" || resource.rank == 0 ||
   (principal.has_employer &&
    (resource.fc_skip.contains(principal.employer_nation) ||
     principal.fac_cover.containsAny(resource.fc_req)))) &&
  (resource.itar == 0 || principal.nats.contains("USA") ||
   (resource.itar == 1 && principal.aukus && principal.nats.containsAny(["AUS", "GBR"])) ||
   principal.itar_progs.containsAny(resource.progs) ||
   principal.itar_assets.contains(resource.id)) &&
  (!resource.orcon || principal.nats.containsAny(resource.appr_nats) ||
   resource.appr_people.contains(principal.id) ||
   (principal.has_employer && resource.appr_orgs.contains(principal.employer_id)))
};
"""

Request = tuple[str, str, Action, datetime]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def requests_for(world: CompiledWorld, count: int, seed: int) -> list[Request]:
    rng = random.Random(seed)
    people, assets = sorted(world.people), sorted(world.assets)
    start = datetime(2018, 1, 1, tzinfo=UTC)
    span = int((datetime(2031, 1, 1, tzinfo=UTC) - start).total_seconds())
    return [
        (
            rng.choice(people),
            rng.choice(assets),
            Action.DOWNLOAD if rng.random() < 0.3 else Action.READ,
            start + timedelta(seconds=rng.randrange(span)),
        )
        for _ in range(count)
    ]


def timed(label: str, run: Callable[[], object], repeat: int = 1) -> float:
    """Best wall time of ``repeat`` runs, with the garbage collector off."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            began = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - began)
        finally:
            gc.enable()
    log(f"  {label}: {best:.3f} s")
    return best


# --- Cedar entities ------------------------------------------------------------------------


class CedarModel:
    """Cedar entities for the segments the requests touch, and the requests themselves."""

    def __init__(self, world: CompiledWorld) -> None:
        self.world = world
        self.entities: dict[str, dict[str, Any]] = {}

    def _nations(self, mask: int) -> list[str]:
        return self.world.nations_of(mask)

    def _programmes(self, mask: int) -> list[str]:
        return [p for p in self.world.programmes if mask & self.world.programme_bit(p)]

    def principal(self, person: str, at: int) -> str:
        world = self.world
        timeline = world.person(person)
        i = bisect_right(timeline.starts, at) - 1
        state = timeline.states[i]
        lo = timeline.starts[i]
        hi = timeline.starts[i + 1] if i + 1 < len(timeline.starts) else FOREVER
        org = None
        if state.employer is not None:
            org_line = world.organisation(state.employer)
            j = bisect_right(org_line.starts, at) - 1
            org = org_line.states[j]
            lo = max(lo, org_line.starts[j])
            hi = min(hi, org_line.starts[j + 1] if j + 1 < len(org_line.starts) else FOREVER)
        key = f"{person}|{lo}|{hi}"
        if key in self.entities:
            return key
        cover = [self._nations(state.cover[r]) for r in range(5)]
        fac = [f"{org.nation}:{r}" for r in range(org.facility_rank + 1)] if org else []
        itar_programmes = state.itar_programmes | (org.itar_programmes if org else 0)
        attrs = {
            "id": person,
            "nats": self._nations(state.nations),
            "exists": self._nations(state.exists),
            "active": self._nations(state.active),
            "valid": self._nations(state.valid),
            **{f"cover{r}": cover[r] for r in range(5)},
            "progs": self._programmes(state.programmes),
            "itar_progs": self._programmes(itar_programmes),
            "itar_assets": sorted(state.itar_assets | (org.itar_assets if org else frozenset())),
            "has_employer": org is not None,
            "employer_id": state.employer or "",
            "employer_nation": org.nation if org else "",
            "fac_cover": fac,
            "aukus": bool(org and org.aukus),
            "valid_from": max(lo, NEVER // 2),
            "valid_until": min(hi, FOREVER // 2),
        }
        self.entities[key] = {
            "uid": {"type": "PersonState", "id": key},
            "attrs": attrs,
            "parents": [],
        }
        return key

    def resource(self, asset: str, at: int) -> str:
        timeline = self.world.asset(asset)
        i = bisect_right(timeline.starts, at) - 1
        state = timeline.states[i]
        lo = timeline.starts[i]
        hi = timeline.starts[i + 1] if i + 1 < len(timeline.starts) else FOREVER
        key = f"{asset}|{lo}|{hi}"
        if key in self.entities:
            return key
        groups: dict[int, list[str]] = {r: [] for r in range(5)}
        for rank, mask in state.groups:
            groups[rank] = self._nations(mask)
        skip, req = [], []
        for nation, need in state.facility_need.items():
            if need is None:
                skip.append(nation)
            else:
                req.append(f"{nation}:{need}")
        attrs = {
            "id": asset,
            "rank": state.rank,
            "rel": self._nations(state.receivable),
            "rel_all": self._nations(state.releasable),
            "no_pc": self._nations(state.no_personnel),
            **{f"grp{r}": groups[r] for r in range(5)},
            "need": self._programmes(state.need_to_know),
            "progs": self._programmes(state.programmes),
            "fc_skip": skip,
            "fc_req": req,
            "itar": state.itar,
            "orcon": state.orcon,
            "appr_people": sorted(state.approved_people),
            "appr_orgs": sorted(state.approved_orgs),
            "appr_nats": self._nations(state.approved_nations),
            "valid_from": max(lo, NEVER // 2),
            "valid_until": min(hi, FOREVER // 2),
        }
        self.entities[key] = {
            "uid": {"type": "AssetState", "id": key},
            "attrs": attrs,
            "parents": [],
        }
        return key

    def request(self, person: str, asset: str, action: Action, at: datetime) -> dict[str, Any]:
        instant = to_micros(at)
        return {
            "principal": {"type": "PersonState", "id": self.principal(person, instant)},
            "action": {"type": "Action", "id": action.value},
            "resource": {"type": "AssetState", "id": self.resource(asset, instant)},
            "context": {"now": instant},
        }

    def entity_list(self) -> list[dict[str, Any]]:
        actions = [
            {"uid": {"type": "Action", "id": a.value}, "attrs": {}, "parents": []} for a in Action
        ]
        return [*self.entities.values(), *actions]


def cedar_reasons(result: Any) -> set[str]:
    if result.allowed:
        return set()
    by_reason = result.diagnostics.id_annotations_by_reason
    return {by_reason.get(policy, policy) for policy in result.diagnostics.reasons}


# --- the parts -----------------------------------------------------------------------------


def compare(people: int, assets: int, count: int, seed: int) -> dict[str, Any]:
    import cedarpy  # the peer; installed with the `bench` extra

    reference = default_reference()
    log(f"synthesising {people:,} people x {assets:,} assets (seed {seed})")
    world = CompiledWorld(synth_world(reference, people=people, assets=assets, seed=seed))
    requests = requests_for(world, count, seed + 1)
    log("compiling the index (every person, organisation and asset)")
    timed(
        "compile",
        lambda: [world.person(p) for p in world.people] + [world.asset(a) for a in world.assets],
    )

    log("preparing Cedar entities and requests")
    model = CedarModel(world)
    cedar_requests = [model.request(*r) for r in requests]
    entities_json = json.dumps(model.entity_list())
    entities = cedarpy.Entities.from_json_str(entities_json)
    policies = cedarpy.PolicySet.from_str(CEDAR_POLICIES)
    log(f"  {len(model.entities):,} Cedar entities")

    log("cross-checking every request (outcome and reason set)")
    ours = [world.reasons(p, a, act, at) for p, a, act, at in requests]
    theirs = cedarpy.is_authorized_batch(cedar_requests, policies, entities)
    mismatches = [
        (r, o, cedar_reasons(t))
        for r, o, t in zip(requests, ours, theirs, strict=True)
        if {x.value for x in o} != cedar_reasons(t) or (not o) != t.allowed
    ]
    if mismatches:
        for mismatch in mismatches[:5]:
            log(f"  MISMATCH {mismatch}")
        raise SystemExit(f"{len(mismatches)} of {count} decisions differ: not timing")
    denies = sum(1 for o in ours if o)
    by_code = {code.value: sum(1 for o in ours if code in o) for code in Reason}
    log(f"  identical on all {count:,} ({denies:,} denies)")

    log("timing")

    def run_clearway() -> None:
        reasons = world.reasons
        for person, asset, action, at in requests:
            reasons(person, asset, action, at)

    def run_cedar() -> None:
        authorize = cedarpy.is_authorized
        for request in cedar_requests:
            authorize(request, policies, entities)

    ours_s = timed("clearway reasons()", run_clearway, repeat=3)
    cedar_s = timed("cedarpy is_authorized (prepared)", run_cedar)
    batch_s = timed(
        "cedarpy is_authorized_batch",
        lambda: cedarpy.is_authorized_batch(cedar_requests, policies, entities),
    )
    sample = requests[: min(20_000, count)]
    latencies = []
    for person, asset, action, at in sample:
        began = time.perf_counter_ns()
        world.reasons(person, asset, action, at)
        latencies.append(time.perf_counter_ns() - began)
    latencies.sort()
    return {
        "people": people,
        "assets": assets,
        "requests": count,
        "denies": denies,
        "reasons": by_code,
        "cedar_entities": len(model.entities),
        "clearway_us": ours_s / count * 1e6,
        "clearway_p50_us": latencies[len(latencies) // 2] / 1000,
        "clearway_p99_us": latencies[int(len(latencies) * 0.99)] / 1000,
        "cedar_us": cedar_s / count * 1e6,
        "cedar_batch_us": batch_s / count * 1e6,
        "ratio": cedar_s / ours_s,
        "ratio_batch": batch_s / ours_s,
    }


def reverse(people: int, assets: int, queries: int, seed: int) -> dict[str, Any]:
    reference = default_reference()
    log(f"synthesising {people:,} people x {assets:,} assets (seed {seed})")
    began = time.perf_counter()
    world = CompiledWorld(synth_world(reference, people=people, assets=assets, seed=seed))
    log(f"  {time.perf_counter() - began:.1f} s")
    log("building the asset columns (compiles every asset)")
    began = time.perf_counter()
    columns = AssetColumns(world)
    build_s = time.perf_counter() - began
    log(f"  {build_s:.1f} s")
    rng = random.Random(seed + 2)
    everyone = sorted(world.people)
    start = datetime(2018, 1, 1, tzinfo=UTC)
    span = int((datetime(2031, 1, 1, tzinfo=UTC) - start).total_seconds())
    asks = [
        (rng.choice(everyone), to_micros(start + timedelta(seconds=rng.randrange(span))))
        for _ in range(queries)
    ]

    def ask(person: str, at: int) -> list[str]:
        state = world.person(person).at(at)
        org = None if state.employer is None else world.organisation(state.employer).at(at)
        return columns.readable(person, state, org, False, at)

    ask(*asks[0])  # warm
    times, sizes = [], []
    gc.disable()
    try:
        for person, at in asks:
            began = time.perf_counter()
            found = ask(person, at)
            times.append(time.perf_counter() - began)
            sizes.append(len(found))
    finally:
        gc.enable()
    times.sort()
    return {
        "people": people,
        "assets": assets,
        "queries": queries,
        "column_rows": columns.table.n,
        "build_s": build_s,
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": times[int(len(times) * 0.95)] * 1000,
        "median_readable": statistics.median(sizes),
    }


def report_compare(c: dict[str, Any]) -> None:
    print(
        f"Per decision with reasons, {c['people']:,} people x {c['assets']:,} assets, "
        f"{c['requests']:,} requests ({c['denies']:,} denies):"
    )
    print(
        f"  clearway index         {c['clearway_us']:8.2f} us"
        f"  (p50 {c['clearway_p50_us']:.2f}, p99 {c['clearway_p99_us']:.2f})"
    )
    print(f"  cedarpy is_authorized  {c['cedar_us']:8.2f} us  ratio {c['ratio']:.1f}x")
    print(f"  cedarpy batch          {c['cedar_batch_us']:8.2f} us  ratio {c['ratio_batch']:.1f}x")


def report_reverse(r: dict[str, Any]) -> None:
    print(
        f"What may P read, {r['people']:,} people x {r['assets']:,} assets "
        f"({r['column_rows']:,} rows), {r['queries']:,} people, warm index:"
    )
    print(
        f"  median {r['median_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms; median answer "
        f"{r['median_readable']:,.0f} assets; columns built in {r['build_s']:.1f} s"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--big-people", type=int, default=100_000)
    parser.add_argument("--big-assets", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-compare", action="store_true")
    parser.add_argument("--skip-reverse", action="store_true")
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON too.")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {}
    if not args.skip_compare:
        results["compare"] = c = compare(args.people, args.assets, args.requests, args.seed)
        report_compare(c)
    if not args.skip_reverse:
        results["reverse"] = r = reverse(args.big_people, args.big_assets, args.queries, args.seed)
        report_reverse(r)
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
