"""Pages for people (the definition's `pages:` section): a screen is a column of components bound to
roles, optionally about one record (the signed-in user's own, or one found with a search box).
`components/` is the registry, one module per component; see docs/pages.md."""
