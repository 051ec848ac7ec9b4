"""Vouchers: codes a shopper applies, the rules that make one valid for an order, and what it takes off."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.pricing.amounts import show, smaller
from domain.pricing.breakdown import AdjustmentKind, RemovedVoucher
from domain.pricing.errors import (
    InvalidVoucher,
    VoucherCustomerLimitReached,
    VoucherCustomerRequired,
    VoucherError,
    VoucherExpired,
    VoucherMinimumNotMet,
    VoucherNotApplicable,
    VoucherNotFound,
    VoucherNotStarted,
    VoucherUsageLimitReached,
    VoucherWrongChannel,
)
from domain.pricing.model import ALWAYS, Channel, Reward, Schedule, Target, require_reward_currency
from domain.pricing.order_discounts import Lines, reward_lines, take
from domain.pricing.promotions import reward_on
from domain.shared.money import Money

MAX_CODE_LENGTH = 64


def normalize_code(code: str) -> str:
    """Return a code as stored and compared: trimmed and upper-case."""
    return code.strip().upper()


@dataclass(frozen=True, slots=True)
class Voucher:
    """A code worth a reward on the lines it targets (`None`: the whole order), under limits."""

    code: str
    name: str
    reward: Reward
    channels: frozenset[str]
    target: Target | None = None
    schedule: Schedule = ALWAYS
    minimum_subtotal: Money | None = None
    usage_limit: int | None = None
    usage_limit_per_customer: int | None = None
    once_per_order: bool = False

    def __post_init__(self) -> None:
        if not self.code or self.code != normalize_code(self.code) or len(self.code) > MAX_CODE_LENGTH:
            raise InvalidVoucher(f"A code is 1 to {MAX_CODE_LENGTH} upper-case characters, trimmed.", field="code")
        for limit in (self.usage_limit, self.usage_limit_per_customer):
            if limit is not None and limit < 1:
                raise InvalidVoucher("A usage limit is at least one.", field="usageLimit")
        if self.minimum_subtotal is not None and self.minimum_subtotal.is_negative():
            raise InvalidVoucher("A minimum subtotal is zero or more.", field="minimumSubtotal")

    def check_currency(self, channel: Channel) -> None:
        """Refuse amounts in another currency than the channel's."""
        what = f"Voucher {self.code!r}"
        require_reward_currency(self.reward, channel, what=what)
        if self.minimum_subtotal is not None:
            channel.require_currency(self.minimum_subtotal, what=what)


@dataclass(frozen=True, slots=True)
class VoucherUsage:
    """How many placed orders used a code: by everyone, and by the customer being priced for."""

    code: str
    total: int = 0
    by_customer: int = 0


def check_voucher(
    voucher: Voucher,
    *,
    channel: Channel,
    now: datetime,
    subtotal: Money,
    lines: Lines,
    usage: VoucherUsage,
    customer_id: str | None,
) -> None:
    """Refuse a voucher that does not hold for this order, with the first rule it breaks."""
    code = voucher.code
    if channel.slug not in voucher.channels:
        raise VoucherWrongChannel(f"Code {code} is not valid in this shop.", field="code")
    voucher.check_currency(channel)
    if not voucher.schedule.has_started(now):
        raise VoucherNotStarted(f"Code {code} is not valid yet.", field="code")
    if voucher.schedule.has_ended(now):
        raise VoucherExpired(f"Code {code} has expired.", field="code")
    if voucher.usage_limit is not None and usage.total >= voucher.usage_limit:
        raise VoucherUsageLimitReached(f"Code {code} has been used up.", field="code")
    if voucher.usage_limit_per_customer is not None:
        if customer_id is None:
            raise VoucherCustomerRequired(f"Sign in to use code {code}.", field="code")
        if usage.by_customer >= voucher.usage_limit_per_customer:
            raise VoucherCustomerLimitReached(f"You have already used code {code}.", field="code")
    if voucher.minimum_subtotal is not None and subtotal < voucher.minimum_subtotal:
        raise VoucherMinimumNotMet(
            f"Code {code} needs a subtotal of at least {show(voucher.minimum_subtotal)}.", field="code"
        )
    if not any(line.covered_by(voucher.target) for line in lines):
        raise VoucherNotApplicable(f"Code {code} does not apply to anything in your basket.", field="code")


def _cheapest_covered(lines: Lines, covered: Sequence[bool]) -> int:
    return min((i for i, c in enumerate(covered) if c), key=lambda i: (lines[i].unit_price.amount, i))


def apply_voucher(lines: Lines, voucher: Voucher) -> Lines:
    """Take a valid voucher's reward off the covered lines, or off one cheapest unit when once per order."""
    covered = [line.covered_by(voucher.target) for line in lines]
    if voucher.once_per_order:
        zero = Money.zero(lines[0].remaining.currency)
        chosen = _cheapest_covered(lines, covered)
        line = lines[chosen]
        off = reward_on(line.unit_price, voucher.reward)
        amounts = [zero] * len(lines)
        amounts[chosen] = smaller(off, line.remaining)
    else:
        amounts = list(reward_lines(lines, covered, voucher.reward))
    return take(lines, amounts, kind=AdjustmentKind.VOUCHER, source_id=voucher.code, name=voucher.name)


def _by_code(vouchers: Sequence[Voucher]) -> dict[str, Voucher]:
    book = {v.code: v for v in vouchers}
    if len(book) != len(vouchers):
        raise InvalidVoucher("Two vouchers share a code.", field="code")
    return book


def apply_codes(
    lines: Lines,
    *,
    codes: Sequence[str],
    vouchers: Sequence[Voucher],
    usage: Sequence[VoucherUsage],
    channel: Channel,
    now: datetime,
    subtotal: Money,
    customer_id: str | None,
) -> tuple[Lines, tuple[str, ...], tuple[RemovedVoucher, ...]]:
    """Apply each distinct code in code order, removing with its reason every one that does not hold."""
    book = _by_code(vouchers)
    used = {normalize_code(u.code): u for u in usage}
    applied: list[str] = []
    removed: list[RemovedVoucher] = []
    for code in sorted({normalize_code(c) for c in codes}):
        voucher = book.get(code)
        try:
            if voucher is None:
                raise VoucherNotFound(f"There is no code {code}.", field="code")
            check_voucher(
                voucher,
                channel=channel,
                now=now,
                subtotal=subtotal,
                lines=lines,
                usage=used.get(code, VoucherUsage(code)),
                customer_id=customer_id,
            )
        except VoucherError as refusal:
            removed.append(RemovedVoucher(code=code, reason=refusal.code, message=refusal.message))
            continue
        lines = apply_voucher(lines, voucher)
        applied.append(code)
    return lines, tuple(applied), tuple(removed)
