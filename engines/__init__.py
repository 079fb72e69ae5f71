"""The four engines (form, rules, flow, report) and the pieces they share (common, expr)."""
