package a.b.c;

public class Deep {
    public static void main(String[] args) throws Exception {
        System.out.println(new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine());
    }
}
