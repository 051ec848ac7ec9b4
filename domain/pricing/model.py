"""Pricing value objects: channels, channel prices, product facts, targets, schedules and rewards."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from domain.pricing.errors import (
    ChannelCurrencyMismatch,
    InvalidCountry,
    InvalidPercentage,
    InvalidPrice,
    InvalidSchedule,
    InvalidTarget,
    UnknownChannel,
)
from domain.shared.money import Money, round_money


class TaxClass(StrEnum):
    """How a product is taxed; each country's rates give a percentage per class."""

    STANDARD = "standard"
    REDUCED = "reduced"
    ZERO = "zero"


class PriceBasis(StrEnum):
    """Whether an entered amount already includes tax (gross) or not (net)."""

    GROSS = "gross"
    NET = "net"


@dataclass(frozen=True, slots=True)
class Percentage:
    """A percentage between 0 and 100 inclusive, exact."""

    value: Decimal

    def __post_init__(self) -> None:
        if not isinstance(self.value, Decimal) or not self.value.is_finite() or not 0 <= self.value <= 100:
            raise InvalidPercentage(f"{self.value!r} is not a percentage between 0 and 100.", field="percentage")

    @classmethod
    def of(cls, value: str | int) -> Percentage:
        """Parse an exact percentage from a string or an integer."""
        return cls(Decimal(value))

    def __str__(self) -> str:
        return f"{self.value.normalize():f}%"


def validate_country(country: str) -> str:
    """Return the ISO 3166-1 alpha-2 code, or refuse anything else."""
    if len(country) != 2 or not country.isascii() or not country.isalpha() or not country.isupper():
        raise InvalidCountry(f"{country!r} is not a two-letter ISO country code.", field="country")
    return country


@dataclass(frozen=True, slots=True)
class Channel:
    """Where a storefront sells: one currency, a default country, and how its prices are entered."""

    slug: str
    currency: str
    default_country: str
    prices_include_tax: bool

    def __post_init__(self) -> None:
        Money.zero(self.currency)  # refuses a code that is not ISO 4217
        validate_country(self.default_country)

    @property
    def basis(self) -> PriceBasis:
        return PriceBasis.GROSS if self.prices_include_tax else PriceBasis.NET

    def require_currency(self, amount: Money, *, what: str) -> Money:
        """Return the amount, or refuse one in another currency than the channel's."""
        if amount.currency != self.currency:
            raise ChannelCurrencyMismatch(
                f"{what} is in {amount.currency}, but channel {self.slug!r} sells in {self.currency}."
            )
        return amount


class Channels:
    """The configured channels, and which one a price query gets when it names none."""

    __slots__ = ("_by_slug", "default")

    def __init__(self, channels: Iterable[Channel], *, default: str) -> None:
        self._by_slug = {c.slug: c for c in channels}
        if default not in self._by_slug:
            raise UnknownChannel(f"The default channel {default!r} is not configured.", field="channel")
        self.default = default

    def get(self, slug: str | None) -> Channel:
        """Return the named channel, or the default one for `None`; refuse an unknown slug."""
        chosen = self.default if slug is None else slug
        channel = self._by_slug.get(chosen)
        if channel is None:
            raise UnknownChannel(f"There is no channel {chosen!r}.", field="channel")
        return channel


@dataclass(frozen=True, slots=True)
class ChannelPrice:
    """A variant's price in one channel; its existence is what makes the channel sell the variant."""

    variant_id: int
    channel: str
    amount: Money
    compare_at: Money | None = None

    def __post_init__(self) -> None:
        if self.amount.is_negative() or round_money(self.amount.amount, self.amount.currency) != self.amount.amount:
            raise InvalidPrice("A price is zero or more, in whole minor units.", field="price")
        if self.compare_at is not None and (
            self.compare_at.currency != self.amount.currency or self.compare_at.is_negative()
        ):
            raise InvalidPrice("A compare-at price is zero or more, in the price's currency.", field="compareAt")


