# Right, and permitted only AC, but kept out of the time limit (use_for_time_limit: false).
print(2 * int(input()))
