/* @EXPECTED_RESULTS@: CORRECT */
package judge.echo;

class Main {
    public static void main(String[] args) {
        System.out.println(new java.util.Scanner(System.in).next());
    }
}
