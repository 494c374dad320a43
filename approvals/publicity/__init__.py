"""The public listing of licensing decisions (双公示: 行政许可决定公示), mounted at /publicity/ with no sign-in.

Reads only: the listing, its CSV export and one decision's record are built from the decided cases as they are
(approvals.cases), so a decision is public from the moment its transaction commits. Nothing is copied into a
table of its own, so nothing can be lost or fall behind between the decision and its publication.
"""
