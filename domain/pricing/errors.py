"""The pricing error tree: every refusal carries a stable `code` the API exposes as is."""

from __future__ import annotations

from domain.shared.errors import DomainError, InvalidInput, NotFound
from domain.shared.money import CurrencyMismatch


class PricingError(DomainError):
    code = "PRICING_ERROR"


# --- channels and prices --------------------------------------------------------------------------------------------


class UnknownChannel(NotFound, PricingError):
    code = "UNKNOWN_CHANNEL"


class ChannelCurrencyMismatch(CurrencyMismatch, PricingError):
    """An amount (price, fixed discount, threshold, shipping rate) is not in the channel's currency."""

    code = "CHANNEL_CURRENCY_MISMATCH"


class ProductNotInChannel(NotFound, PricingError):
    """The channel lists no price for this variant or product, so it does not sell it."""

    code = "PRODUCT_NOT_IN_CHANNEL"


class VariantNotFound(NotFound, PricingError):
    code = "VARIANT_NOT_FOUND"


class InvalidPrice(InvalidInput, PricingError):
    code = "INVALID_PRICE"


class InvalidQuantity(InvalidInput, PricingError):
    code = "INVALID_QUANTITY"


class InvalidPercentage(InvalidInput, PricingError):
    code = "INVALID_PERCENTAGE"


class InvalidCountry(InvalidInput, PricingError):
    code = "INVALID_COUNTRY"


# --- promotions -----------------------------------------------------------------------------------------------------


class InvalidSchedule(InvalidInput, PricingError):
    """A start or end is naive, or the end is not after the start."""

    code = "INVALID_SCHEDULE"


class InvalidTarget(InvalidInput, PricingError):
    """A target names no product, variant, category or collection (use `None` for everything)."""

    code = "INVALID_TARGET"


class InvalidPromotionRule(InvalidInput, PricingError):
    code = "INVALID_PROMOTION_RULE"


class DuplicatePromotion(InvalidInput, PricingError):
    """Two promotions share an id, so the canonical order between them is undefined."""

    code = "DUPLICATE_PROMOTION"


# --- vouchers -------------------------------------------------------------------------------------------------------


class VoucherError(PricingError):
    """A voucher code cannot be applied to this order; the order is priced without it."""

    code = "VOUCHER_ERROR"


class VoucherNotFound(NotFound, VoucherError):
    code = "VOUCHER_NOT_FOUND"


class VoucherAlreadyApplied(VoucherError):
    code = "VOUCHER_ALREADY_APPLIED"


class VoucherWrongChannel(VoucherError):
    code = "VOUCHER_WRONG_CHANNEL"


class VoucherNotStarted(VoucherError):
    code = "VOUCHER_NOT_STARTED"


class VoucherExpired(VoucherError):
    code = "VOUCHER_EXPIRED"


class VoucherUsageLimitReached(VoucherError):
    code = "VOUCHER_USAGE_LIMIT_REACHED"


class VoucherCustomerLimitReached(VoucherUsageLimitReached):
    code = "VOUCHER_CUSTOMER_LIMIT_REACHED"


class VoucherCustomerRequired(VoucherError):
    """The voucher is limited per customer, and the shopper is not signed in."""

    code = "VOUCHER_CUSTOMER_REQUIRED"


class VoucherMinimumNotMet(VoucherError):
    code = "VOUCHER_MINIMUM_NOT_MET"


class VoucherNotApplicable(VoucherError):
    """No line of the order is one the voucher covers."""

    code = "VOUCHER_NOT_APPLICABLE"


class InvalidVoucher(InvalidInput, PricingError):
    """A voucher definition breaks a rule (bad code, negative limit); raised when it is built."""

    code = "INVALID_VOUCHER"


VOUCHER_ERRORS: dict[str, type[VoucherError]] = {
    cls.code: cls
    for cls in (
        VoucherNotFound,
        VoucherAlreadyApplied,
        VoucherWrongChannel,
        VoucherNotStarted,
        VoucherExpired,
        VoucherUsageLimitReached,
        VoucherCustomerLimitReached,
        VoucherCustomerRequired,
        VoucherMinimumNotMet,
        VoucherNotApplicable,
    )
}


# --- tax and shipping -----------------------------------------------------------------------------------------------


class NoTaxRatesForCountry(NotFound, PricingError):
    code = "NO_TAX_RATES_FOR_COUNTRY"


class NoShippingToCountry(PricingError):
    code = "NO_SHIPPING_TO_COUNTRY"


class ShippingMethodUnavailable(PricingError):
    """The chosen method does not ship there, or has no rate for this order's value or weight."""

    code = "SHIPPING_METHOD_UNAVAILABLE"


class InvalidShippingRate(InvalidInput, PricingError):
    code = "INVALID_SHIPPING_RATE"
