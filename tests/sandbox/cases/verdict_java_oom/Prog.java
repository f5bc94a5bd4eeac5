// Verdict subtlety: a Java program fills its heap with touched arrays; the heap (fitted to the
// box's limit) runs out first: java.lang.OutOfMemoryError, uncaught, exit 1. That is MLE.
import java.util.ArrayList;

public class Prog {
    public static void main(String[] args) {
        ArrayList<long[]> blocks = new ArrayList<>();
        while (true) {
            long[] b = new long[1 << 17];  // 1 MiB
            java.util.Arrays.fill(b, blocks.size());
            blocks.add(b);
        }
    }
}
