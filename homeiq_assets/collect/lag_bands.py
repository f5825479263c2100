"""Lag bands of the sequence detector, for every trigger of a home at once.

For each (trigger, action token) pair the detector bins, on a log scale, the lag from the
latest trigger event before each action event, and keeps the densest band of `SPAN` bins when
it stands far above what chance puts there. A home has tens of triggers and thousands of action
events: they are measured as (trigger x action event) arrays, a block of triggers per pass,
rather than trigger by trigger, so a home costs a few dozen numpy calls instead of a few
thousand. Every value is computed with the same elementwise expressions a per-trigger pass
used, so the candidates are the same floats in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from homeiq_assets.collect.segments import (
    segment_distinct,
    segment_mean_std,
    segment_median,
    segment_starts,
)

MS = 1000.0
LOG_LO, LOG_HI, BIN = np.log10(0.2), np.log10(7200.0), 0.1  # lag bins: 0.2 s … 2 h
N_BINS = int(np.ceil((LOG_HI - LOG_LO) / BIN))
SPAN = 8  # bins in a lag band (a factor of 6.3 between its ends)
CELLS_PER_PASS = 1 << 21  # trigger x action-event cells held at once (tens of MB)

# a lag band's ends in seconds, by its first bin (one bin of margin each side), computed with
# the scalar expressions the per-candidate code used, so the edges are the same floats
BAND_LO_S = np.array([10 ** (LOG_LO + (np.int64(k) - 1) * BIN) for k in range(N_BINS - SPAN + 1)])
BAND_HI_S = np.array(
    [10 ** (LOG_LO + (np.int64(k) + SPAN + 1) * BIN) for k in range(N_BINS - SPAN + 1)]
)


def band_edges_s() -> tuple[np.ndarray, np.ndarray]:
    starts = np.arange(N_BINS - SPAN + 1)
    return 10 ** (LOG_LO + starts * BIN), 10 ** (LOG_LO + (starts + SPAN) * BIN)


def poisson_llr(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Log-likelihood ratio of `observed` counts against Poisson `expected`; 0 when below."""
    e = np.maximum(expected, 1e-12)
    o = observed.astype(np.float64)
    above = o > e  # mostly empty bands: the logarithm only where it counts
    llr = np.zeros(o.shape)
    o_above, e_above = o[above], e[above]
    llr[above] = o_above * np.log(o_above / e_above) - (o_above - e_above)
    return llr