@dataclass(frozen=True, slots=True)
class ProductFacts:
    """What promotions and tax need to know of the product a variant belongs to."""

    product_id: int
    category_path: frozenset[int] = frozenset()  # the product's category and all its ancestors
    collection_ids: frozenset[int] = frozenset()
    tax_class: TaxClass = TaxClass.STANDARD


@dataclass(frozen=True, slots=True)
class Target:
    """What a promotion or voucher covers; a category covers its whole subtree."""

    product_ids: frozenset[int] = frozenset()
    variant_ids: frozenset[int] = frozenset()
    category_ids: frozenset[int] = frozenset()
    collection_ids: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        if not (self.product_ids or self.variant_ids or self.category_ids or self.collection_ids):
            raise InvalidTarget("A target names at least one product, variant, category or collection.")

    def covers(self, *, variant_id: int, product: ProductFacts) -> bool:
        """Tell whether the variant of this product is covered."""
        return variant_id in self.variant_ids or self.covers_product(product)

    def covers_product(self, product: ProductFacts) -> bool:
        """Tell whether every variant of the product is covered (a target of variants covers only those)."""
        return (
            product.product_id in self.product_ids
            or not self.category_ids.isdisjoint(product.category_path)
            or not self.collection_ids.isdisjoint(product.collection_ids)
        )


def covers(target: Target | None, *, variant_id: int, product: ProductFacts) -> bool:
    """Tell whether a target covers the variant, where no target covers everything."""
    return target is None or target.covers(variant_id=variant_id, product=product)


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a rule is live: from `starts_at` (inclusive) until `ends_at` (exclusive); `None` is unbounded."""

    starts_at: datetime | None = None
    ends_at: datetime | None = None

    def __post_init__(self) -> None:
        for moment in (self.starts_at, self.ends_at):
            if moment is not None and moment.utcoffset() is None:
                raise InvalidSchedule("Schedule times must be timezone-aware.", field="schedule")
        if self.starts_at is not None and self.ends_at is not None and self.ends_at <= self.starts_at:
            raise InvalidSchedule("A schedule must end after it starts.", field="endsAt")

    def has_started(self, now: datetime) -> bool:
        return self.starts_at is None or self.starts_at <= now

    def has_ended(self, now: datetime) -> bool:
        return self.ends_at is not None and now >= self.ends_at

    def is_live(self, now: datetime) -> bool:
        """Tell whether `now` falls inside the schedule."""
        return self.has_started(now) and not self.has_ended(now)


ALWAYS = Schedule()


@dataclass(frozen=True, slots=True)
class PercentageOff:
    """Take a percentage off each covered amount (rounded per line)."""

    percent: Percentage


@dataclass(frozen=True, slots=True)
class FixedOff:
    """Take a fixed amount off, never more than what it applies to."""

    amount: Money

    def __post_init__(self) -> None:
        if self.amount.amount <= 0 or self.amount != self.amount.rounded():
            raise InvalidPrice("A fixed discount is above zero, in whole minor units.", field="amount")


Reward = PercentageOff | FixedOff


def require_reward_currency(reward: Reward, channel: Channel, *, what: str) -> None:
    """Refuse a fixed reward in another currency than the channel's."""
    if isinstance(reward, FixedOff):
        channel.require_currency(reward.amount, what=what)


@dataclass(frozen=True, slots=True)
class TaxedMoney:
    """An amount both without tax (net) and with it (gross)."""

    net: Money
    gross: Money

    @property
    def tax(self) -> Money:
        return self.gross - self.net

    def entered(self, basis: PriceBasis) -> Money:
        """Return the side the channel's prices are entered in."""
        return self.gross if basis is PriceBasis.GROSS else self.net


@dataclass(frozen=True, slots=True)
class Destination:
    """Where an order goes; ports resolve tax rates and shipping methods for it."""

    country: str
    postal_code: str | None = None

    def __post_init__(self) -> None:
        validate_country(self.country)
