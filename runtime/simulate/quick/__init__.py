"""The quick replay of recorded updates: the record service's write and rules on rows held in memory,
flushed a batch at a time; what it cannot do the same way goes back to the record service
(docs/simulation.md, "What it does", step 4)."""
