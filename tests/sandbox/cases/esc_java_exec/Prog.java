// Escapes from Java through child processes: ProcessBuilder running the box's /bin/sh to read
// /etc/shadow, then a background loop that ignores HUP and TERM (to outlive the run), then to
// kill every process it can reach (kill -9 -1). The box's pid namespace bounds kill -1 to the
// box; the host's canary process must survive, and nothing may be left behind.
import java.io.*;

public class Prog {
    static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out.trim();
    }

    public static void main(String[] args) throws Exception {
        String shadow = run("/bin/sh", "-c", "cat /etc/shadow 2>&1 || echo no shadow");
        if (shadow.contains("root:")) {
            System.out.println("ESCAPED: read /etc/shadow: " + shadow);
            System.exit(99);
        }
        System.out.println("blocked: " + shadow);
        run("/bin/sh", "-c", "(trap '' HUP TERM; while :; do :; done) >/dev/null 2>&1 &");
        System.out.println("left a background sleeper");
        System.out.println("kill: " + run("/bin/sh", "-c", "kill -9 -1; echo survived-kill"));
    }
}
