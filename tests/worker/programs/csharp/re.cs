class Program { static void Main() { int[] a = new int[1]; System.Console.WriteLine(a[5]); } }
