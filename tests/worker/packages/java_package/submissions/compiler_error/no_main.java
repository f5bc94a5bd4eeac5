package bin;

class Helper {
    static int x = 1;
}
