"""Pattern detection: regularities mined from one home's event stream.

Two detectors, both over *tokens* (an entity reaching a state, e.g. `light.kitchen → on`):

- **sequence** (trigger → action): how long after the latest trigger token each action token
  happens. Every trigger token is located against every action event with one `searchsorted`,
  lags are binned on a log scale per (trigger, action) pair, and the densest lag band is kept.
  A reaction (an automation's or a person's) shows as a band of lags far denser than chance;
  unrelated devices show no lag band at all. Numeric sensors enter as *threshold crossings*,
  with the threshold estimated from the sensor's value just before the action (same area
  only). A trigger is *explained away* when the action's own device explains the action at
  least as well (its previous change: a coffee maker's brew, a vacuum docking) or another
  trigger explains it far better (a by-stander of the real cause).
- **time of day**: the densest hour of the local day for an action token, and on how many days
  it recurs there.
- **daily rhythm**: what happens within the hour after the household falls quiet for the night
  (the start of the longest motion-free gap of the evening) or after it wakes (that gap's end):
  habits tied to people's sleep, not to the clock or to one device.

Each candidate carries support, confidence, lift, regularity and occurrences; `strong` is the
detector's own verdict. Home Assistant records which state changes an automation caused (their
context), so the detector knows which patterns existing automations produce: `automated_share`
is the share of a pattern's occurrences that carry an automation run's context, and a pattern
is `automated` when most do. Those are reported apart — they are what the home already
automates, not habits to suggest. The occurrence events are returned beside the records (not
stored) so the labeller can check them against ground truth. No ground truth is read here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from homeiq_assets.collect.lag_bands import (
    MS,
    N_BINS,
    Actions,
    band_counts,
    band_counts_of,
    band_edges_s,
    log_bins,
    poisson_llr,
    trigger_candidates,
)
from homeiq_assets.collect.observations import HomeObservations
from homeiq_assets.collect.segments import (
    chosen_segments,
    segment_distinct,
    segment_mean_std,
    segment_median,
    segment_starts,
    segments_by_group,
    sorted_quantile,
)

DETECTOR_VERSION = "patterns-3"
AUTOMATED_SHARE = 0.5  # a pattern most of whose occurrences an automation caused

ACTION_DOMAINS = ("light", "switch", "fan", "climate", "lock", "cover", "vacuum", "media_player")
TRIGGER_DOMAINS = (*ACTION_DOMAINS, "binary_sensor", "person")
# transitional or missing states: a cover opening, a vacuum returning to its dock
IGNORED_STATES = ("unavailable", "unknown", "opening", "closing", "returning")
NUMERIC_TRIGGER_CLASSES = ("humidity", "temperature", "illuminance", "carbon_dioxide")

DAY_MS = 86_400_000


@dataclass(frozen=True)
class PatternThresholds:
    """When a candidate becomes a strong pattern (the detector's verdict).

    A sequence is strong when most of the action's changes follow the trigger inside one lag
    band far above chance on many days (consistent: what a habit looks like, whether the lag is
    a person's seconds or minutes), when nearly every trigger is answered in a narrow lag band
    far above chance (reliable), or when the trigger explains most actions at a steady lag
    (regular coverage). Speed alone is no criterion: people switch a light on within seconds
    of walking in, as an automation does. A device's own mechanics (a garage door's travel time)
    never count: trigger and action are always different entities and transitional states are
    ignored. Nor does a trigger the action is better explained without (`explained_away`): the
    action entity's own previous change explains it at least as well (a coffee maker switching
    off once it has brewed, a garage door closed after it began closing, a hallway light off a
    couple of minutes after it went on), or another trigger explains it more than
    1/`seq_explained_share` times as well (a by-stander of the real cause). A time of day is
    strong when it recurs on most days inside a spread of minutes; a daily rhythm when it follows
    the household's bedtime or wake-up on many nights, at a steady lag and far more often than
    chance.

    Chosen on 20-home × 30-day fleets of seeds 1 and 2 and checked on seed 3 (docs/collection.md).
    """

    min_occurrences: int = 5
    min_support: float = 0.1
    seq_min_lift: float = 30.0
    seq_min_coverage: float = 0.5
    seq_min_regularity: float = 0.8
    seq_consistent_coverage: float = 0.5
    seq_consistent_lift: float = 100.0
    seq_consistent_support: float = 0.3
    seq_reliable_confidence: float = 0.7
    seq_reliable_lift: float = 100.0
    seq_reliable_regularity: float = 0.5
    seq_explained_share: float = 0.5
    tod_min_support: float = 0.5
    tod_min_lift: float = 8.0
    tod_max_spread_s: float = 1500.0
    rhythm_min_support: float = 0.3
    rhythm_min_lift: float = 4.0
    rhythm_min_regularity: float = 0.4


@dataclass
class DetectedPatterns:
    records: list[dict]
    occurrences: list[np.ndarray]  # event indices of each record's occurrences (labeller only)


def _tokens(obs: HomeObservations, domains: tuple[str, ...]) -> np.ndarray:
    """Boolean mask of events that are tokens of the given domains (not unavailable)."""
    domain = np.array([e.split(".", 1)[0] for e in obs.entity_ids], dtype=object)
    ent_ok = np.isin(domain, domains)
    state_ok = ~np.isin(obs.states, IGNORED_STATES)
    return ent_ok[obs.entity] & state_ok[obs.state]


def _token_ids(obs: HomeObservations) -> np.ndarray:
    return obs.entity.astype(np.int64) * len(obs.states) + obs.state


def detect_patterns(
    obs: HomeObservations, thresholds: PatternThresholds | None = None
) -> DetectedPatterns:
    th = thresholds or PatternThresholds()
    records: list[dict] = []
    occ: list[np.ndarray] = []
    for rec, idx in _sequence_patterns(obs, th):
        records.append(rec)
        occ.append(idx)
    for rec, idx in _time_of_day_patterns(obs, th):
        records.append(rec)
        occ.append(idx)
    for rec, idx in _rhythm_patterns(obs, th):
        records.append(rec)
        occ.append(idx)
    automated = obs.auto_run >= 0 if obs.auto_run.size else np.zeros(obs.n_events, bool)
    shares, _, _ = occurrence_shares(occ, automated)
    for i, (rec, share) in enumerate(zip(records, shares.tolist(), strict=True)):
        rec["pattern_id"] = f"{obs.home_id}.p{i:04d}"
        rec["automated_share"] = round(share, 4)
        rec["automated"] = bool(share >= AUTOMATED_SHARE)
    return DetectedPatterns(records, occ)


def occurrence_shares(
    occurrences: list[np.ndarray], flag: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each record's occurrence events, the share that `flag` marks (0 without events:
    `flag[idx].mean()` bit for bit, a count over a size), with the flagged counts and each
    flagged event's record (segment) and position, for whole-array follow-ups."""
    sizes = np.array([idx.size for idx in occurrences], np.int64)
    events = np.concatenate(occurrences) if occurrences else np.zeros(0, np.int64)
    marked = flag[events]
    record = np.repeat(np.arange(sizes.size), sizes)
    count = np.bincount(record[marked], minlength=sizes.size)
    share = np.divide(count, sizes, out=np.zeros(sizes.size), where=sizes > 0)
    return share, count, np.stack([record[marked], events[marked]])


