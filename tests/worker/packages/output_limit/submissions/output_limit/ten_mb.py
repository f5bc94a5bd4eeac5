import sys
sys.stdout.write(input() + ' ' * (10 * 1000 * 1000) + '\n')
