"""`stockUpdate`: record a stock count for a variant (staff)."""

from __future__ import annotations

from enum import Enum

import strawberry

from domain.inventory.errors import InventoryError
from schema.context import Info
from schema.relay import parse_id
from schema.user_errors import UserError, code_for, field_path


@strawberry.enum(description="Why `stockUpdate` refused a change.")
class StockUpdateErrorCode(Enum):
    VARIANT_NOT_FOUND = "VARIANT_NOT_FOUND"
    INVALID_QUANTITY = "INVALID_QUANTITY"


@strawberry.type(description="A reason `stockUpdate` refused a change.")
class StockUpdateError(UserError):
    code: StockUpdateErrorCode = strawberry.field(description="A stable code to branch on.")


@strawberry.type(description="The result of `stockUpdate`.")
class StockUpdatePayload:
    quantity_on_hand: int | None = strawberry.field(description="Units on hand after the change.")
    quantity_available: int | None = strawberry.field(description="Units shoppers can buy after the change.")
    user_errors: list[StockUpdateError] = strawberry.field(description="Why the change was refused, if it was.")


@strawberry.type
class StockUpdateMutation:
    @strawberry.mutation(description="Set how many units of a variant are on hand. Needs inventory permission.")
    async def stock_update(self, info: Info, variant_id: strawberry.ID, quantity: int) -> StockUpdatePayload:
        try:
            level = await info.context.inventory.set_stock(
                info.context.actor, variant_id=parse_id(variant_id, "ProductVariant"), quantity=quantity
            )
        except InventoryError as error:
            if (code := code_for(error, StockUpdateErrorCode)) is None:
                raise
            return StockUpdatePayload(
                quantity_on_hand=None,
                quantity_available=None,
                user_errors=[StockUpdateError(field=field_path(error), message=error.message, code=code)],
            )
        return StockUpdatePayload(
            quantity_on_hand=level.quantity_on_hand, quantity_available=level.quantity_available, user_errors=[]
        )