# ------------------------------------------------------------------------------- sequences
def _sequence_patterns(obs: HomeObservations, th: PatternThresholds):
    if obs.n_events == 0:
        return
    tok = _token_ids(obs)
    act_mask = _tokens(obs, ACTION_DOMAINS)
    trig_mask = _tokens(obs, TRIGGER_DOMAINS)
    act_idx = np.flatnonzero(act_mask)
    act_tok, act_inv, act_counts = np.unique(tok[act_idx], return_inverse=True, return_counts=True)
    keep_act = act_counts >= th.min_occurrences
    if not keep_act.any():
        return
    t_act = obs.ts_ms[act_idx]
    local_day = obs.local_ms() // DAY_MS
    n_days = int(local_day.max() - local_day.min() + 1) if obs.n_events else 1
    span_ms = float(obs.ts_ms[-1] - obs.ts_ms[0]) or 1.0

    triggers: list[tuple[str, np.ndarray, dict]] = []
    trig_tok, trig_inv = np.unique(tok[trig_mask], return_inverse=True)
    trig_events = np.flatnonzero(trig_mask)
    order = np.argsort(trig_inv, kind="stable")
    bounds = np.searchsorted(trig_inv[order], np.arange(len(trig_tok) + 1))
    for k, t in enumerate(trig_tok):
        ev = trig_events[order[bounds[k] : bounds[k + 1]]]
        if ev.size < th.min_occurrences:
            continue
        ent, st = divmod(int(t), len(obs.states))
        triggers.append(
            (
                "state",
                obs.ts_ms[ev],
                {"trigger_entity_id": obs.entity_ids[ent], "trigger_state": obs.states[st]},
            )
        )
    triggers.extend(_numeric_crossings(obs, act_idx, act_tok, act_inv, keep_act, th))

    ent_of_tok = act_tok // len(obs.states)
    state_of_tok = act_tok % len(obs.states)
    cands = trigger_candidates(
        [times for _, times, _ in triggers],
        np.array([obs.entity_code(info["trigger_entity_id"]) for _, _, info in triggers]),
        Actions(t_act, act_inv, act_counts, keep_act, ent_of_tok, span_ms, th.min_occurrences),
    )
    if cands is None:
        return
    mean, std = cands.mean_std()
    cv = np.where(mean > 0, std / np.where(mean > 0, mean, 1.0), 1.0).tolist()
    rows = zip(
        cands.trigger.tolist(),
        cands.tokens.tolist(),
        cands.n.tolist(),
        cands.days(local_day[act_idx[cands.events]]).tolist(),
        cands.lift.tolist(),
        cv,
        cands.median().tolist(),
        std.tolist(),
        cands.segments(act_idx[cands.events]),
        strict=True,
    )
    # per action token and per trigger, as Python values once rather than per candidate
    action_entity = obs.entity_ids[ent_of_tok].tolist()
    action_state = obs.states[state_of_tok].tolist()
    action_count = act_counts.tolist()
    trigger = [(kind, info, int(times.size)) for kind, times, info in triggers]
    found: list[tuple[dict, np.ndarray]] = []  # record, its occurrences
    for j, b, n, d, lift, cv_b, median, std_b, occurrence_idx in rows:
        kind, info, trigger_count = trigger[j]
        count = action_count[b]
        rec = {
            "home_id": obs.home_id,
            "pattern_type": "sequence",
            "trigger_kind": kind,
            **info,
            "action_entity_id": action_entity[b],
            "action_state": action_state[b],
            "occurrences": n,
            "support": round(d / n_days, 4),
            "confidence": round(min(n / trigger_count, 1.0), 4),
            "coverage": round(n / count, 4),
            "lift": round(min(lift, 1e6), 3),
            "regularity": round(max(0.0, 1.0 - cv_b), 4),
            "lag_s_median": round(median, 3),
            "lag_s_std": round(std_b, 3),
            "time_local_h": None,
            "trigger_count": trigger_count,
            "action_count": count,
        }
        found.append((rec, occurrence_idx))
    # explaining away: the action's own device, or a much better trigger of the same action
    self_score = _self_scores(obs, act_idx, act_tok, act_inv, act_counts, span_ms)
    best_score = np.zeros(len(act_tok))
    np.maximum.at(best_score, cands.tokens, cands.llr)
    reason = np.where(
        self_score[cands.tokens] >= cands.llr,
        "device_cycle",
        np.where(
            cands.llr < th.seq_explained_share * best_score[cands.tokens], "other_trigger", ""
        ),
    ).tolist()
    for (rec, idx), why in zip(found, reason, strict=True):
        rec["explained_away"] = why or None
        rec["strong"] = _strong_sequence(rec, th)
        yield rec, idx


