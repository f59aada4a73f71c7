"""The scheduler: a thin loop that sleeps until the next boundary and runs the jobs."""
