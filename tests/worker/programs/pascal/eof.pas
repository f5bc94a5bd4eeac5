program eof;  { every number to EOF into a file in /tmp, then read back from it }
var f: text; x, n, sum: int64;
begin
  assign(f, '/tmp/numbers.txt'); rewrite(f);
  while not seekeof do begin read(x); writeln(f, x) end;
  close(f);
  reset(f); n := 0; sum := 0;
  while not seekeof(f) do begin read(f, x); n := n + 1; sum := sum + x end;
  close(f);
  writeln(n, ' ', sum);
end.
