# Two files with a main guard and no entry point named: the first by name runs, as DOMjudge's
# run scripts and problemtools choose it (judgebox says so in the compile output).
if __name__ == '__main__':
    print('a')
