using System.Collections.Generic;
class Program {
    static void Main() {
        var blocks = new List<byte[]>();
        for (int i = 0; i < 1024; i++) {  // 1 GiB, touched
            var b = new byte[1 << 20];
            for (int j = 0; j < b.Length; j += 4096) b[j] = (byte)(i | 1);
            blocks.Add(b);
        }
        System.Console.WriteLine(blocks.Count);
    }
}
