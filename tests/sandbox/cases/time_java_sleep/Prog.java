// Timing trick in Java: the main thread waits on a lock nobody releases (no CPU at all); only
// the wall clock can end the run.
public class Prog {
    public static void main(String[] args) throws Exception {
        System.out.println("waiting");
        System.out.flush();
        Object lock = new Object();
        synchronized (lock) {
            lock.wait();
        }
    }
}
