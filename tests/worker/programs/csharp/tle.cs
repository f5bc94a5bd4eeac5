class Program {
    static volatile int n;
    static void Main() { while (true) n++; }
}
