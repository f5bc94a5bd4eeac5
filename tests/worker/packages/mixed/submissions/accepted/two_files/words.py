def first(line):
    return line.split()[0]
