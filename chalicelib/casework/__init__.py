"""Casework: the statutory process on a stored case (`workflow`), its clocks (`timelines`) and
the append-only audit trail (`audit`). Every change of a case is one DynamoDB transaction with
its audit entry."""
