"""Pydantic models of every JSON answer. Field order is the contract's key order, and the
`from_row` constructors take the ORM rows (with what they need already loaded)."""
