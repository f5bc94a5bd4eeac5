// Verdict subtlety: one absurd allocation (a size from a bad computation): new long[2^31 - 2]
// is 16 GiB, far past the heap: OutOfMemoryError thrown at once, nothing touched. MLE, like
// the heap filled page by page.
public class Prog {
    public static void main(String[] args) {
        long[] a = new long[Integer.MAX_VALUE - 2];
        System.out.println(a.length);
    }
}
