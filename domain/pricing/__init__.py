"""Pricing: channels, prices, promotions, vouchers, tax and shipping, and the one engine that prices with them."""
