"""`variantUpdate`: change a variant's name or SKU (staff)."""

from __future__ import annotations

from enum import Enum

import strawberry

from domain.catalog.errors import CatalogError
from schema.context import Info
from schema.relay import parse_id
from schema.types.catalog import ProductVariant
from schema.user_errors import UserError, code_for, field_path


@strawberry.enum(description="Why `variantUpdate` refused a change.")
class VariantUpdateErrorCode(Enum):
    VARIANT_NOT_FOUND = "VARIANT_NOT_FOUND"
    INVALID_NAME = "INVALID_NAME"
    INVALID_SKU = "INVALID_SKU"
    SKU_TAKEN = "SKU_TAKEN"


@strawberry.type(description="A reason `variantUpdate` refused a change.")
class VariantUpdateError(UserError):
    code: VariantUpdateErrorCode = strawberry.field(description="A stable code to branch on.")


@strawberry.input(description="The fields to change; omitted fields stay as they are.")
class VariantUpdateInput:
    name: str | None = strawberry.field(default=None, description="The new name, e.g. `M / Blue` (may be empty).")
    sku: str | None = strawberry.field(
        default=None, description="The new SKU: 1 to 64 letters, digits, `-`, `_`, `.` or `/`, unique across the shop."
    )


@strawberry.type(description="The result of `variantUpdate`.")
class VariantUpdatePayload:
    variant: ProductVariant | None = strawberry.field(description="The variant after the change.")
    user_errors: list[VariantUpdateError] = strawberry.field(description="Why the change was refused, if it was.")


@strawberry.type
class VariantUpdateMutation:
    @strawberry.mutation(description="Change a variant's name or SKU. Needs catalog permission.")
    async def variant_update(self, info: Info, id: strawberry.ID, input: VariantUpdateInput) -> VariantUpdatePayload:
        try:
            variant = await info.context.catalog.update_variant(
                info.context.actor, variant_id=parse_id(id, "ProductVariant"), name=input.name, sku=input.sku
            )
        except CatalogError as error:
            if (code := code_for(error, VariantUpdateErrorCode)) is None:
                raise
            path = field_path(error, prefix=() if error.field == "id" else ("input",))
            return VariantUpdatePayload(
                variant=None, user_errors=[VariantUpdateError(field=path, message=error.message, code=code)]
            )
        return VariantUpdatePayload(variant=ProductVariant.from_domain(variant), user_errors=[])