def _strong_sequence(rec: dict, th: PatternThresholds) -> bool:
    consistent = (
        rec["coverage"] >= th.seq_consistent_coverage
        and rec["lift"] >= th.seq_consistent_lift
        and rec["support"] >= th.seq_consistent_support
    )
    reliable = (
        rec["confidence"] >= th.seq_reliable_confidence
        and rec["lift"] >= th.seq_reliable_lift
        and rec["regularity"] >= th.seq_reliable_regularity
    )
    regular = rec["regularity"] >= th.seq_min_regularity and rec["coverage"] >= th.seq_min_coverage
    return bool(
        rec["occurrences"] >= th.min_occurrences
        and rec["support"] >= th.min_support
        and rec["lift"] >= th.seq_min_lift
        and rec["explained_away"] is None
        and (consistent or reliable or regular)
    )


def _self_scores(
    obs: HomeObservations,
    act_idx: np.ndarray,
    act_tok: np.ndarray,
    act_inv: np.ndarray,
    act_counts: np.ndarray,
    span_ms: float,
) -> np.ndarray:
    """Per action token, how well the action entity's own previous change (any state,
    transitional ones included) explains it: the best lag band's Poisson log-likelihood ratio,
    scored like a trigger's. An action its own device explains this well is the device's cycle
    (brewing, docking, closing) or the end of a short use, not a reaction to another entity."""
    order = np.lexsort((np.arange(obs.n_events), obs.entity))
    prev = np.full(obs.n_events, -1, np.int64)
    same = obs.entity[order][1:] == obs.entity[order][:-1]
    prev[order[1:][same]] = order[:-1][same]
    before = prev[act_idx]
    has = before >= 0
    lag = np.where(has, obs.ts_ms[act_idx] - obs.ts_ms[np.maximum(before, 0)], -1) / MS
    logb, ok = log_bins(lag, has & (lag > 0))
    n_tok = len(act_tok)
    hist = np.bincount(act_inv[ok] * N_BINS + logb[ok], minlength=n_tok * N_BINS)
    band = band_counts(hist.reshape(n_tok, N_BINS))
    changes = np.bincount(obs.entity, minlength=len(obs.entity_ids))
    rate = changes[act_tok // len(obs.states)] / (span_ms / MS)
    lo, hi = band_edges_s()
    p_band = np.exp(-rate[:, None] * lo[None, :]) - np.exp(-rate[:, None] * hi[None, :])
    return poisson_llr(band, act_counts[:, None] * p_band).max(axis=1)


def _numeric_crossings(obs, act_idx, act_tok, act_inv, keep_act, th):
    """Threshold-crossing triggers of numeric sensors for actions in the same area.

    The threshold is the 10th percentile of the sensor's last reading before each action: an
    automation firing on `above: θ` always sees readings ≥ θ just before it acts.
    """
    info = obs.entity_info()
    numeric = info[
        (info["domain"] == "sensor") & info["device_class"].isin(NUMERIC_TRIGGER_CLASSES)
    ]
    if numeric.empty:
        return []
    out = []
    n_states = len(obs.states)
    values = pd.to_numeric(pd.Series(obs.states), errors="coerce").to_numpy(np.float64)
    area_of = dict(zip(info.index, info["area_id"], strict=True))
    # each kept action token's entity area and event times, found once for every sensor
    by_token = np.argsort(act_inv, kind="stable")
    bounds = np.searchsorted(act_inv[by_token], np.arange(len(act_tok) + 1))
    actions = []
    for b in np.flatnonzero(keep_act):
        act_entity = obs.entity_ids[int(act_tok[b]) // n_states]
        if act_entity in area_of:
            times = obs.ts_ms[act_idx[by_token[bounds[b] : bounds[b + 1]]]]
            actions.append((area_of[act_entity], times))
    for sensor_id, sensor_area in zip(numeric.index, numeric["area_id"], strict=True):
        code = obs.entity_code(sensor_id)
        if code < 0:
            continue
        ev = obs.events_of(code)
        v = values[obs.state[ev]]
        good = ~np.isnan(v)
        ev, v = ev[good], v[good]
        if ev.size < 20:
            continue
        t_s = obs.ts_ms[ev]
        ordered = np.sort(v)
        q75, q25 = sorted_quantile(ordered, 0.75), sorted_quantile(ordered, 0.25)
        for act_area, t_b in actions:
            if act_area != sensor_area:
                continue
            last = np.searchsorted(t_s, t_b, side="left") - 1
            before = np.sort(v[last[last >= 0]])
            if before.size < th.min_occurrences:
                continue
            for direction in ("above", "below"):
                if direction == "above":
                    theta = sorted_quantile(before, 0.1)
                    if theta <= q75:
                        continue
                    cross = (v[1:] >= theta) & (v[:-1] < theta)
                else:
                    theta = sorted_quantile(before, 0.9)
                    if theta >= q25:
                        continue
                    cross = (v[1:] <= theta) & (v[:-1] > theta)
                times = t_s[1:][cross]
                if times.size < th.min_occurrences:
                    continue
                out.append(
                    (
                        f"numeric_{direction}",
                        times,
                        {
                            "trigger_entity_id": sensor_id,
                            "trigger_state": f"{direction} {round(theta, 1)}",
                        },
                    )
                )
    return out


# ----------------------------------------------------------------------------- time of day
WINDOW_MIN = 60
STEP_MIN = 5


def _time_of_day_patterns(obs: HomeObservations, th: PatternThresholds):
    """The densest hour of the local day for each action token (every token at once: tokens
    are segments of one array, see `segments`)."""
    if obs.n_events == 0:
        return
    tok = _token_ids(obs)
    idx = np.flatnonzero(_tokens(obs, ACTION_DOMAINS))
    all_days = obs.local_ms() // DAY_MS
    n_days = int(all_days.max() - all_days.min() + 1)
    uniq, inv, counts = np.unique(tok[idx], return_inverse=True, return_counts=True)
    n_tok, n_bins = uniq.size, 1440 // STEP_MIN
    # the events of every token with enough of them, token by token, each in event order
    order, _ = segments_by_group(inv, counts >= th.min_occurrences)
    token = inv[order]
    local = obs.local_ms()[idx[order]]
    minute, day = (local % DAY_MS) // 60_000, local // DAY_MS
    first_day = int(day.min()) if day.size else 0
    width = (int(day.max()) - first_day + 1) if day.size else 1
    # distinct (token, day, 5-min bin) so a burst of events on one day counts once
    key = np.unique((token * width + (day - first_day)) * n_bins + minute // STEP_MIN)
    hist = np.bincount(
        (key // (width * n_bins)) * n_bins + key % n_bins, minlength=n_tok * n_bins
    ).reshape(n_tok, n_bins)
    per_window = WINDOW_MIN // STEP_MIN
    window = band_counts_of(np.concatenate([hist, hist[:, : per_window - 1]], axis=1), per_window)
    start = window[:, :n_bins].argmax(axis=1)
    offset = (minute - start[token] * STEP_MIN) % 1440
    kept, tokens, n = chosen_segments(token, offset < WINDOW_MIN, counts, th.min_occurrences)
    if not tokens.size:
        return
    days_with = segment_distinct(day[kept], n)
    off = offset[kept].astype(np.float64)
    _, spread = segment_mean_std(off, n)
    median = segment_median(off, n)
    occurrences = np.split(idx[order[kept]], segment_starts(n)[1:])
    rows = zip(
        tokens.tolist(),
        n.tolist(),
        days_with.tolist(),
        spread.tolist(),
        median.tolist(),
        occurrences,
        strict=True,
    )
    for k, inside_n, days, std, mid, occurrence_idx in rows:
        # a uniform spread over the window has std WINDOW_MIN/sqrt(12)
        regularity = max(0.0, 1.0 - std / (WINDOW_MIN / np.sqrt(12)))
        share = np.int64(inside_n) / counts[k]
        lift = share / (WINDOW_MIN / 1440)
        ent, st = divmod(int(uniq[k]), len(obs.states))
        centre = (int(start[k]) * STEP_MIN + mid) % 1440
        rec = {
            "home_id": obs.home_id,
            "pattern_type": "time_of_day",
            "trigger_kind": "time",
            "trigger_entity_id": None,
            "trigger_state": None,
            "action_entity_id": obs.entity_ids[ent],
            "action_state": obs.states[st],
            "occurrences": days,
            "support": round(min(days / n_days, 1.0), 4),
            "confidence": round(float(share), 4),
            "coverage": round(float(share), 4),
            "lift": round(float(lift), 3),
            "regularity": round(regularity, 4),
            "lag_s_median": None,
            "lag_s_std": round(std * 60, 1),
            "time_local_h": round(centre / 60, 3),
            "trigger_count": None,
            "action_count": int(counts[k]),
            "explained_away": None,
        }
        rec["strong"] = bool(
            days >= th.min_occurrences
            and rec["support"] >= th.tod_min_support
            and rec["lift"] >= th.tod_min_lift
            and rec["lag_s_std"] <= th.tod_max_spread_s
        )
        yield rec, occurrence_idx


# ----------------------------------------------------------------------------- daily rhythm
RHYTHM_WINDOW_S = 3600.0
MIN_NIGHT_GAP_MS = 3 * 3_600_000


def motion_entities(obs: HomeObservations) -> list[str]:
    """Motion sensors of the home (the household's activity signal)."""
    ents = obs.entities
    domain, kind = (ents[c].to_numpy(dtype=object) for c in ("domain", "device_class"))
    sel = (domain == "binary_sensor") & (kind == "motion")
    return sorted(ents["entity_id"].to_numpy(dtype=object)[sel].tolist())


def night_anchors(obs: HomeObservations) -> tuple[np.ndarray, np.ndarray]:
    """Per night: when the home fell quiet (last motion before the longest gap that starts
    between 19:00 and 03:00 local, at least 3 h long) and when it woke (the gap's end)."""
    codes = [c for c in (obs.entity_code(e) for e in motion_entities(obs)) if c >= 0]
    sel = np.isin(obs.entity, codes)
    t, local = obs.ts_ms[sel], obs.local_ms()[sel]
    if t.size < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    gap = np.diff(t)
    hour = (local[:-1] % DAY_MS) / 3_600_000
    ok = (hour >= 19) | (hour < 3)
    night = (local[:-1] - 12 * 3_600_000) // DAY_MS  # evening and small hours share a night
    idx = np.flatnonzero(ok)
    if idx.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    # longest gap per night: sort by (night, gap) and keep each night's last
    order = idx[np.lexsort((gap[idx], night[idx]))]
    last = np.r_[night[order][1:] != night[order][:-1], True]
    best = order[last]
    best = best[gap[best] >= MIN_NIGHT_GAP_MS]
    return t[best], t[best + 1]


def _rhythm_patterns(obs: HomeObservations, th: PatternThresholds):
    """What each action token does within the hour after the household falls quiet or wakes
    (every token at once, per anchor)."""
    if obs.n_events == 0:
        return
    asleep, awake = night_anchors(obs)
    if asleep.size < th.min_occurrences:
        return
    tok = _token_ids(obs)
    idx = np.flatnonzero(_tokens(obs, ACTION_DOMAINS))
    uniq, inv, counts = np.unique(tok[idx], return_inverse=True, return_counts=True)
    span_s = max(float(obs.ts_ms[-1] - obs.ts_ms[0]) / MS, 1.0)
    order, _ = segments_by_group(inv, counts >= th.min_occurrences)
    token, ev = inv[order], idx[order]
    t, minute_of = obs.ts_ms[ev], (obs.local_ms()[ev] % DAY_MS) / 60_000
    for kind, anchors in (("house_asleep", asleep), ("house_awake", awake)):
        pos = np.searchsorted(anchors, t, side="right") - 1
        lag = np.where(pos >= 0, t - anchors[np.maximum(pos, 0)], -1) / MS
        inside = (pos >= 0) & (lag > 0) & (lag <= RHYTHM_WINDOW_S)
        kept, tokens, n = chosen_segments(token, inside, counts, th.min_occurrences)
        if not tokens.size:
            continue
        lags = lag[kept]
        nights = segment_distinct(pos[kept], n)
        mean, std = segment_mean_std(lags, n)
        lag_median = segment_median(lags, n)
        minute_median = segment_median(minute_of[kept], n)
        occurrences = np.split(ev[kept], segment_starts(n)[1:])
        rows = zip(
            tokens.tolist(),
            n.tolist(),
            nights.tolist(),
            mean.tolist(),
            std.tolist(),
            lag_median.tolist(),
            minute_median.tolist(),
            occurrences,
            strict=True,
        )
        for k, inside_n, nights_k, mean_k, std_k, median_k, minute_k, occurrence_idx in rows:
            rate = counts[k] / span_s
            expected = anchors.size * (1 - np.exp(-rate * RHYTHM_WINDOW_S))
            lift = nights_k / max(expected, 1e-9)
            cv = std_k / mean_k if mean_k > 0 else 1.0
            ent, st = divmod(int(uniq[k]), len(obs.states))
            rec = {
                "home_id": obs.home_id,
                "pattern_type": "daily_rhythm",
                "trigger_kind": kind,
                "trigger_entity_id": None,
                "trigger_state": None,
                "action_entity_id": obs.entity_ids[ent],
                "action_state": obs.states[st],
                "occurrences": nights_k,
                "support": round(min(nights_k / anchors.size, 1.0), 4),
                "confidence": round(nights_k / anchors.size, 4),
                "coverage": round(inside_n / int(counts[k]), 4),
                "lift": round(float(lift), 3),
                "regularity": round(max(0.0, 1.0 - cv), 4),
                "lag_s_median": round(median_k, 3),
                "lag_s_std": round(std_k, 3),
                "time_local_h": round(minute_k / 60, 3),
                "trigger_count": int(anchors.size),
                "action_count": int(counts[k]),
                "explained_away": None,
            }
            rec["strong"] = bool(
                nights_k >= th.min_occurrences
                and rec["support"] >= th.rhythm_min_support
                and rec["lift"] >= th.rhythm_min_lift
                and rec["regularity"] >= th.rhythm_min_regularity
            )
            yield rec, occurrence_idx
