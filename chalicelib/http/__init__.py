"""HTTP helpers every route shares: answers, request reading, sign-in, limits and the /v1 contract."""
