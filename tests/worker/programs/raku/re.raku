sub fail-now($why) { die "failed: $why" }
fail-now("on purpose");
