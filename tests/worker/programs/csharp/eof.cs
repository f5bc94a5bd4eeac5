using System;
using System.IO;
using System.Linq;

public class Eof {
    public static void Main() {  // every number to EOF into a file in /tmp, then read back
        var words = Console.In.ReadToEnd().Split((char[])null, StringSplitOptions.RemoveEmptyEntries);
        File.WriteAllLines("/tmp/numbers.txt", words);
        var numbers = File.ReadAllLines("/tmp/numbers.txt").Select(long.Parse).ToList();
        Console.WriteLine($"{numbers.Count} {numbers.Sum()}");
    }
}
