import sys
# pass 1: the submission prints n; pass 2 (input "again n"): it must print 2n.
infile, answer, feedback = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(infile).read().split()
team = sys.stdin.read().split()
if text[0] != "again":
    if team != [text[0]]:
        sys.exit(43)
    open(feedback + "nextpass.in", "w").write("again " + text[0] + "\n")
    sys.exit(42)
sys.exit(42 if team == [str(2 * int(text[1]))] else 43)
