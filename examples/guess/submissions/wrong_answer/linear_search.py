# Too many guesses: the validator gives up first (WA), whatever happens to us afterwards.
for guess in range(1, 1001):
    print("guess", guess, flush=True)
    if input() == "correct":
        break
