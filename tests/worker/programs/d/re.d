import std.stdio;

void main() {
    int[] a = new int[1];
    size_t i = 5;
    writeln(a[i]);  // bounds checked: a RangeError
}
