"""Usage accounting: token records per principal and day, daily totals for the stats chart, metrics."""
