package util;

public class Greeter {
    public static String greet(String name) { return "Hello " + name; }
}
