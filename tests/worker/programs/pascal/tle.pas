var n: qword;
begin n := 0; while true do inc(n); writeln(n) end.
