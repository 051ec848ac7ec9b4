"""The catalog: products, variants, categories and images, and the rules for browsing and editing them."""
