import java.util.ArrayList;

public class Main {
    public static void main(String[] args) {
        ArrayList<byte[]> blocks = new ArrayList<>();
        for (int i = 0; i < 1024; i++) {  // 1 GiB, touched
            byte[] b = new byte[1 << 20];
            java.util.Arrays.fill(b, (byte) i);
            blocks.add(b);
        }
        System.out.println(blocks.size());
    }
}
