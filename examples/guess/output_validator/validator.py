"""Interactive validator (Kattis interface): validator input answer feedback_dir.

Reads the secret number from the input file, answers the submission's guesses on stdout.
Exit 42: guessed within 10 tries; 43: anything else (with judgemessage.txt).
"""
import sys

MAX_GUESSES = 10


def main() -> None:
    secret = int(open(sys.argv[1]).read())
    feedback = sys.argv[3]

    def verdict(accepted: bool, message: str) -> None:
        with open(feedback + "judgemessage.txt", "w") as f:
            f.write(message + "\n")
        sys.exit(42 if accepted else 43)

    for turn in range(1, MAX_GUESSES + 1):
        line = sys.stdin.readline()
        if not line:
            verdict(False, f"the submission stopped after {turn - 1} guesses")
        words = line.split()
        if len(words) != 2 or words[0] != "guess" or not words[1].lstrip("-").isdigit():
            verdict(False, f"expected 'guess x', got {line.strip()[:50]!r}")
        guess = int(words[1])
        if guess == secret:
            print("correct", flush=True)
            if sys.stdin.read(1):
                verdict(False, "output after 'correct'")
            verdict(True, f"found {secret} in {turn} guesses")
        print("lower" if secret < guess else "higher", flush=True)
    verdict(False, f"no correct guess in {MAX_GUESSES} tries")


main()
