import java.io.*;
import java.nio.file.*;
import java.util.*;

public class Eof {
    public static void main(String[] args) throws IOException {  // to EOF, via a file in /tmp
        StreamTokenizer in = new StreamTokenizer(new BufferedReader(new InputStreamReader(System.in)));
        try (PrintWriter out = new PrintWriter(new FileWriter("/tmp/numbers.txt"))) {
            while (in.nextToken() != StreamTokenizer.TT_EOF) out.println((long) in.nval);
        }
        long n = 0, sum = 0;
        for (String line : Files.readAllLines(Paths.get("/tmp/numbers.txt"))) {
            n++;
            sum += Long.parseLong(line);
        }
        System.out.println(n + " " + sum);
    }
}
