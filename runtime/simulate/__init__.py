"""Rule simulation (issue 9): replay a period's recorded events through a new definition on a scratch
copy of the database and compare with what the live rules did. See docs/simulation.md."""
