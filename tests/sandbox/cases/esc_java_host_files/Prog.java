// Escapes from Java through java.nio: host-only files (/etc/shadow, the judge's checkout, the
// slot locks, the cgroup tree), /proc/1 (the box's root-owned init), a write outside /box and
// /tmp, and a listing of / that must show only the box's skeleton.
import java.nio.file.*;

public class Prog {
    public static void main(String[] args) throws Exception {
        String[] paths = {"/etc/shadow", "/root", "/work/main/README.md", "/proc/1/environ",
                          "/run/judgebox", "/sys/fs/cgroup", "/home", "/var/log"};
        for (String p : paths) {
            try {
                if (Files.exists(Paths.get(p))) {
                    byte[] b = Files.isDirectory(Paths.get(p)) ? new byte[0]
                                                               : Files.readAllBytes(Paths.get(p));
                    System.out.println("ESCAPED: " + p + " exists (" + b.length + " bytes read)");
                    System.out.flush();
                    System.exit(99);
                }
                System.out.println("blocked: " + p + " absent");
            } catch (java.io.IOException e) {
                System.out.println("blocked: " + p + ": " + e);
            }
        }
        for (String p : new String[] {"/etc/passwd", "/usr/judgebox-probe", "/judgebox-probe"}) {
            try {
                Files.write(Paths.get(p), "x".getBytes(), StandardOpenOption.CREATE,
                            StandardOpenOption.APPEND);
                System.out.println("ESCAPED: wrote " + p);
                System.out.flush();
                System.exit(99);
            } catch (java.io.IOException e) {
                System.out.println("blocked: write " + p + ": " + e.getClass().getSimpleName());
            }
        }
        System.out.println("all blocked");
    }
}
