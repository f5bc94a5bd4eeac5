# @EXPECTED_RESULTS@: COMPILER-ERROR
if __name__ == '__main__':
    print('a')
