"""Compliance: the sweep (overdue duties escalated and their violations recorded, inquiry-log rows past
retention purged) and the monitor the competent department reads (open, due soon, overdue, violations by
unit and by article, over time)."""
