package app;

import java.util.Scanner;
import util.Greeter;

public class Main {
    public static void main(String[] args) {
        System.out.println(Greeter.greet(new Scanner(System.in).next()));
    }
}
