"""Shipping: zones of countries, methods with price- or weight-based rate bands, and the built-in rate table."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

from domain.pricing.errors import InvalidShippingRate, NoShippingToCountry, ShippingMethodUnavailable
from domain.pricing.model import Destination, TaxClass, validate_country
from domain.shared.money import Money


def _check_price(price: Money) -> None:
    if price.is_negative() or price != price.rounded():
        raise InvalidShippingRate("A shipping price is zero or more, in whole minor units.", field="price")


@dataclass(frozen=True, slots=True)
class ShippingZone:
    """Countries that share shipping methods, in the channels that ship there."""

    id: str
    name: str
    countries: frozenset[str]
    channels: frozenset[str]

    def __post_init__(self) -> None:
        for country in self.countries:
            validate_country(country)


@dataclass(frozen=True, slots=True)
class PriceBand:
    """The price for orders whose subtotal is at least `minimum` and below `maximum` (`None`: no ceiling)."""

    minimum: Money
    maximum: Money | None
    price: Money

    def __post_init__(self) -> None:
        bounds = (self.minimum,) if self.maximum is None else (self.minimum, self.maximum)
        if any(b.currency != self.price.currency or b.is_negative() for b in bounds):
            raise InvalidShippingRate("A band's bounds are zero or more, in its price's currency.", field="bands")


@dataclass(frozen=True, slots=True)
class WeightBand:
    """The price for orders weighing at least `min_grams` and less than `max_grams` (`None`: no ceiling)."""

    min_grams: int
    max_grams: int | None
    price: Money

    def __post_init__(self) -> None:
        if self.min_grams < 0:
            raise InvalidShippingRate("A weight is zero grams or more.", field="bands")


Band = PriceBand | WeightBand


def _check_bands(bands: Sequence[Band]) -> None:
    if not bands or len({type(b) for b in bands}) != 1:
        raise InvalidShippingRate("A method has at least one band, all by price or all by weight.", field="bands")
    if len({b.price.currency for b in bands}) != 1:
        raise InvalidShippingRate("A method's bands share one currency.", field="bands")
    ordered = sorted(bands, key=_lower)
    for band, following in pairwise(ordered):
        upper = _upper(band)
        if upper is None or upper > _lower(following):
            raise InvalidShippingRate("A method's bands must not overlap.", field="bands")
    for band in bands:
        _check_price(band.price)
        upper = _upper(band)
        if upper is not None and upper <= _lower(band):
            raise InvalidShippingRate("A band's ceiling is above its floor.", field="bands")


def _lower(band: Band) -> Decimal:
    return band.minimum.amount if isinstance(band, PriceBand) else Decimal(band.min_grams)


def _upper(band: Band) -> Decimal | None:
    if isinstance(band, PriceBand):
        return None if band.maximum is None else band.maximum.amount
    return None if band.max_grams is None else Decimal(band.max_grams)


@dataclass(frozen=True, slots=True)
class ShippingMethod:
    """A way to ship to one zone, priced by the first band the order falls in; free over `free_over`."""

    id: str
    name: str
    zone_id: str
    bands: tuple[Band, ...]
    free_over: Money | None = None
    tax_class: TaxClass = TaxClass.STANDARD

    def __post_init__(self) -> None:
        _check_bands(self.bands)
        if self.free_over is not None and (self.free_over.currency != self.currency or self.free_over.is_negative()):
            raise InvalidShippingRate("A free-shipping threshold is zero or more, in the rates' currency.")

    @property
    def currency(self) -> str:
        return self.bands[0].price.currency

    def price_for(self, *, subtotal: Money, weight_grams: int) -> Money | None:
        """Return the rate for an order of this subtotal and weight, or `None` if no band covers it."""
        for band in self.bands:
            if isinstance(band, PriceBand):
                if band.minimum <= subtotal and (band.maximum is None or subtotal < band.maximum):
                    return band.price
            elif band.min_grams <= weight_grams and (band.max_grams is None or weight_grams < band.max_grams):
                return band.price
        return None


@dataclass(frozen=True, slots=True)
class ShippingQuote:
    """A method the shopper may pick, with its rate before any free-shipping rule."""

    method: ShippingMethod
    price: Money


def quote_methods(
    methods: Sequence[ShippingMethod], *, subtotal: Money, weight_grams: int
) -> tuple[ShippingQuote, ...]:
    """Return the methods that have a rate for this order, with that rate."""
    quotes = []
    for method in methods:
        price = method.price_for(subtotal=subtotal, weight_grams=weight_grams)
        if price is not None:
            quotes.append(ShippingQuote(method, price))
    return tuple(quotes)


def quote_method(
    methods: Sequence[ShippingMethod], *, method_id: str, country: str, subtotal: Money, weight_grams: int
) -> ShippingQuote:
    """Return the chosen method's rate, refusing a country without shipping or a method without a rate."""
    if not methods:
        raise NoShippingToCountry(f"We do not ship to {country}.", field="country")
    for quote in quote_methods(methods, subtotal=subtotal, weight_grams=weight_grams):
        if quote.method.id == method_id:
            return quote
    raise ShippingMethodUnavailable(f"Shipping method {method_id!r} is not available for this order.", field="method")


class ShippingTable:
    """The built-in `ShippingRates`: fixed zones and methods."""

    __slots__ = ("_methods", "_zones")

    def __init__(self, *, zones: Iterable[ShippingZone], methods: Iterable[ShippingMethod]) -> None:
        self._zones = {z.id: z for z in zones}
        self._methods = tuple(methods)

    def lookup(self, *, channel: str, country: str) -> tuple[ShippingMethod, ...]:
        """Return the methods of every zone that holds the country in this channel, in table order."""
        zones = {z.id for z in self._zones.values() if country in z.countries and channel in z.channels}
        return tuple(m for m in self._methods if m.zone_id in zones)

    async def methods_for(self, *, channel: str, destination: Destination) -> tuple[ShippingMethod, ...]:
        """Return the methods that ship to the destination's country in this channel."""
        return self.lookup(channel=channel, country=destination.country)
