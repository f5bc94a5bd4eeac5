import std.stdio;

void main() {
    ubyte[][] blocks;
    foreach (i; 0 .. 1024) {  // 1 GiB, touched
        auto b = new ubyte[1 << 20];
        b[] = cast(ubyte) i;
        blocks ~= b;
    }
    writeln(blocks.length);
}
