"""A stored price summary gives, at any destination and until it stops holding, what the engine gives."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.pricing.engine import price_products
from domain.pricing.inputs import PricingContext, ProductInputs
from domain.pricing.model import ChannelPrice, Percentage, PercentageOff, Schedule
from domain.pricing.promotions import CataloguePromotion
from domain.pricing.summary import StoredPrices, from_stored, next_price_change, summarize, to_stored
from domain.shared.money import Money
from tests.unit.pricing import NOW, TOMORROW, UK, YESTERDAY, context, gbp, product
from tests.unit.pricing.test_catalogue import Scenario, scenarios
from tests.unit.pricing.test_properties import PROPERTY, RATES

MOMENTS = st.sampled_from([timedelta(0), timedelta(hours=1), timedelta(days=1), timedelta(days=3)])


@PROPERTY
@given(scenarios(), st.sampled_from(sorted(RATES)), MOMENTS)
def test_a_stored_summary_gives_the_engines_summary_wherever_and_whenever_it_holds(
    scenario: Scenario, destination: str, later: timedelta
) -> None:
    pricing, catalogue, promotions = scenario
    channel = pricing.channel
    until = next_price_change(promotions, channel=channel.slug, now=pricing.now)
    sold = [inputs for inputs in catalogue if any(p.channel == channel.slug for p in inputs.prices)]
    stored = [
        to_stored(priced, channel=channel, valid_until=until)
        for priced in price_products(sold, context=pricing, promotions=promotions)
    ]

    # Read later, taxed for another country: the engine, asked then and there, says the same while it holds.
    now = pricing.now + later
    there = PricingContext(channel=channel, now=now, tax_rates=RATES[destination])
    for kept, priced in zip(stored, price_products(sold, context=there, promotions=promotions), strict=True):
        assert kept.holds_at(now) == (until is None or now < until)
        if kept.holds_at(now):
            rate = there.tax_rates.rate(kept.tax_class)
            found = from_stored(kept, basis=channel.basis, rate=rate)
            assert repr(found) == repr(summarize(priced))  # repr: amounts alike down to their exponent
            # As the reader hands them over: equal amounts are one object, and taxed once.
            shared = from_stored(_interned(kept), basis=channel.basis, rate=rate)
            assert repr(shared) == repr(summarize(priced))


def _interned(stored: StoredPrices) -> StoredPrices:
    pool: dict[tuple[str, str], Money] = {}

    def one(money: Money) -> Money:
        return pool.setdefault((str(money.amount), money.currency), money)

    return replace(
        stored,
        start=one(stored.start),
        stop=one(stored.stop),
        undiscounted_start=one(stored.undiscounted_start),
        undiscounted_stop=one(stored.undiscounted_stop),
        max_discount=one(stored.max_discount),
    )


def _sale(
    id_: str, percent: int, schedule: Schedule, channels: frozenset[str] = frozenset({"uk"})
) -> CataloguePromotion:
    return CataloguePromotion(
        id=id_,
        name=f"{percent} % off",
        reward=PercentageOff(Percentage.of(percent)),
        target=None,
        channels=channels,
        schedule=schedule,
    )


def test_the_next_change_is_the_earliest_start_or_end_to_come_in_the_channel() -> None:
    later = TOMORROW + timedelta(days=1)
    promotions = [
        _sale("ended", 10, Schedule(starts_at=YESTERDAY - timedelta(days=1), ends_at=YESTERDAY)),
        _sale("live", 10, Schedule(starts_at=YESTERDAY, ends_at=later)),
        _sale("coming", 10, Schedule(starts_at=TOMORROW)),
        _sale("elsewhere", 10, Schedule(starts_at=NOW + timedelta(hours=1)), channels=frozenset({"us"})),
    ]

    assert next_price_change(promotions, channel="uk", now=NOW) == TOMORROW
    assert next_price_change(promotions, channel="uk", now=TOMORROW) == later  # a start at `now` has happened
    assert next_price_change(promotions, channel="uk", now=later) is None
    assert next_price_change(promotions, channel="us", now=NOW) == NOW + timedelta(hours=1)
    assert next_price_change([], channel="uk", now=NOW) is None


def test_a_summary_holds_until_its_moment_and_not_at_it() -> None:
    prices = (ChannelPrice(1, "uk", gbp("12.00"), None), ChannelPrice(2, "uk", gbp("30.00"), None))
    inputs = ProductInputs(facts=product(), prices=prices)
    sale = _sale("s", 50, Schedule(ends_at=TOMORROW))
    (priced,) = price_products([inputs], context=context(UK), promotions=[sale])

    stored = to_stored(priced, channel=UK, valid_until=TOMORROW)

    assert stored.holds_at(NOW)
    assert stored.holds_at(TOMORROW - timedelta(microseconds=1))
    assert not stored.holds_at(TOMORROW)
    assert (stored.start, stored.stop) == (gbp("6.00"), gbp("15.00"))
    assert (stored.undiscounted_start, stored.undiscounted_stop) == (gbp("12.00"), gbp("30.00"))
    assert stored.on_sale
    assert stored.max_discount == gbp("15.00")
    assert to_stored(priced, channel=UK, valid_until=None).holds_at(NOW + timedelta(days=10_000))
