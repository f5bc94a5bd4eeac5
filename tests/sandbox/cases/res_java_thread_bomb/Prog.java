// Thread bomb in Java: every thread starts threads forever; a refused start
// (OutOfMemoryError: unable to create native thread) is caught and retried, so the JVM spins
// at the process limit. The main thread reports an escape past the limit.
import java.io.File;

public class Prog {
    static void bomb() {
        while (true) {
            try {
                Thread t = new Thread(Prog::bomb);
                t.setDaemon(true);
                t.start();
            } catch (Throwable e) {
                // refused: retry
            }
        }
    }

    public static void main(String[] args) {
        Thread first = new Thread(Prog::bomb);
        first.setDaemon(true);
        first.start();
        while (true) {
            String[] tasks = new File("/proc/self/task").list();
            if (tasks != null && tasks.length > 16) {
                System.out.println("ESCAPED: " + tasks.length + " threads with processes=16");
                System.out.flush();
                Runtime.getRuntime().halt(99);
            }
        }
    }
}
