var i: longint; p: array[0..1023] of pbyte;
begin
  for i := 0 to 1023 do begin getmem(p[i], 1 shl 20); fillchar(p[i]^, 1 shl 20, i) end;
  writeln(p[0][0])
end.
