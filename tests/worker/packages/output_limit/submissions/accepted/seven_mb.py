import sys
sys.stdout.write(input() + ' ' * (7 * 1000 * 1000) + '\n')
