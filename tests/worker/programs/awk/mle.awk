BEGIN { s = "x"; while (1) { s = s s; t[n++] = s } }  # doubles until the box runs out
