import std.algorithm, std.array, std.conv, std.file, std.stdio, std.string;

void main() {  // every number to EOF into a file in /tmp, then read back from it
    auto words = stdin.byLineCopy.map!split.join;
    std.file.write("/tmp/numbers.txt", words.map!(w => w ~ "\n").join);
    auto back = readText("/tmp/numbers.txt").splitLines.map!(to!long).array;
    writeln(back.length, " ", back.sum);
}
