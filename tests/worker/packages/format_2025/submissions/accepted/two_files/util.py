def main():
    print(int(input()) + {{offset}})