def log_bins(lag: np.ndarray, ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each lag's bin, and `ok` narrowed to the lags inside the binned range."""
    logb = np.floor((np.log10(np.where(ok, lag, 1.0)) - LOG_LO) / BIN).astype(np.int64)
    return logb, ok & (logb >= 0) & (logb < N_BINS)


def band_counts(hist: np.ndarray) -> np.ndarray:
    """Counts in every window of `SPAN` consecutive bins (the last axis of `hist`)."""
    return band_counts_of(hist, SPAN)


def band_counts_of(hist: np.ndarray, span: int) -> np.ndarray:
    """Counts in every window of `span` consecutive bins (the last axis of `hist`)."""
    zeros = np.zeros((*hist.shape[:-1], 1), np.int64)
    csum = np.concatenate([zeros, np.cumsum(hist, axis=-1)], axis=-1)
    return csum[..., span:] - csum[..., :-span]


@dataclass
class Candidates:
    """Candidate (trigger, action token) pairs: each pair's action events inside its chosen lag
    band, as segments of one array (a segment per pair, pairs trigger by trigger and token by
    token, events in event order), so a home's thousands of candidates are measured with
    whole-array operations."""

    trigger: np.ndarray  # index of each candidate's trigger
    tokens: np.ndarray  # action token of each candidate
    n: np.ndarray  # events in each candidate's band
    events: np.ndarray  # positions into the action events, candidate by candidate
    lags: np.ndarray  # the lag (s) of each of those events
    rate: np.ndarray  # its trigger's events per second
    llr: np.ndarray  # the band's Poisson log-likelihood ratio
    lift: np.ndarray | None = None

    @property
    def starts(self) -> np.ndarray:
        return segment_starts(self.n)

    def segment_ids(self) -> np.ndarray:
        return np.repeat(np.arange(self.n.size), self.n)

    def lift_ok(self, act_counts: np.ndarray) -> None:
        """Keep the candidates whose band holds at least twice the events chance puts there
        (between its first and last observed lag)."""
        starts = self.starts
        lo_obs = np.minimum.reduceat(self.lags, starts)
        hi_obs = np.maximum.reduceat(self.lags, starts)
        rate = self.rate
        expected = act_counts[self.tokens] * (np.exp(-rate * lo_obs) - np.exp(-rate * hi_obs))
        lift = self.n / np.maximum(expected, 1e-9)
        keep = ~(lift < 2.0)
        events_kept = keep[self.segment_ids()]
        self.trigger, self.tokens, self.n = self.trigger[keep], self.tokens[keep], self.n[keep]
        self.rate, self.llr, self.lift = self.rate[keep], self.llr[keep], lift[keep]
        self.events, self.lags = self.events[events_kept], self.lags[events_kept]

    def days(self, day: np.ndarray) -> np.ndarray:
        """Distinct days of each candidate's events (`day` per event, same order)."""
        return segment_distinct(day, self.n)

    def median(self) -> np.ndarray:
        """`np.median` of each candidate's lags."""
        return segment_median(self.lags, self.n)

    def mean_std(self) -> tuple[np.ndarray, np.ndarray]:
        """`values.mean()` and `values.std()` of each candidate's lags, bit for bit."""
        return segment_mean_std(self.lags, self.n)

    def segments(self, values: np.ndarray) -> list[np.ndarray]:
        return np.split(values, self.starts[1:])


@dataclass(frozen=True)
class Actions:
    """A home's action events as every trigger is measured against them: times (ms,
    ascending), token of each and events per token, which tokens may be candidates and each
    token's entity, the recorded span (ms) and a candidate's least events in its band."""

    times: np.ndarray
    token: np.ndarray
    counts: np.ndarray
    eligible: np.ndarray
    entity_of_token: np.ndarray
    span_ms: float
    min_occurrences: int

    @property
    def by_token(self) -> np.ndarray:
        """Positions of the events token by token, each token's in event order."""
        return np.argsort(self.token, kind="stable")


def trigger_candidates(
    trigger_times: list[np.ndarray], trigger_entity: np.ndarray, actions: Actions
) -> Candidates | None:
    """Every trigger's candidate action tokens (an eligible token of another entity whose
    best lag band holds at least `min_occurrences` events), lift-checked; None without any.

    `trigger_times`: each trigger's event times (ms, ascending); `trigger_entity`: each
    trigger's entity."""
    if not trigger_times or not actions.times.size:
        return None
    per_pass = max(1, CELLS_PER_PASS // actions.times.size)
    by_token = actions.by_token
    parts = [
        _pass(trigger_times[lo : lo + per_pass], lo, trigger_entity, actions, by_token)
        for lo in range(0, len(trigger_times), per_pass)
    ]
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    if len(parts) == 1:
        found = parts[0]
    else:
        found = Candidates(
            *(np.concatenate([getattr(p, f) for p in parts]) for f in _ARRAYS)  # type: ignore[arg-type]
        )
    found.lift_ok(actions.counts)
    return found if found.tokens.size else None


_ARRAYS = ("trigger", "tokens", "n", "events", "lags", "rate", "llr")


def _pass(
    times: list[np.ndarray],
    first: int,
    trigger_entity: np.ndarray,
    actions: Actions,
    by_token: np.ndarray,
) -> Candidates | None:
    """`trigger_candidates` of the triggers `first`, `first + 1`, … (`times`), as
    (trigger x action event) arrays."""
    t_act, act_inv, act_counts = actions.times, actions.token, actions.counts
    k, n_tok = len(times), act_counts.size
    sizes = np.array([t.size for t in times], np.int64)
    offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    # every trigger's times in one ascending array, trigger j shifted by j widths, so one
    # searchsorted finds, for each (trigger, action), the latest earlier event of that trigger
    origin = min(int(t_act[0]), *(int(t[0]) for t in times))
    width = max(int(t_act[-1]), *(int(t[-1]) for t in times)) - origin + 1
    shift = np.arange(k, dtype=np.int64)[:, None] * width
    every = np.concatenate(times)
    keys = (every - origin) + np.repeat(shift[:, 0], sizes)
    found = np.searchsorted(keys, (t_act - origin)[None, :] + shift, side="left") - 1
    has = found >= offsets[:, None]
    lag = np.where(has, t_act[None, :] - every[np.maximum(found, 0)], -1).astype(np.float64) / MS
    logb, ok = log_bins(lag, has & (lag > 0))
    cell = (np.arange(k, dtype=np.int64)[:, None] * n_tok + act_inv[None, :]) * N_BINS + logb
    hist = np.bincount(cell[ok], minlength=k * n_tok * N_BINS).reshape(k, n_tok, N_BINS)
    band = band_counts(hist)
    rate = sizes / (actions.span_ms / MS)
    # the band that stands out most from chance (Poisson log-likelihood ratio), so a tight
    # band of quick reactions wins over a larger, looser band of later ones
    lo, hi = band_edges_s()
    p_band = np.exp(-rate[:, None] * lo[None, :]) - np.exp(-rate[:, None] * hi[None, :])
    score = poisson_llr(band, act_counts[None, :, None] * p_band[:, None, :])
    best = score.argmax(axis=2)
    best_count = np.take_along_axis(band, best[..., None], axis=2)[..., 0]
    entity = trigger_entity[first : first + k]
    chosen = (
        actions.eligible[None, :]
        & (best_count >= actions.min_occurrences)
        & (actions.entity_of_token[None, :] != entity[:, None])
    )
    if not chosen.any():
        return None
    # the events of each chosen pair whose lag lies in the pair's best band (other pairs:
    # an empty band), token by token, each token's events in event order
    lo_s, hi_s = np.full((k, n_tok), np.inf), np.full((k, n_tok), -np.inf)
    lo_s[chosen], hi_s[chosen] = BAND_LO_S[best[chosen]], BAND_HI_S[best[chosen]]
    in_band = ok & (lag >= lo_s[:, act_inv]) & (lag < hi_s[:, act_inv])
    row, at = np.nonzero(in_band[:, by_token])
    events = by_token[at]
    pair = row * n_tok + act_inv[events]
    n = np.bincount(pair, minlength=k * n_tok).reshape(k, n_tok)
    keep = chosen & (n > 0)
    trig, tokens = np.nonzero(keep)
    return Candidates(
        trigger=trig + first,
        tokens=tokens,
        n=n[keep],
        events=events,
        lags=lag[row, events],
        rate=rate[trig],
        llr=score[trig, tokens, best[trig, tokens]],
    )
