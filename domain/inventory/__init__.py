"""Inventory: how many of each variant are on hand and available to sell."""
